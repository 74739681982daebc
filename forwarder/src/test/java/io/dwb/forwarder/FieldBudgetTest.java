package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.WazuhJsonFields;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * No alert has more fields than Wazuh's JSON decoder takes ({@code analysisd.decoder_order_size}): past them it logs
 * an ERROR line for each one it drops. An image with 8,000 small labels made about 7,750 such lines for every event
 * of its containers (an exec health check's every second too), and the labels past the bound never reached
 * alerts.json anyway. Every field of the alert is counted here, not only the 256 Wazuh keeps.
 */
class FieldBudgetTest {
    private static final HostRef HOST = new HostRef("h", "h-id");
    /** Fields of {@link TestRecords#containerEvent}'s alert besides its labels: 11 of the event, 2 of its host. */
    private static final int OTHER_FIELDS = 14;
    /**
     * Fields besides its labels that leave {@link #aForgedEventWhoseHundredThousandLabelsAllGoIsCutInLinearTime}'s
     * event no room for one: 256, less its 6 own and 4 around it (its host's 2, {@code integration} and the mark).
     */
    private static final int OTHER_FIELDS_LEAVING_NO_ROOM = 256 - 6 - 4;

    /** The default is what the stand-in for Wazuh's decoder models: its decoder_order_size unless a manager raises it. */
    @Test
    void theDefaultBudgetIsWazuhsDecoderDefault() {
        assertThat(FieldBudget.DEFAULT.max()).isEqualTo(WazuhJsonFields.DECODER_ORDER_SIZE);
    }

    @Test
    void eightThousandSmallLabelsAreCutToWhatWazuhDecodesTheEnginesOwnKept() throws Exception {
        AlertTrimmer.Fitted fitted = fit(withLabels(8_000, ""), FieldBudget.DEFAULT);

        assertWithinBudget(fitted, 256, 256 - OTHER_FIELDS - 1);
    }

    @Test
    void twoThousandLabelsNoDatagramTrimsAreCutTooInTheOrderWazuhKeepsThem() throws Exception {
        ObjectNode event = withLabels(2_000, "v");
        assertThat(ContractJson.write(event).length).as("fits a datagram untrimmed")
                .isLessThan(AlertTrimmer.MAX_DATAGRAM / 2);

        AlertTrimmer.Fitted fitted = fit(event, FieldBudget.DEFAULT);

        assertWithinBudget(fitted, 256, 256 - OTHER_FIELDS - 1);
    }

    @Test
    void aManagerThatDecodesMoreFieldsGetsMoreLabels() throws Exception {
        AlertTrimmer.Fitted fitted = fit(withLabels(2_000, "v"), new FieldBudget(1024));

        assertWithinBudget(fitted, 1024, 1024 - OTHER_FIELDS - 1);
    }

    @Test
    void anAlertOfExactlyTheBudgetKeepsEveryLabelAndOneMoreIsCut() throws Exception {
        ObjectNode event = withLabels(256 - OTHER_FIELDS, "v");
        AlertTrimmer.Fitted whole = fit(event, FieldBudget.DEFAULT);
        assertThat(whole.truncated()).isFalse();
        ObjectNode alert = TestRecords.alert(whole.datagram());
        assertThat(alert.get("docker")).as("every label, in WazuhFieldOrder's order").isEqualTo(event);
        assertThat(WazuhJsonFields.count(alert)).isEqualTo(256);

        AlertTrimmer.Fitted cut = fit(withLabels(256 - OTHER_FIELDS + 1, "v"), FieldBudget.DEFAULT);
        assertWithinBudget(cut, 256, 256 - OTHER_FIELDS - 1);
    }

    /** Trimmed for its size, an alert is marked truncated: the mark is one field more, so one label less. */
    @Test
    void anAlertOfExactlyTheBudgetTrimmedForItsSizeMakesRoomForItsMark() throws Exception {
        ObjectNode event = withLabels(256 - OTHER_FIELDS, "v");
        ((ObjectNode) event.path("Actor").path("Attributes")).put("0000", "x".repeat(AlertTrimmer.MAX_DATAGRAM));

        AlertTrimmer.Fitted fitted = fit(event, FieldBudget.DEFAULT);

        assertWithinBudget(fitted, 256, 256 - OTHER_FIELDS - 1);
        assertThat(TestRecords.alert(fitted.datagram()).path("docker").path("Actor").path("Attributes").path("0000")
                .asText()).as("cut, not left out").startsWith("xxx");
    }

    /**
     * A container label named as a volume's or a network's attribute is a label: past the budget it is left out,
     * where before it was kept first with the container's name and image.
     */
    @Test
    void labelsNamedAsOtherTypesAttributesArePastTheBudgetAsLabels() throws Exception {
        ObjectNode event = withLabels(400, "v");
        ((ObjectNode) event.path("Actor").path("Attributes")).put("driver", "d".repeat(300))
                .put("path", "p".repeat(300));

        AlertTrimmer.Fitted fitted = fit(event, FieldBudget.DEFAULT);

        assertWithinBudget(fitted, 256, 256 - OTHER_FIELDS - 1);
    }

    @Test
    void anEventWithFewLabelsIsUnchanged() throws Exception {
        ObjectNode event = withLabels(3, "v");
        byte[] value = ContractJson.write(event);

        AlertTrimmer.Fitted fitted = fit(event, FieldBudget.DEFAULT);

        assertThat(fitted.truncated()).isFalse();
        assertThat(new String(fitted.datagram(), StandardCharsets.UTF_8))
                .endsWith(",\"docker\":" + new String(value, StandardCharsets.UTF_8) + "}");
    }

    @Test
    void theLegacyFieldsAndTheReplayMarkCountToo() throws Exception {
        ObjectNode event = withLabels(2_000, "v");
        event.remove(List.of("status", "id", "from"));
        byte[] value = ContractJson.write(event);
        AlertTrimmer.Fitted fitted = new AlertTrimmer(new AlertFormatter()).datagram(new Classified.Event(value,
                EventFields.read(value), HOST, "id"), Map.of("status", "start", "id", "x", "from", "y"), true)
                .fitted();

        ObjectNode alert = TestRecords.alert(fitted.datagram());
        assertThat(WazuhJsonFields.count(alert)).isEqualTo(256);
        assertThat(alert.path("replay").asBoolean()).isTrue();
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        assertThat(alert.path("docker").path("status").asText()).isEqualTo("start");
    }

    /**
     * A forged event (no engine writes one: a Kafka writer's) with none of the engine's own attributes, 246 fields
     * outside its attributes (the 256 with those around it: no room for the first label) and 108,000 labels, 1 MiB:
     * every attribute goes. They went through Jackson's {@code remove(Collection)} of a list of their keys, the key
     * set's {@code removeAll}, which then asks the list's {@code contains} for each key: 23-29 s of the delivery thread
     * on this 2-core machine (the audit measured 8.4-9.1 s), every partition of that forwarder stalled while it ran.
     * Removed through the iterator, the whole trimmer takes 95-130 ms here, the test alone in a cold JVM, two busy
     * processes beside it or not: the bound is wide for a loaded CI machine (2 s), under a quarter of the audit's
     * broken time. Not a benchmark (those are JMH's): a quadratic blow-up fails it by far.
     */
    @Test
    void aForgedEventWhoseHundredThousandLabelsAllGoIsCutInLinearTime() throws Exception {
        ObjectNode event = ContractJson.MAPPER.createObjectNode().put("Type", "container").put("Action", "start");
        ObjectNode attributes = ((ObjectNode) event.putObject("Actor").put("ID", "c0ffee")).putObject("Attributes");
        TreeMap<String, String> sorted = new TreeMap<>(); // 3 characters each, of 62: 108,000 keys within 1 MiB
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int i = 0; i < 108_000; i++) {
            sorted.put("" + alphabet.charAt(i % 62) + alphabet.charAt(i / 62 % 62) + alphabet.charAt(i / 3844), "");
        }
        sorted.forEach(attributes::put);
        ObjectNode other = event.putObject("x");
        for (int i = 0; i < OTHER_FIELDS_LEAVING_NO_ROOM; i++) {
            other.put("f" + i, i);
        }
        event.put("scope", "local").put("time", 1_764_000_000L).put("timeNano", 1_764_000_000_000_000_001L);
        byte[] value = ContractJson.write(event);
        assertThat(value.length).isLessThanOrEqualTo(io.dwb.schemas.StandIn.MAX_VALUE_BYTES);
        Classified.Event classified = new Classified.Event(value, EventFields.read(value), HOST, "id");
        AlertTrimmer trimmer = new AlertTrimmer(new AlertFormatter(), LabelFilter.ALL, FieldBudget.DEFAULT);

        AlertTrimmer.Fitted fitted = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> trimmer.datagram(classified, Map.of(), false).fitted(), "quadratic in the labels");

        assertThat(fitted.truncated()).isTrue();
        ObjectNode alert = TestRecords.alert(fitted.datagram());
        assertThat(alert.path("docker").path("Actor").path("Attributes").size()).as("every label left out").isZero();
        assertThat(alert.path("docker").path("x").size()).isEqualTo(OTHER_FIELDS_LEAVING_NO_ROOM);
        assertThat(WazuhJsonFields.count(alert)).isEqualTo(256);
    }

    /**
     * A forged event of fields that are not labels (6,000 here, within a datagram) has no alert: analysisd would log
     * an ERROR line for each field past its 256, and no engine writes such an event. Before,
     * only labels were left out, and the alert went with every other field. One field fewer, and it is delivered.
     */
    @Test
    void anEventOverTheBudgetWithoutAnyLabelHasNoAlertAndSaysWhy() throws Exception {
        ObjectNode event = withLabels(100, "v");
        ObjectNode other = event.putObject("x");
        for (int i = 0; i < 6_000; i++) {
            other.put(String.format("%04x", i), "");
        }
        assertThat(ContractJson.write(event).length).as("fits a datagram").isLessThan(AlertTrimmer.MAX_DATAGRAM);

        assertThat(trim(event, FieldBudget.DEFAULT)).isInstanceOfSatisfying(AlertTrimmer.Unfit.class, unfit -> {
            assertThat(unfit.reason()).isEqualTo(DeadLetterReason.TOO_MANY_FIELDS);
            assertThat(unfit.error()).isEqualTo("its alert has 6,015 fields without any label, over the 256 "
                    + "Wazuh's JSON decoder takes (--max-fields): analysisd would log an ERROR line for each field "
                    + "past them; no Docker engine writes such an event");
        });

        ObjectNode atTheBound = withLabels(100, "v");
        ObjectNode fewer = atTheBound.putObject("x");
        for (int i = 0; i < 256 - (OTHER_FIELDS + 1); i++) { // the mark is one field more
            fewer.put(String.format("%04x", i), "");
        }
        AlertTrimmer.Fitted fitted = trim(atTheBound, FieldBudget.DEFAULT).fitted();
        ObjectNode alert = TestRecords.alert(fitted.datagram());
        assertThat(WazuhJsonFields.count(alert)).isEqualTo(256);
        assertThat(alert.path("docker").path("Actor").path("Attributes").size()).as("the engine's own only")
                .isEqualTo(2);
        assertThat(trim(atTheBound, new FieldBudget(255))).as("over a smaller budget")
                .isInstanceOf(AlertTrimmer.Unfit.class);
    }

    /** An event without attributes has no labels to leave out: over the budget, it has no alert either. */
    @Test
    void anEventWithoutAttributesOverTheBudgetHasNoAlert() throws Exception {
        ObjectNode event = TestRecords.containerEvent("web", 1_764_000_000_000_000_001L);
        ((ObjectNode) event.path("Actor")).remove("Attributes");
        for (int i = 0; i < 300; i++) {
            event.put("f" + i, i);
        }

        assertThat(trim(event, FieldBudget.DEFAULT)).isInstanceOfSatisfying(AlertTrimmer.Unfit.class,
                unfit -> assertThat(unfit.reason()).isEqualTo(DeadLetterReason.TOO_MANY_FIELDS));
    }

    @Test
    void theStreamingCountIsTheTreesAndAKeyGivenTwiceIsRefused() throws Exception {
        byte[] value = ("{\"Type\":\"container\",\"Action\":\"start\",\"timeNano\":1,\"x\":{\"a\":[1,[2],{\"b\":3}],"
                + "\"c\":{},\"d\":null,\"e\":1.5,\"f\":{\"g\":true}},\"Actor\":{\"ID\":\"a\",\"Attributes\":{"
                + "\"name\":\"n\",\"l\":\"v\"}}}").getBytes(StandardCharsets.UTF_8);
        ObjectNode tree = EventFields.tree(value);

        assertThat(EventFields.read(value).fields()).isEqualTo(FieldBudget.fields(tree)).isEqualTo(10)
                .isEqualTo(EventFields.of(tree).fields())
                .isEqualTo(WazuhJsonFields.count(tree));
        // Wazuh's cJSON would count both, Jackson's tree one: neither is read, the record is not-json (EventFieldsTest).
        byte[] twice = "{\"Type\":\"container\",\"Type\":\"image\",\"Actor\":{\"ID\":\"a\"}}"
                .getBytes(StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventFields.read(twice))
                .hasMessageContaining("Duplicate field 'Type'");
    }

    /**
     * Within {@code budget} fields, every one counted; marked truncated; the container's name, image and times there;
     * and of the labels the first {@code labels} in the engine's order, the rest left out.
     */
    private static void assertWithinBudget(AlertTrimmer.Fitted fitted, int budget, int labels) {
        assertThat(fitted.truncated()).isTrue();
        assertThat(fitted.datagram().length).isLessThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM);
        ObjectNode alert = TestRecords.alert(fitted.datagram());
        assertThat(WazuhJsonFields.count(alert)).isLessThanOrEqualTo(budget);
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        ObjectNode attributes = (ObjectNode) alert.path("docker").path("Actor").path("Attributes");
        assertThat(attributes.path("name").asText()).isEqualTo("cryptominer-prod-7");
        assertThat(attributes.path("image").asText()).isEqualTo("xmrig/xmrig:6.21.0");
        assertThat(alert.path("docker").path("timeNano").isIntegralNumber()).isTrue();
        List<String> kept = new ArrayList<>();
        attributes.fieldNames().forEachRemaining(kept::add);
        List<String> expected = new ArrayList<>(List.of("name", "image"));
        for (int i = 0; i < labels; i++) {
            expected.add(String.format("%04x", i));
        }
        assertThat(kept).as("the engine's own first, then the first labels in the engine's order")
                .containsExactlyElementsOf(expected);
    }

    private static AlertTrimmer.Fitted fit(ObjectNode event, FieldBudget budget) throws Exception {
        return trim(event, budget).fitted();
    }

    private static AlertTrimmer.Fit trim(ObjectNode event, FieldBudget budget) throws Exception {
        byte[] value = ContractJson.write(event);
        return new AlertTrimmer(new AlertFormatter(), LabelFilter.ALL, budget).datagram(
                new Classified.Event(value, EventFields.read(value), HOST, "id"), Map.of(), false);
    }

    /** A container's event with {@code count} labels {@code %04x=value}, sorted as the engine writes them. */
    private static ObjectNode withLabels(int count, String value) {
        ObjectNode event = TestRecords.containerEvent("cryptominer-prod-7", 1_764_000_000_000_000_001L);
        TreeMap<String, String> attributes = new TreeMap<>(Map.of("name", "cryptominer-prod-7", "image",
                "xmrig/xmrig:6.21.0"));
        for (int i = 0; i < count; i++) {
            attributes.put(String.format("%04x", i), value);
        }
        ObjectNode sorted = ((ObjectNode) event.path("Actor")).putObject("Attributes");
        attributes.forEach(sorted::put);
        return event;
    }
}
