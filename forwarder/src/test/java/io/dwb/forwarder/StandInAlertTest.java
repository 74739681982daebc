package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.StandIn;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The alert of the listener's stand-in (an event made too large or unparsable by a label): it says which container
 * and image did it, as the full event's alert would, and gets the legacy {@code from} made of that image.
 */
class StandInAlertTest {
    private static final HostRef HOST = new HostRef("h", "h-id");

    @Test
    void aStandInsAlertShowsTheContainersNameAndImageAndGetsTheLegacyFrom() throws Exception {
        EventIdentity identity = EventIdentity.of("1790000000000000001", 1_790_000_000_000_000_001L, null,
                "container", "start", "c-1");
        byte[] value = StandIn.of(identity, "1790000000", new StandIn.Names("miner-1", "evil/miner:1"), 2_000_000);
        EventFields fields = EventFields.read(value);

        Map<String, String> legacy = new LegacyFields(LegacyFieldsMode.AUTO).missing(fields);
        AlertTrimmer.Fitted fitted = new AlertTrimmer(new AlertFormatter())
                .datagram(new Classified.Event(value, fields, HOST, "id"), legacy, false).fitted();

        assertThat(legacy).containsExactly(entry("status", "start"), entry("id", "c-1"),
                entry("from", "evil/miner:1"));
        assertThat(fitted.truncated()).isTrue();
        ObjectNode alert = TestRecords.alert(fitted.datagram());
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        JsonNode docker = alert.get("docker");
        assertThat(docker.path("Actor").path("Attributes").path("name").asText()).isEqualTo("miner-1");
        assertThat(docker.path("Actor").path("Attributes").path("image").asText()).isEqualTo("evil/miner:1");
        assertThat(docker.path("from").asText()).isEqualTo("evil/miner:1");
        assertThat(new ContractSchemas().validateAlert(alert)).isEmpty();
    }
}
