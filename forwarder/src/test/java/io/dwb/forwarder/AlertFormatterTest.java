package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.AlertJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every datagram is the queue prefix and exactly one JSON object: nothing after its closing brace. */
class AlertFormatterTest {
    private static final List<JsonNode> RECORDED = TestRecords.ndjson("engine-events-api-1.45.ndjson");

    @Test
    void everyRecordedEventWithAndWithoutLegacyFieldsIsExactlyOneJsonDocument() {
        AlertFormatter formatter = new AlertFormatter();
        LegacyFields always = new LegacyFields(LegacyFieldsMode.ALWAYS);
        int withLegacy = 0;
        for (JsonNode recorded : RECORDED) {
            // As Engine 29 sends it: without status/id/from, so container and image events get them added.
            ObjectNode event = ((ObjectNode) recorded.deepCopy()).without(List.of("status", "id", "from"));
            byte[] value = ContractJson.write(event);
            Map<String, String> legacy = always.missing(EventFields.of(event));
            withLegacy += legacy.isEmpty() ? 0 : 1;
            for (HostRef host : List.of(HostRef.UNKNOWN, new HostRef("h", "h-id"))) {
                for (boolean flag : new boolean[] {false, true}) {
                    ObjectNode alert = AlertJson.ofDatagram(formatter.event(value, legacy, host, flag, !flag));
                    JsonNode docker = alert.get("docker");
                    assertThat(docker.get("Type")).isEqualTo(event.get("Type"));
                    legacy.forEach((name, text) -> assertThat(docker.path(name).asText()).isEqualTo(text));
                }
            }
        }
        assertThat(withLegacy).as("events that got legacy fields").isGreaterThan(100);
    }

    @Test
    void bridgeAlertsAreExactlyOneJsonDocument() {
        ObjectNode gap = ContractJson.MAPPER.createObjectNode().put("reason", "restart").put("from", "x");
        ObjectNode alert = AlertJson.ofDatagram(new AlertFormatter().bridge(BridgeAlert.GAP, gap,
                new HostRef("h", null), true, true));
        assertThat(alert.path("docker_bridge").path("event").asText()).isEqualTo("gap");
        assertThat(alert.path("truncated").asBoolean()).isTrue();
    }
}
