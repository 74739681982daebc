package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.AlertJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Events are checked with one streaming pass instead of a tree: the fields it reads and the reasons it gives must be
 * the ones the tree gave, including for values that are no object. A key given twice in one object is refused by
 * both: Wazuh's reader takes the first, Jackson's tree the last.
 */
class EventFieldsTest {
    private static final String OK = "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"c1\","
            + "\"Attributes\":{\"image\":\"busybox\",\"name\":\"x\"}},\"scope\":\"local\",\"time\":1,"
            + "\"timeNano\":1700000000000000001}";

    @Test
    void streamingReadSeesWhatTheTreeSees() throws Exception {
        for (String json : List.of(OK,
                "{\"Type\":7,\"Action\":\"x\",\"timeNano\":1}",
                "{\"Type\":\"image\",\"Action\":null,\"timeNano\":1.5,\"status\":null}",
                "{\"Actor\":{\"ID\":5},\"Type\":\"\"}",
                "{\"Actor\":{\"Attributes\":[1]},\"id\":{\"deep\":[{}]},\"from\":1}",
                "{\"Actor\":[{\"ID\":\"no\"}],\"timeNano\":\"1\",\"Action\":{\"a\":1}}",
                "{\"Type\":\"container\",\"Action\":\"create\",\"truncated\":true,\"timeNano\":1}",
                "{\"Type\":\"container\",\"truncated\":\"true\",\"timeNano\":1}")) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            EventFields streamed = EventFields.read(bytes);
            EventFields tree = EventFields.of((ObjectNode) ContractJson.tree(bytes));
            assertThat(streamed).as(json).usingRecursiveComparison().isEqualTo(tree);
        }
    }

    @Test
    void reasonsAreTheTreesReasons() {
        RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
        assertThat(reason(classifier, "[1,2]")).isEqualTo("not-object: the value is an array, not a JSON object");
        assertThat(reason(classifier, "\"text\"")).isEqualTo("not-object: the value is a string, not a JSON object");
        assertThat(reason(classifier, OK + " {}")).startsWith("not-json: Trailing token");
        assertThat(reason(classifier, "{\"Type\":\"container\",broken")).startsWith("not-json: ");
        assertThat(reason(classifier, "{\"Type\":null,\"Action\":\"a\",\"timeNano\":1}"))
                .isEqualTo("missing-field: Type");
        assertThat(reason(classifier, "{\"Type\":\"container\",\"Action\":\"a\",\"timeNano\":1e3}"))
                .isEqualTo("invalid-field: timeNano must be an integer");
        assertThat(reason(classifier, "{\"Type\":\"container\",\"Action\":\"\",\"timeNano\":1}"))
                .isEqualTo("invalid-field: Action must be a non-empty string");
        assertThat(reason(classifier, "{\"Type\":\"container\",\"Action\":\"a\",\"timeNano\":-1}"))
                .isEqualTo("out-of-range: timeNano -1 is not a time between 2000 and 2100");
        assertThat(reason(classifier, "{\"Type\":\"container\",\"Action\":\"a\",\"timeNano\":1" + "0".repeat(30)
                + "}")).startsWith("out-of-range: timeNano ");
    }

    /**
     * A key given twice in one object, anywhere in the event. The event is spliced into its alert as it came, and
     * Wazuh's JSON reader (cJSON) takes the first of two such keys where Jackson's tree takes the last: the audit's
     * record was delivered as a container's {@code start} with a valid {@code Actor}, while Wazuh read an object for
     * its Action and an Actor whose ID is an array and whose name an object; the label checks (field budget, indexer
     * keys, look-alike names) saw only the last {@code Actor}, and a first one could hold anything. The engine never
     * writes such a record (Go's encoder): it is not-json, the key named, with or without the listener's id header
     * (spliced, or given a tree). The listener's own records are read by the same rule.
     */
    @Test
    void aKeyGivenTwiceAnywhereIsNotJsonNamingTheKey() throws Exception {
        RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
        String valid = "{\"Type\":\"container\",\"scope\":\"local\",\"time\":1764000000,"
                + "\"timeNano\":1764000000000000001,\"Action\":\"start\",\"Actor\":{\"ID\":\"c0ffee\","
                + "\"Attributes\":{\"image\":\"busybox\",\"name\":\"web\"}}}";
        String audit = "{\"Action\":{\"x\":{\"y\":1}},\"Actor\":{\"ID\":[1],\"Attributes\":{\"name\":{\"z\":1}}},"
                + valid.substring(1);
        assertThat(classifier.classify(withEventId(record(valid)))).isInstanceOf(Classified.Event.class);
        java.util.Map<String, String> twice = new java.util.LinkedHashMap<>();
        twice.put(audit, "Action");
        twice.put(valid.replace("\"name\":\"web\"", "\"name\":\"web\",\"name\":\"trusted\""), "name");
        twice.put(valid.replace("\"ID\":\"c0ffee\"", "\"ID\":\"c0ffee\",\"ID\":\"other\""), "ID");
        twice.put(valid.replace("\"Actor\":{", "\"Actor\":{\"Attributes\":{},"), "Attributes");
        twice.put(valid.replace("\"scope\":\"local\"", "\"scope\":\"local\",\"x\":[1,{\"a\":{\"b\":1,\"b\":2}}]"), "b");
        for (java.util.Map.Entry<String, String> e : twice.entrySet()) {
            for (ConsumerRecord<byte[], byte[]> record : List.of(withEventId(record(e.getKey())), record(e.getKey()))) {
                Classified classified = classifier.classify(record);
                assertThat(classified).as(e.getKey()).isInstanceOf(Classified.Invalid.class);
                Classified.Invalid invalid = (Classified.Invalid) classified;
                assertThat(invalid.reason()).as(e.getKey()).isEqualTo(DeadLetterReason.NOT_JSON);
                assertThat(invalid.error()).as(e.getKey())
                        .isEqualTo("not-json: Duplicate field '" + e.getValue() + "'");
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventFields.read(
                    e.getKey().getBytes(StandardCharsets.UTF_8))).isInstanceOf(java.io.IOException.class);
        }
        // The listener's records: the same rule (it writes them with Jackson, which never gives a key twice).
        String heartbeat = "{\"time\":\"2026-12-01T00:00:00Z\",\"timeNano\":1764547200000000000,"
                + "\"intervalSeconds\":30,\"engineConnected\":true}";
        assertThat(classifier.classify(bridge("heartbeat", heartbeat))).isInstanceOf(Classified.Bridge.class);
        Classified.Invalid forged = (Classified.Invalid) classifier.classify(bridge("heartbeat",
                heartbeat.replace("}", ",\"intervalSeconds\":86400}")));
        assertThat(forged.error()).isEqualTo("not-json: Duplicate field 'intervalSeconds'");
    }

    private static ConsumerRecord<byte[], byte[]> bridge(String kind, String value) {
        ProducerRecord<byte[], byte[]> produced = TestRecords.bridge("t", "host-a", "a".repeat(32), kind,
                value.getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 0, 0, produced.key(), produced.value());
        produced.headers().forEach(h -> record.headers().add(h));
        return record;
    }

    /**
     * Line breaks between tokens, ASCII or not, with the listener's id header: the alert is one line (the value is
     * compacted, not spliced as it came), whatever else the value holds.
     */
    @Test
    void anEventWithLineBreaksIsCompactedWhereverTheyAre() {
        RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
        String wide = OK.replace("\"c1\"", "\"c1-\u00e9t\u00e9\"");
        for (String json : List.of(OK, wide)) {
            for (int at = 1; at < json.length(); at++) {
                if (json.charAt(at - 1) != ',' && json.charAt(at - 1) != '{') {
                    continue; // between tokens only: inside a string a raw line break is not JSON
                }
                for (String lineBreak : List.of("\n", "\r", "\r\n")) {
                    String broken = json.substring(0, at) + lineBreak + json.substring(at);
                    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 0, 0,
                            HeaderNames.utf8("HOST"), broken.getBytes(StandardCharsets.UTF_8));
                    record.headers().add(HeaderNames.EVENT_ID, HeaderNames.utf8("id-1"));
                    Classified.Event event = (Classified.Event) classifier.classify(record);
                    assertThat(new String(event.value(), StandardCharsets.UTF_8)).as(broken).isEqualTo(json);
                }
            }
        }
    }

    @Test
    void anEventWithoutAnIdHeaderGetsTheListenersIdAndANonCompactValueIsCompacted() {
        RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 0, 0, HeaderNames.utf8("HOST"),
                (" " + OK + "\n").getBytes(StandardCharsets.UTF_8));
        Classified.Event event = (Classified.Event) classifier.classify(record);
        assertThat(event.host().id()).isEqualTo("HOST");
        assertThat(event.eventId()).isEqualTo(io.dwb.schemas.EventId.of("HOST", event.json()));
        assertThat(new String(event.value(), StandardCharsets.UTF_8)).isEqualTo(OK);
        assertThat(new LegacyFields(LegacyFieldsMode.ALWAYS).missing(event.fields()))
                .containsExactly(java.util.Map.entry("status", "start"), java.util.Map.entry("id", "c1"),
                        java.util.Map.entry("from", "busybox"));
    }

    @Test
    void aPollReturnsAsManyRecordsOfTheLargestSizeAsTheMemoryBoundHoldsUnlessTheKafkaConfigSaysOtherwise() {
        ForwarderSettings settings = new ForwarderSettings(new Properties(), "t", "g", "dlq", "-",
                WazuhInstallationReader.read("-"),
                LegacyFieldsMode.AUTO, LabelFilter.ALL, FieldBudget.DEFAULT, Pacing.given(0), 0, false, null, null,
                java.util.Set.of(), Duration.ofSeconds(60),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5), 2000, DeliveryOptions.DEFAULT_MAX_PENDING_BYTES, Duration.ZERO,
                Duration.ZERO, Duration.ofMinutes(2), Duration.ZERO, "test-instance",
                ResendWindow.Bound.DEFAULT, false);
        assertThat(Forwarder.consumerProperties(settings).getProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG))
                .as("16 MiB of records of 2 MiB").isEqualTo("8");
        Properties user = new Properties();
        user.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
        assertThat(Forwarder.consumerProperties(settings.withKafka(user))
                .getProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG)).isEqualTo("100");
        assertThat(Forwarder.maxPollRecordsWarning(settings.withKafka(user))).as("past the bound")
                .hasValueSatisfying(w -> assertThat(w).contains("max.poll.records 100").contains("headers alone"));
        user.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "8");
        assertThat(Forwarder.maxPollRecordsWarning(settings.withKafka(user))).isEmpty();
        assertThat(Forwarder.maxPollRecordsWarning(settings)).isEmpty();
    }

    @Test
    void aListenerRecordWithAnIntegerOver64BitsIsJudgedByItsSchemaNotCalledNotJson() {
        RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
        String huge = "1" + "0".repeat(30);
        ProducerRecord<byte[], byte[]> produced = TestRecords.bridge("t", "host-a", "a".repeat(32), "heartbeat",
                ("{\"time\":\"2026-12-01T00:00:00Z\",\"timeNano\":1764547200000000000,\"intervalSeconds\":" + huge
                        + ",\"engineConnected\":true}").getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 0, 0, produced.key(), produced.value());
        produced.headers().forEach(h -> record.headers().add(h));

        Classified.Invalid invalid = (Classified.Invalid) classifier.classify(record);

        assertThat(invalid.reason()).as(invalid.error()).isNotEqualTo(DeadLetterReason.NOT_JSON);
        assertThat(invalid.error()).contains("intervalSeconds");
    }

    @Test
    void aDecimalATreeCannotHoldIsRefusedWhetherOrNotTheTreeIsBuilt() {
        RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
        String prefix = "{\"Type\":\"container\",\"Action\":\"a\",\"timeNano\":1700000000000000001,\"x\":";
        // An exponent beyond an int: Jackson has no BigDecimal for it. With its event-id header, an event is
        // spliced without a tree: it used to be delivered so, and dead-lettered without the header.
        String beyond = prefix + "{\"y\":[1,1e38650953348902859]}}";
        assertThat(classifier.classify(withEventId(record(beyond))))
                .isEqualTo(classifier.classify(record(beyond)))
                .extracting(c -> ((Classified.Invalid) c).reason()).isEqualTo(DeadLetterReason.TOO_COMPLEX);
        // Decimals a BigDecimal holds, however far from a double, are delivered as they are.
        for (String held : List.of("1e200000", "2e308", "-1e-400", "[0.5,{\"z\":-0.0}]")) {
            assertThat(classifier.classify(withEventId(record(prefix + held + "}")))).as(held)
                    .isInstanceOf(Classified.Event.class);
        }
    }

    /**
     * Wazuh's cJSON reads 63 characters of a number, and the next one fails the whole alert, which analysisd drops
     * with a debug line: before, a number of up to 1000 digits (Jackson's bound) was delivered and counted sent, its
     * alert never decoded. Now one of over 56 digits (ContractJson.MAX_NUMBER_DIGITS: ContractTest shows why) is a dead
     * letter, in an event with or without its event-id header, and in a bridge record.
     */
    @Test
    void aNumberLongerThanWazuhReadsIsRefusedAndTheLongestItReadsIsDelivered() {
        RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
        String prefix = "{\"Type\":\"container\",\"Action\":\"a\",\"timeNano\":1700000000000000001,\"x\":";
        String longest = "-1." + "5".repeat(53) + "e-10"; // 56 digits
        // Spliced as it is, and written again from its tree (a newline in it): BigDecimal's form adds zeros
        for (ConsumerRecord<byte[], byte[]> r : List.of(withEventId(record(prefix + longest + "}")),
                record(prefix + longest + ",\n\"y\":1}"))) {
            Classified.Event event = (Classified.Event) classifier.classify(r);
            AlertJson.ofDatagram(new AlertTrimmer(new AlertFormatter()).datagram(event, Map.of(), false).fitted()
                    .datagram());
        }
        for (String over : List.of("1" + "0".repeat(56), "-" + "9".repeat(63), "1." + "0".repeat(56),
                "1" + "0".repeat(400) + ".5")) {
            assertThat(classifier.classify(withEventId(record(prefix + over + "}")))).as(over)
                    .isEqualTo(classifier.classify(record(prefix + over + "}")))
                    .extracting(c -> ((Classified.Invalid) c).reason()).isEqualTo(DeadLetterReason.TOO_COMPLEX);
        }
        ConsumerRecord<byte[], byte[]> state = record("{\"time\":\"2026-12-07T00:00:00Z\",\"timeNano\":"
                + "1796601600000000000,\"part\":1" + "0".repeat(60) + ",\"containers\":[]}");
        state.headers().add(HeaderNames.KIND, HeaderNames.utf8("state"));
        assertThat(classifier.classify(state)).extracting(c -> ((Classified.Invalid) c).reason())
                .isEqualTo(DeadLetterReason.TOO_COMPLEX);
    }

    private static String reason(RecordClassifier classifier, String value) {
        return ((Classified.Invalid) classifier.classify(record(value))).error();
    }

    private static ConsumerRecord<byte[], byte[]> record(String value) {
        return new ConsumerRecord<>("t", 0, 0, null, value.getBytes(StandardCharsets.UTF_8));
    }

    private static ConsumerRecord<byte[], byte[]> withEventId(ConsumerRecord<byte[], byte[]> record) {
        record.headers().add(HeaderNames.EVENT_ID, HeaderNames.utf8("an-id"));
        return record;
    }
}
