package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.WazuhJsonFields;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The fast layer under OversizeTest: which events are written in another order for Wazuh, and how. */
class WazuhFieldOrderTest {
    private static final HostRef HOST = new HostRef("h", "h-id");
    private final AlertTrimmer trimmer = new AlertTrimmer(new AlertFormatter());

    /**
     * The engine's own are those of the event's Action ({@link EngineAttributes}): a {@code die}'s {@code exitCode}
     * first, a label {@code signal} (the engine sets one on a {@code kill}) among the labels, here past the budget.
     */
    @Test
    void anEventWithHundredsOfLabelsKeepsTheEnginesOwnAttributesAndTimesWithinWhatWazuhDecodes() throws Exception {
        ObjectNode event = withLabels(400, "exitCode", "0", "execDuration", "12", "signal", "9");
        event.put("status", "die").put("Action", "die");

        ObjectNode alert = alert(event);

        assertThat(WazuhJsonFields.decoded(alert)).contains("docker.Actor.Attributes.name",
                "docker.Actor.Attributes.image", "docker.Actor.Attributes.exitCode",
                "docker.Actor.Attributes.execDuration", "docker.scope", "docker.time", "docker.timeNano",
                "docker.Actor.ID", "docker.Type", "docker.Action");
        // The labels past Wazuh's 256 fields are left out here (FieldBudget), the first in this order kept.
        assertThat(WazuhJsonFields.count(alert)).isEqualTo(WazuhJsonFields.DECODER_ORDER_SIZE);
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        assertThat(alert.path("docker").path("Actor").path("Attributes").fieldNames()).toIterable()
                .startsWith("name", "image", "exitCode", "execDuration", "com.example.label-0", "com.example.label-1",
                        "com.example.label-10").doesNotContain("com.example.label-99", "signal");
    }

    @Test
    void anEventWithFewerLabelsIsSentAsTheEngineWroteIt() throws Exception {
        ObjectNode event = withLabels(WazuhFieldOrder.ATTRIBUTES_IN_PLACE - 2);
        byte[] value = ContractJson.write(event);

        byte[] datagram = trimmer.datagram(event(value), Map.of(), false).fitted().datagram();

        assertThat(new String(datagram, java.nio.charset.StandardCharsets.UTF_8))
                .endsWith(",\"docker\":" + new String(value, java.nio.charset.StandardCharsets.UTF_8) + "}");
        assertThat(WazuhJsonFields.decoded(TestRecords.alert(datagram))).contains("docker.Actor.Attributes.name");
    }

    @Test
    void anEventTooLargeForADatagramIsTrimmedInTheNewOrder() throws Exception {
        ObjectNode event = withLabels(300);
        ObjectNode attributes = (ObjectNode) event.path("Actor").path("Attributes");
        attributes.put("com.example.big", "x".repeat(AlertTrimmer.MAX_DATAGRAM));

        ObjectNode alert = alert(event);

        assertThat(alert.path("truncated").asBoolean()).isTrue();
        assertThat(WazuhJsonFields.decoded(alert)).contains("docker.Actor.Attributes.name",
                "docker.Actor.Attributes.image", "docker.timeNano");
        assertThat(alert.path("docker").path("Actor").path("Attributes").path("name").asText()).isEqualTo("many");
    }

    /**
     * So many labels that even empty values leave the alert too large: whole attributes are left out, the labels
     * first. Before, the largest went first, and an image name longer than each label was the first to go.
     */
    @Test
    void labelsLeftOutToFitADatagramGoBeforeTheEnginesOwnAttributes() throws Exception {
        ObjectNode event = withLabels(6_000);
        ((ObjectNode) event.path("Actor").path("Attributes")).put("image", "registry.example.com/team/app:1.2.3");

        ObjectNode alert = alert(event);

        assertThat(alert.path("truncated").asBoolean()).isTrue();
        ObjectNode attributes = (ObjectNode) alert.path("docker").path("Actor").path("Attributes");
        assertThat(attributes.path("image").asText()).isEqualTo("registry.example.com/team/app:1.2.3");
        assertThat(attributes.path("name").asText()).isEqualTo("many");
        assertThat(attributes.size()).isBetween(100, 6_000);
        List<String> names = new java.util.ArrayList<>();
        attributes.fieldNames().forEachRemaining(names::add);
        assertThat(names).as("the engine's own first, then the labels kept in the engine's order")
                .startsWith("name", "image").isSortedAccordingTo(WazuhFieldOrderTest::ownFirstThenByName);
    }

