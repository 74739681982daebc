package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The legacy fields as the engine filled them before API 1.52: status, id and from, each left out when empty. */
class LegacyFieldsTest {
    private static EventFields fields(String json) {
        try {
            return EventFields.read(json.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException | EventFields.NotAnObject e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anEngine29ContainerEventGetsStatusIdAndFromInTheEnginesOrder() {
        EventFields start = fields("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"c1\","
                + "\"Attributes\":{\"image\":\"busybox\",\"name\":\"web\"}},\"scope\":\"local\",\"time\":1,"
                + "\"timeNano\":1000000000}");
        assertThat(new LegacyFields(LegacyFieldsMode.AUTO).missing(start))
                .containsExactly(Map.entry("status", "start"), Map.entry("id", "c1"),
                        Map.entry("from", "busybox"));
    }

    /**
     * A prune has an empty Actor.ID: the engine's id was omitempty, so a prune before Engine 29 had none (Engine 26:
     * {"status":"prune","Type":"container","Action":"prune","Actor":{"ID":"",...}}).
     */
    @Test
    void anEmptyValueIsLeftOutAsTheEngineLeftItOut() {
        for (String type : new String[] {"container", "image"}) {
            EventFields prune = fields("{\"Type\":\"" + type + "\",\"Action\":\"prune\",\"Actor\":{\"ID\":\"\","
                    + "\"Attributes\":{\"reclaimed\":\"0\"}},\"scope\":\"local\",\"time\":1,\"timeNano\":1000000000}");
            for (LegacyFieldsMode mode : new LegacyFieldsMode[] {LegacyFieldsMode.AUTO, LegacyFieldsMode.ALWAYS}) {
                assertThat(new LegacyFields(mode).missing(prune)).as(type + " " + mode)
                        .containsExactly(Map.entry("status", "prune"));
            }
        }
        EventFields noImage = fields("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"c1\","
                + "\"Attributes\":{\"image\":\"\"}},\"scope\":\"local\",\"time\":1,\"timeNano\":1000000000}");
        assertThat(new LegacyFields(LegacyFieldsMode.AUTO).missing(noImage)).doesNotContainKey("from");
    }
}
