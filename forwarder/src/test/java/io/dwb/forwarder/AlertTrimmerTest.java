package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.AlertJson;
import io.dwb.schemas.testing.DatagramReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What trimming leaves of an oversize alert: exactly one JSON document within 65,341 bytes, marked truncated, the
 * largest values cut first and to the same length, the smaller ones whole. Its speed is measured by JMH
 * ({@code bench/.../jmh/Trimming.java}), not here.
 */
class AlertTrimmerTest {
    private static final HostRef HOST = new HostRef("h", "h-id");
    /**
     * Wazuh's field budget out of the way: these tests are about bytes ({@link FieldBudgetTest} about fields). With
     * {@code --max-fields 1024}, a thousand labels with long keys reach the same paths.
     */
    private static final FieldBudget BYTES_ONLY = new FieldBudget(Integer.MAX_VALUE);

    @TempDir
    Path dir;

    private ObjectNode labelledEvent;

    @Test
    void aMegabyteEventWithAThousandLabelsLosesItsLargestValuesFirst() {
        ObjectNode attributes = labelled(1_000, 2_000); // 0 to 1,999 characters: about 1 MB
        ObjectNode sent = attributesSent(attributes);
        int longestWhole = 0;
        int shortestCut = Integer.MAX_VALUE;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> original = it.next();
            String text = sent.path(original.getKey()).asText(null);
            assertThat(text).as(original.getKey()).isNotNull();
            assertThat(original.getValue().asText()).startsWith(text);
            if (text.equals(original.getValue().asText())) {
                longestWhole = Math.max(longestWhole, text.length());
            } else {
                shortestCut = Math.min(shortestCut, text.length());
            }
        }
        assertThat(shortestCut).as("no value is cut below one that is kept whole").isGreaterThanOrEqualTo(longestWhole);
        assertThat(sent.path("name").asText()).isEqualTo("many-labels");
    }

    @Test
    void tenThousandLabelsWhoseNamesAloneExceedADatagramLoseTheLargestLabelsWhole() {
        ObjectNode attributes = labelled(10_000, 200); // names alone take ~250 KB
        ObjectNode sent = attributesSent(attributes);
        int largestKept = 0;
        int smallestLeftOut = Integer.MAX_VALUE;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> original = it.next();
            int size = original.getKey().length() + original.getValue().asText().length();
            if (sent.has(original.getKey())) {
                assertThat(sent.get(original.getKey())).as("kept whole").isEqualTo(original.getValue());
                largestKept = Math.max(largestKept, size);
            } else {
                smallestLeftOut = Math.min(smallestLeftOut, size);
            }
        }
        assertThat(sent.size()).isBetween(100, 9_000);
        assertThat(smallestLeftOut).isGreaterThanOrEqualTo(largestKept);
    }

    /**
     * A published image's thousands of small labels (short keys, short values): the common cap fell to a few
     * bytes, and the engine's own attributes were cut with the labels: {@code name} and {@code image} arrived empty
     * (Wazuh leaves empty values out of alerts.json, and a rule on the image reads nothing), {@code exitCode} 137 as
     * {@code 13}.
     */
    @Test
    void manySmallLabelsNeverCutTheEnginesOwnAttributes() {
        for (String value : new String[] {"v", "vvvvvv"}) {
            ObjectNode die = minerDying(value.equals("v") ? 6_000 : 5_000, value);
            ObjectNode sent = (ObjectNode) trimmed(die).get("docker").path("Actor").path("Attributes");
            assertThat(sent.path("name").asText()).as(value).isEqualTo("cryptominer-prod-7");
            assertThat(sent.path("image").asText()).as(value).isEqualTo("xmrig/xmrig:6.21.0");
            assertThat(sent.path("exitCode").asText()).as(value).isEqualTo("137");

            // As the forwarder runs by default: the labels past Wazuh's 256 fields go first.
            AlertTrimmer.Fitted fitted = new AlertTrimmer(new AlertFormatter()).datagram(new Classified.Event(
                    ContractJson.write(die), die, HOST, "id"), Map.of(), false).fitted();
            assertThat(fitted.truncated()).isTrue();
            assertThat(fitted.datagram().length).isLessThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM);
            ObjectNode alert = TestRecords.alert(fitted.datagram());
            assertThat(alert.path("truncated").asBoolean()).isTrue();
            JsonNode attributes = alert.path("docker").path("Actor").path("Attributes");
            assertThat(List.of(attributes.path("name").asText(), attributes.path("image").asText(),
                    attributes.path("exitCode").asText())).as(value)
                    .containsExactly("cryptominer-prod-7", "xmrig/xmrig:6.21.0", "137");
        }
    }

    /** An attribute of the engine's own longer than a datagram keeps its start, as a command line does. */
    @Test
    void aCommitCommentLongerThanADatagramKeepsItsStart() {
        ObjectNode commit = TestRecords.containerEvent("web", 1_764_000_000_000_000_007L);
        commit.put("Action", "commit").put("status", "commit");
        ((ObjectNode) commit.path("Actor").path("Attributes")).put("comment", "c".repeat(70_000))
                .put("com.example.label", "kept");
        AlertTrimmer.Fitted fitted = trim(commit).fitted();
        assertThat(fitted.truncated()).isTrue();
        ObjectNode sent = (ObjectNode) TestRecords.alert(fitted.datagram()).path("docker").path("Actor")
                .path("Attributes");
        assertThat(sent.path("comment").asText()).hasSize(io.dwb.schemas.StandIn.MAX_IDENTITY_CHARS);
        assertThat(sent.path("com.example.label").asText()).isEqualTo("kept");
        assertThat(sent.path("name").asText()).isEqualTo("web");
    }

    /**
     * A container label named as a volume's or a network's attribute ({@code driver}, {@code path}) is a label: cut
     * to the labels' common cap, not kept to 2,048 characters as if the engine had set it.
     */
    @Test
    void aContainersLabelsNamedAsOtherTypesAttributesAreCutAsLabels() {
        ObjectNode start = TestRecords.containerEvent("web", 1_764_000_000_000_000_008L);
        ObjectNode attributes = (ObjectNode) start.path("Actor").path("Attributes");
        for (int i = 0; i < 100; i++) {
            attributes.put(String.format("com.example.label-%03d", i), "v".repeat(1_000));
        }
        attributes.put("driver", "d".repeat(30_000)).put("path", "p".repeat(30_000));

        ObjectNode sent = (ObjectNode) trimmed(start).get("docker").path("Actor").path("Attributes");

        int cap = sent.path("com.example.label-000").asText().length();
        assertThat(cap).isLessThan(1_000);
        assertThat(sent.path("driver").asText()).as("cut to the labels' cap").hasSize(cap).matches("d+");
        assertThat(sent.path("path").asText()).as("cut to the labels' cap").hasSize(cap).matches("p+");
        assertThat(sent.path("name").asText()).isEqualTo("web");
        assertThat(sent.path("image").asText()).isEqualTo("local/busybox:1");
    }

    /** Left out whole to fit, such labels go with the other labels, the largest first: before the name and image. */
    @Test
    void aContainersLabelsNamedAsOtherTypesAttributesAreLeftOutBeforeItsName() {
        ObjectNode start = TestRecords.containerEvent("web", 1_764_000_000_000_000_009L);
        ObjectNode attributes = (ObjectNode) start.path("Actor").path("Attributes");
        for (int i = 0; i < 8_000; i++) {
            attributes.put("com.example.label-" + i, "");
        }
        attributes.put("driver", "d".repeat(1_500)).put("path", "p".repeat(1_500));

        ObjectNode sent = (ObjectNode) trimmed(start).get("docker").path("Actor").path("Attributes");

        assertThat(sent.size()).isBetween(100, 7_999);
        assertThat(sent.has("driver")).isFalse();
        assertThat(sent.has("path")).isFalse();
        assertThat(sent.path("name").asText()).isEqualTo("web");
        assertThat(sent.path("image").asText()).isEqualTo("local/busybox:1");
    }

    /**
     * A volume's events hold no labels: its {@code driver}, {@code destination}, ... are the engine's own, kept whole
     * and first however many other attributes the event has (none from the engine; here to make it too large).
     */
    @Test
    void aVolumeEventsDriverAndDestinationComeThroughWhole() throws Exception {
        ObjectNode mount = ContractJson.MAPPER.createObjectNode();
        mount.put("Type", "volume").put("Action", "mount");
        ObjectNode attributes = mount.putObject("Actor").put("ID", "data").putObject("Attributes");
        String destination = "/srv/" + "d".repeat(1_000);
        attributes.put("container", "c0ffee").put("destination", destination).put("driver", "local")
                .put("propagation", "").put("read/write", "true");
        for (int i = 0; i < 300; i++) {
            attributes.put(String.format("x-%03d", i), "x".repeat(300));
        }
        mount.put("scope", "local").put("time", 1_764_000_000L).put("timeNano", 1_764_000_000_000_000_010L);
        byte[] value = ContractJson.write(mount);

        AlertTrimmer.Fitted fitted = new AlertTrimmer(new AlertFormatter()).datagram(new Classified.Event(value,
                EventFields.read(value), HOST, "id"), Map.of(), false).fitted();

        assertThat(fitted.truncated()).isTrue();
        assertThat(fitted.datagram().length).isLessThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM);
        JsonNode sent = TestRecords.alert(fitted.datagram()).path("docker").path("Actor").path("Attributes");
        assertThat(sent.path("driver").asText()).isEqualTo("local");
        assertThat(sent.path("destination").asText()).isEqualTo(destination);
        assertThat(sent.path("container").asText()).isEqualTo("c0ffee");
        assertThat(sent.path("x-000").asText()).as("the others cut").hasSizeLessThan(300);
        assertThat(sent.has("x-299")).as("and past the field budget left out").isFalse();
    }

    /** A {@code die} of a miner whose image carries {@code count} labels {@code %04x=value}, as the engine sorts. */
    private static ObjectNode minerDying(int count, String value) {
        ObjectNode die = TestRecords.containerEvent("cryptominer-prod-7", 1_764_000_000_000_000_006L);
        die.put("Action", "die").put("status", "die").put("from", "xmrig/xmrig:6.21.0");
        java.util.TreeMap<String, String> attributes = new java.util.TreeMap<>(Map.of("name",
                "cryptominer-prod-7", "image", "xmrig/xmrig:6.21.0", "exitCode", "137"));
        for (int i = 0; i < count; i++) {
            attributes.put(String.format("%04x", i), value);
        }
        ObjectNode sorted = ((ObjectNode) die.path("Actor")).putObject("Attributes");
        attributes.forEach(sorted::put);
        assertThat(ContractJson.write(die).length).isGreaterThan(AlertTrimmer.MAX_DATAGRAM);
        return die;
    }

    /** A container event with {@code count} labels of 0 to {@code longest - 1} characters; its attributes. */
    private ObjectNode labelled(int count, int longest) {
        labelledEvent = TestRecords.containerEvent("many-labels", 1_764_000_000_000_000_001L);
        ObjectNode attributes = (ObjectNode) labelledEvent.path("Actor").path("Attributes");
        for (int i = 0; i < count; i++) {
            attributes.put("com.example.label-" + i, "v".repeat(i * 7919 % longest));
        }
        assertThat(ContractJson.write(labelledEvent).length).isGreaterThan(900_000);
        return attributes.deepCopy();
    }

    private ObjectNode attributesSent(ObjectNode original) {
        return (ObjectNode) trimmed(labelledEvent).get("docker").path("Actor").path("Attributes");
    }

    @Test
    void multiByteEscapedAndSurrogateTextIsCutOnCharacterBoundaries() {
        ObjectNode event = TestRecords.containerEvent("wide", 1_764_000_000_000_000_002L);
        ObjectNode attributes = (ObjectNode) event.path("Actor").path("Attributes");
        attributes.put("accents", "é".repeat(30_000));
        attributes.put("emoji", "😀".repeat(20_000));
        attributes.put("escaped", "\"\\\n\u0001".repeat(10_000));
        attributes.put("cjk", "字".repeat(20_000));
        attributes.put("small", "kept");

        ObjectNode sent = (ObjectNode) trimmed(event).get("docker").path("Actor").path("Attributes");
        for (String name : new String[] {"accents", "emoji", "escaped", "cjk"}) {
            String text = sent.path(name).asText();
            assertThat(attributes.path(name).asText()).startsWith(text).isNotEqualTo(text);
            assertThat(text.isEmpty() || !Character.isHighSurrogate(text.charAt(text.length() - 1))).isTrue();
        }
        assertThat(sent.path("small").asText()).isEqualTo("kept");
    }

    @Test
    void anEventTooLargeOutsideItsAttributesCannotBeFitted() {
        ObjectNode event = TestRecords.containerEvent("body", 1_764_000_000_000_000_003L);
        event.put("payload", "y".repeat(70_000));
        ((ObjectNode) event.path("Actor").path("Attributes")).put("label", "z".repeat(10_000));
        assertThat(trim(event)).isInstanceOfSatisfying(AlertTrimmer.Unfit.class,
                unfit -> assertThat(unfit.reason()).isEqualTo(DeadLetterReason.TOO_LARGE_AFTER_TRIM));
    }

    @Test
    void aCommandLineLongerThanADatagramIsCutToItsStartAndTheAlertMarked() {
        ObjectNode exec = TestRecords.containerEvent("web", 1_764_000_000_000_000_004L);
        exec.remove(java.util.List.of("status", "id", "from"));
        exec.put("Action", "exec_start: sh -c " + "x".repeat(70_000));
        AlertTrimmer.Fitted fitted = trim(exec).fitted();
        assertThat(fitted.truncated()).isTrue();
        ObjectNode sent = (ObjectNode) TestRecords.alert(fitted.datagram()).get("docker");
        assertThat(sent.get("Action").asText()).hasSize(io.dwb.schemas.StandIn.MAX_IDENTITY_CHARS)
                .startsWith("exec_start: sh -c xxx");
        assertThat(sent.path("Actor").path("Attributes").path("name").asText()).isEqualTo("web");
    }

    @Test
    void theLegacyStatusRepeatingALongCommandIsCutWithIt() {
        ObjectNode exec = TestRecords.containerEvent("web", 1_764_000_000_000_000_005L);
        exec.remove(java.util.List.of("status", "id", "from"));
        String command = "exec_start: sh -c " + "x".repeat(40_000); // fits once, not twice
        exec.put("Action", command);
        AlertTrimmer.Fitted fitted = new AlertTrimmer(new AlertFormatter(), LabelFilter.ALL, BYTES_ONLY).datagram(
                new Classified.Event(ContractJson.write(exec), exec, HOST, "id"), Map.of("status", command), false)
                .fitted();
        ObjectNode sent = (ObjectNode) TestRecords.alert(fitted.datagram()).get("docker");
        assertThat(sent.get("status").asText()).isEqualTo(sent.get("Action").asText()).startsWith("exec_start: sh");
        assertThat(fitted.datagram().length).as("the command cut, not the attributes").isLessThan(10_000);
    }

    private static ObjectNode trimmed(ObjectNode event) {
        AlertTrimmer.Fitted fitted = trim(event).fitted();
        assertThat(fitted.truncated()).isTrue();
        assertThat(fitted.datagram().length).isLessThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM)
                .as("cut to the limit, not far below it").isGreaterThan(AlertTrimmer.MAX_DATAGRAM - 12_000);
        ObjectNode alert = TestRecords.alert(fitted.datagram());
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        ObjectNode rest = ((ObjectNode) alert.get("docker")).deepCopy();
        ObjectNode original = event.deepCopy();
        ((ObjectNode) rest.get("Actor")).remove("Attributes");
        ((ObjectNode) original.get("Actor")).remove("Attributes");
        assertThat(rest).as("nothing but attributes is changed").isEqualTo(original);
        return alert;
    }

    private static AlertTrimmer.Fit trim(ObjectNode event) {
        byte[] value = ContractJson.write(event);
        return new AlertTrimmer(new AlertFormatter(), LabelFilter.ALL, BYTES_ONLY).datagram(
                new Classified.Event(value, event, HOST, "id"), Map.of(), false);
    }

    private static ConsumerRecord<byte[], byte[]> consumed(ObjectNode event) {
        var produced = TestRecords.event("t", "h", "h-id", event);
        return new ConsumerRecord<>("t", 0, 0, produced.timestamp(), TimestampType.CREATE_TIME, -1, -1,
                produced.key(), produced.value(), new RecordHeaders(produced.headers().toArray()), Optional.empty());
    }
}