    /**
     * Wazuh's field lookup ignores ASCII case and takes the first match, and the engine writes attributes sorted,
     * capitals first: a label {@code Name} (or {@code IMAGE}) was what rules and descriptions read as the container's
     * name (or image), and alerts.json kept it in place of the real one.
     */
    @Test
    void labelsWazuhWouldReadAsTheEnginesOwnAttributesComeAfterThem() throws Exception {
        ObjectNode event = withLabels(3, "Name", "trusted-web", "IMAGE", "nginx:official", "Image.tag", "1",
                "Name\0", "x");

        ObjectNode alert = alert(event);

        assertThat(WazuhJsonFields.find(alert, "docker.Actor.Attributes.name")).contains("many");
        assertThat(WazuhJsonFields.find(alert, "docker.Actor.Attributes.image")).contains("local/busybox:1");
        assertThat(alert.get("docker")).as("the same event, every label kept").isEqualTo(event);
        assertThat(EventFields.read(ContractJson.write(event)).lookalikeAttribute()).isTrue()
                .isEqualTo(EventFields.of(event).lookalikeAttribute());
    }

    @Test
    void attributeKeysWazuhReadsAsTheEnginesOwn() {
        assertThat(List.of("Name", "NAME", "nAme", "Image", "Name\0evil", "name\0", "Name.x", "IMAGE.tag",
                "Role", "ExitCode", "Role.Old"))
                .allMatch(WazuhFieldOrder::lookalike);
        assertThat(List.of("name", "image", "exitCode", "role.old", "names", "name_x", "com.example.name", "Named",
                "", "\0", "imageX"))
                .noneMatch(WazuhFieldOrder::lookalike);
    }

    @Test
    void anEventWithoutLookalikeLabelsIsNotFlagged() throws Exception {
        assertThat(EventFields.read(ContractJson.write(withLabels(5, "com.example.Name", "x"))).lookalikeAttribute())
                .isFalse();
    }

    @Test
    void theStreamingReadCountsTheAttributesAndRefusesASecondAttributesObject() throws Exception {
        byte[] twice = ("{\"Type\":\"container\",\"Action\":\"start\",\"timeNano\":1,\"Actor\":{\"ID\":\"a\","
                + "\"Attributes\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"},\"Attributes\":{\"d\":\"4\"}}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);

        // Wazuh reads the first, a tree the last: neither is counted, the record is not-json (EventFieldsTest).
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventFields.read(twice))
                .hasMessageContaining("Duplicate field 'Attributes'");
        assertThat(EventFields.read(ContractJson.write(withLabels(7))).attributes()).isEqualTo(9);
    }

    private static int ownFirstThenByName(String a, String b) {
        EngineAttributes.Own own = EngineAttributes.in("container", "start");
        boolean ownA = own.contains(a);
        boolean ownB = own.contains(b);
        return ownA != ownB ? (ownA ? -1 : 1) : ownA ? 0 : a.compareTo(b);
    }

    private ObjectNode alert(ObjectNode event) throws Exception {
        AlertTrimmer.Fit fitted = trimmer.datagram(event(ContractJson.write(event)),
                Map.of(), false);
        return TestRecords.alert(fitted.fitted().datagram());
    }

    private static Classified.Event event(byte[] value) throws Exception {
        return new Classified.Event(value, EventFields.read(value), HOST, "id");
    }

    /** A container event with {@code labels} labels and {@code extra} attributes, sorted as the engine writes them. */
    private static ObjectNode withLabels(int labels, String... extra) {
        ObjectNode event = TestRecords.containerEvent("many", 1_764_000_000_000_000_001L);
        TreeMap<String, String> attributes = new TreeMap<>(Map.of("image", "local/busybox:1", "name", "many"));
        for (int i = 0; i < labels; i++) {
            attributes.put("com.example.label-" + i, "v");
        }
        for (int i = 0; i < extra.length; i += 2) {
            attributes.put(extra[i], extra[i + 1]);
        }
        ObjectNode sorted = ((ObjectNode) event.path("Actor")).putObject("Attributes");
        attributes.forEach(sorted::put);
        return event;
    }
}
