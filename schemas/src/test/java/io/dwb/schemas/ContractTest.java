package io.dwb.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.AlertJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class ContractTest {
    private final ContractSchemas schemas = new ContractSchemas();

    static List<JsonNode> engineEvents() throws IOException {
        List<JsonNode> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                ContractTest.class.getResourceAsStream("engine-events.ndjson"), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                events.add(ContractJson.MAPPER.readTree(line));
            }
        }
        return events;
    }

    @Test
    void eventsOfAllElevenEngineTypesConform() throws IOException {
        List<JsonNode> events = engineEvents();
        assertThat(events.stream().map(e -> e.get("Type").asText()).collect(Collectors.toSet()))
                .isEqualTo(Set.of("builder", "config", "container", "daemon", "image", "network", "node", "plugin",
                        "secret", "service", "volume"));
        for (JsonNode event : events) {
            assertThat(schemas.validate(RecordKind.EVENT, event)).as(event.toString()).isEmpty();
        }
    }

    @Test
    void anEventWithoutTypeActionOrTimeNanoDoesNotConform() throws IOException {
        for (String field : List.of("Type", "Action", "timeNano")) {
            ObjectNode event = (ObjectNode) engineEvents().get(1).deepCopy();
            event.remove(field);
            assertThat(schemas.validate(RecordKind.EVENT, event)).as(field).isNotEmpty()
                    .anyMatch(m -> m.contains(field));
        }
    }

    /** One source of the bounds: every {@code *Nano} of the record schemas says what {@link EpochNanos} says. */
    @Test
    void everyTimeInNanosecondsIsBoundedAsEpochNanosSays() throws IOException {
        int bounded = 0;
        for (RecordKind kind : RecordKind.values()) {
            JsonNode schema = ContractJson.MAPPER.readTree(
                    ContractSchemas.class.getResourceAsStream(kind.schemaResource()));
            for (var it = schema.path("properties").fields(); it.hasNext(); ) {
                var property = it.next();
                if (property.getKey().endsWith("Nano")) {
                    assertThat(property.getValue().path("minimum").asLong()).as(kind + " " + property.getKey())
                            .isEqualTo(EpochNanos.MIN);
                    assertThat(property.getValue().path("exclusiveMaximum").asLong()).as(kind + " "
                            + property.getKey()).isEqualTo(EpochNanos.MAX);
                    bounded++;
                }
            }
        }
        assertThat(bounded).isGreaterThanOrEqualTo(6);
        ObjectNode event = (ObjectNode) engineEvents().get(1).deepCopy();
        assertThat(schemas.validate(RecordKind.EVENT, event.put("timeNano", EpochNanos.MIN - 1))).isNotEmpty();
        assertThat(schemas.validate(RecordKind.EVENT, event.put("timeNano", EpochNanos.MAX))).isNotEmpty();
        assertThat(schemas.validate(RecordKind.EVENT, event.put("timeNano", EpochNanos.MAX - 1))).isEmpty();
    }

    @Test
    void unknownFieldsAndTheScopeAreAllowed() throws IOException {
        ObjectNode event = (ObjectNode) engineEvents().get(1).deepCopy();
        event.put("somethingNew", "from a future engine");
        assertThat(schemas.validate(RecordKind.EVENT, event)).isEmpty();
    }

    /**
     * The listener's stand-in is an event of the same schema, marked truncated, with no attribute but the engine's
     * name and image, each within {@link StandIn#MAX_NAME_CHARS}: a longer one is cut to its start.
     */
    @Test
    void aStandInConformsWithTheEnginesNameAndImageAndNoOtherAttribute() throws IOException {
        EventIdentity identity = EventIdentity.of("1790000000000000001", 1_790_000_000_000_000_001L, null,
                "container", "create", "c-1");
        String longName = "n".repeat(StandIn.MAX_NAME_CHARS) + "-cut";
        JsonNode standIn = ContractJson.tree(StandIn.of(identity, "1790000000",
                new StandIn.Names(longName, "evil/miner:1"), 2_000_000));
        assertThat(schemas.validate(RecordKind.EVENT, standIn)).isEmpty();
        assertThat(standIn.path("Actor").path("Attributes")).isEqualTo(ContractJson.MAPPER.createObjectNode()
                .put("image", "evil/miner:1").put("name", "n".repeat(StandIn.MAX_NAME_CHARS)));
        assertThat(EventIdentity.of(standIn)).as("the same identity, so the same event id").isEqualTo(identity);
        JsonNode withoutNames = ContractJson.tree(StandIn.of(identity, "1790000000",
                new StandIn.Names(null, null), 2_000_000));
        assertThat(schemas.validate(RecordKind.EVENT, withoutNames)).isEmpty();
        assertThat(withoutNames.path("Actor").has("Attributes")).isFalse();
        JsonNode onlyName = ContractJson.tree(StandIn.of(identity, "1790000000",
                new StandIn.Names("web-1", null), 2_000_000));
        assertThat(onlyName.path("Actor").path("Attributes")).isEqualTo(ContractJson.MAPPER.createObjectNode()
                .put("name", "web-1"));

        ObjectNode withALabel = standIn.deepCopy();
        ((ObjectNode) withALabel.path("Actor").path("Attributes")).put("com.example.label", "x");
        assertThat(schemas.validate(RecordKind.EVENT, withALabel)).as("a label in a stand-in").isNotEmpty();
        ObjectNode tooLong = standIn.deepCopy();
        ((ObjectNode) tooLong.path("Actor").path("Attributes")).put("image", "i".repeat(StandIn.MAX_NAME_CHARS + 1));
        assertThat(schemas.validate(RecordKind.EVENT, tooLong)).as("an image over the bound").isNotEmpty();
        ObjectNode notAStandIn = withALabel.deepCopy().put("truncated", false);
        assertThat(schemas.validate(RecordKind.EVENT, notAStandIn)).as("an event's labels").isEmpty();
    }

    @Test
    void eventIdIsSha256OfTheFiveFieldsTruncatedTo32Hex() throws IOException {
        JsonNode seedStart = engineEvents().get(0);
        String id = EventId.of("host-1", seedStart);
        // printf 'host-1|1538650953348902859|container|start|018205fa…3620' | sha256sum | cut -c1-32
        assertThat(id).isEqualTo(EventId.of("host-1", "1538650953348902859", "container", "start",
                "018205fa7e170e32578b8487e3b7040aad00b8accedb983bc2ad029238ca3620"));
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(id).isEqualTo("619968598c6f14389c9b29a9c94ea2d1");
        assertThat(EventId.of("host-2", seedStart)).isNotEqualTo(id);
    }

    @Test
    void eventIdKeepsTimeNanoExactBeyondDoublePrecision() throws IOException {
        JsonNode a = ContractJson.MAPPER.readTree("{\"Type\":\"container\",\"Action\":\"start\",\"timeNano\":1538650953348902859}");
        JsonNode b = ContractJson.MAPPER.readTree("{\"Type\":\"container\",\"Action\":\"start\",\"timeNano\":1538650953348902860}");
        assertThat(EventId.of("h", a)).isNotEqualTo(EventId.of("h", b));
    }

    @Test
    void anIntegerBeyond64BitsIsReadAsTheNumberItIsAndWrittenBackDigitForDigit() throws IOException {
        // Valid JSON the engine may answer (a size, a count) or a mutated record may hold; the mapper once forced
        // every integer into a long and failed on the whole document.
        String json = "{\"Type\":\"container\",\"Action\":\"start\",\"timeNano\":1,"
                + "\"SizeRw\":123456789012345678901234567890}";

        JsonNode tree = ContractJson.tree(json.getBytes(StandardCharsets.UTF_8));

        assertThat(tree.get("SizeRw").bigIntegerValue()).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(new String(ContractJson.write(tree), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(ContractJson.tree("{\"time\":1764000000}".getBytes(StandardCharsets.UTF_8)))
                .as("an integer read equals one built as a long").isEqualTo(ContractJson.MAPPER.createObjectNode()
                        .put("time", 1_764_000_000L));
        assertThat(EventId.of("h", tree)).isEqualTo(EventId.of("h", ContractJson.tree(
                "{\"Type\":\"container\",\"Action\":\"start\",\"timeNano\":1}".getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Every number the contract reads is at most 63 characters, as written and as a tree writes it again (BigDecimal's
     * form adds zeros: {@code -9.9e-6} is {@code -0.0000099}), which is all Wazuh's cJSON reads of a number; with 59
     * digits, the bound's first value, a tree wrote 66. One digit more is refused.
     */
    @Test
    void everyNumberTheContractReadsIsWrittenInNoMoreCharactersThanWazuhReads() {
        int max = ContractJson.MAX_NUMBER_DIGITS;
        int longest = 0;
        for (int exponentDigits = 0; exponentDigits <= 9; exponentDigits++) { // past an int: refused
            int significant = max - exponentDigits;
            for (int fraction : new int[] {0, 1, significant / 2, significant - 1}) {
                for (String exponent : exponentDigits == 0 ? List.of("") : List.of(
                        "e-" + "9".repeat(exponentDigits), "e" + "9".repeat(exponentDigits),
                        "e-" + "1".repeat(exponentDigits), "e-" + (exponentDigits == 1 ? "6" : "1".repeat(
                        exponentDigits - 1) + "0"))) {
                    String digits = "9".repeat(significant);
                    String number = "-" + digits.substring(fraction) + (fraction > 0 ? "." + digits.substring(0,
                            fraction) : "") + exponent;
                    String written = writtenAgain(number);
                    assertThat(written).as(number).isNotNull();
                    assertThat(Math.max(number.length(), written.length())).as(number + " written as " + written)
                            .isLessThanOrEqualTo(AlertJson.CJSON_NUMBER_CHARS);
                    longest = Math.max(longest, written.length());
                    assertThat(writtenAgain("-9" + number.substring(1))).as("one digit more").isNull();
                }
            }
        }
        assertThat(longest).as("the bound is the largest that fits").isEqualTo(AlertJson.CJSON_NUMBER_CHARS);
    }

    /** {@code number} read into a tree and written again; null when the contract refuses it. */
    private static String writtenAgain(String number) {
        try {
            String json = new String(ContractJson.write(ContractJson.tree(("{\"n\":" + number + "}")
                    .getBytes(StandardCharsets.UTF_8))), StandardCharsets.UTF_8);
            return json.substring("{\"n\":".length(), json.length() - 1);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    @Test
    void listenerRecordsConformToTheirSchemas() throws IOException {
        long from = 1_764_000_000_000_000_001L;
        long to = 1_764_000_001_000_000_000L;
        Gap gap = new Gap(ContractJson.rfc3339(from), ContractJson.rfc3339(to), from, to, "checkpoint-not-replayed",
                "the engine no longer had the event",
                "0123456789abcdef0123456789abcdef");
        assertThat(schemas.validate(RecordKind.GAP, tree(gap))).isEmpty();
        long now = 1_764_000_000_000_000_005L;
        Heartbeat heartbeat = new Heartbeat(ContractJson.rfc3339(now), now, 30, true, null);
        assertThat(schemas.validate(RecordKind.HEARTBEAT, tree(heartbeat))).isEmpty();
        assertThat(new String(ContractJson.write(heartbeat), java.nio.charset.StandardCharsets.UTF_8))
                .as("what forwarders from before the field take (their schema refuses any other field)")
                .doesNotContain("stopping");
        Heartbeat last = new Heartbeat(ContractJson.rfc3339(now), now, 30, false, null, true);
        assertThat(schemas.validate(RecordKind.HEARTBEAT, tree(last))).isEmpty();
        assertThat(ContractJson.read(ContractJson.write(last), Heartbeat.class)).isEqualTo(last);
        assertThat(ContractJson.read(ContractJson.write(heartbeat), Heartbeat.class)).isEqualTo(heartbeat);
        StateSnapshot state = new StateSnapshot(ContractJson.rfc3339(now), now, ContractJson.MAPPER.createArrayNode()
                .add(ContractJson.MAPPER.createObjectNode().put("Id", "abc").put("State", "running")));
        assertThat(schemas.validate(RecordKind.STATE, tree(state))).isEmpty();
        Checkpoint checkpoint = new Checkpoint(1538650953348902859L, "0123456789abcdef0123456789abcdef");
        assertThat(schemas.validateCheckpoint(tree(checkpoint))).isEmpty();
        assertThat(ContractJson.read(ContractJson.write(checkpoint), Checkpoint.class)).isEqualTo(checkpoint);
        Checkpoint withRecent = new Checkpoint(1538650953348902859L, "0123456789abcdef0123456789abcdef",
                new Checkpoint.Recent(1538650952348902859L, 1538650953348902859L,
                        java.util.Collections.nCopies(Checkpoint.RECENT_IDS, "0123456789abcdef")));
        assertThat(schemas.validateCheckpoint(tree(withRecent))).isEmpty();
        assertThat(ContractJson.read(ContractJson.write(withRecent), Checkpoint.class)).isEqualTo(withRecent);
        assertThat(ContractJson.write(withRecent).length).as("under the lookup's bound of a value")
                .isLessThan(4096);
        assertThat(ContractJson.read("{\"timeNano\":1,\"eventId\":\"0123456789abcdef0123456789abcdef\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), Checkpoint.class).recent())
                .as("an earlier listener's").isNull();
        assertThat(ContractJson.read(ContractJson.write(gap), Gap.class)).isEqualTo(gap);
        WatchMark mark = new WatchMark(1538650953348902859L);
        assertThat(ContractJson.write(mark)).asString(java.nio.charset.StandardCharsets.UTF_8)
                .isEqualTo("{\"watchingSince\":1538650953348902859}");
        assertThat(schemas.validateCheckpoint(tree(mark))).isEmpty();
        assertThat(schemas.validateCheckpoint(tree(new WatchMark(12)))).as("no time of the contract's").isNotEmpty();
        assertThat(schemas.validateCheckpoint(tree(new WatchMark(EpochNanos.MAX)))).as("2100: out").isNotEmpty();
        assertThat(schemas.validateCheckpoint(tree(new WatchMark(EpochNanos.MAX - 1)))).isEmpty();
        assertThat(schemas.validateCheckpoint(ContractJson.MAPPER.createObjectNode().put("watchingSince",
                1538650953348902859L).put("eventId", "0123456789abcdef0123456789abcdef"))).as("half of each")
                .isNotEmpty();
    }

    @Test
    void aGapWithAnUnknownReasonDoesNotConform() throws IOException {
        Gap gap = new Gap("2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", 1, 2, "bad luck", "x", null);
        assertThat(schemas.validate(RecordKind.GAP, tree(gap))).isNotEmpty();
    }

    /**
     * A reader takes what a newer listener adds (a field, a gap reason that is a code) and leaves the fields out;
     * what it knows is as strict as written; a record of a contract version above its own it does not read.
     */
    @Test
    void aReaderTakesWhatANewerListenerAddsAndIsStrictAboutWhatItKnows() throws IOException {
        long now = 1_764_000_000_000_000_005L;
        ObjectNode heartbeat = (ObjectNode) tree(new Heartbeat(ContractJson.rfc3339(now), now, 30, true, null));
        heartbeat.put("engineVersion", "30.0.1").put("load", 0.5);
        assertThat(schemas.validate(RecordKind.HEARTBEAT, heartbeat)).as("the writer's schema").isNotEmpty();
        assertThat(schemas.firstProblemToRead(RecordKind.HEARTBEAT, heartbeat)).isEmpty();
        assertThat(schemas.leaveOutUnknownFields(RecordKind.HEARTBEAT, heartbeat))
                .containsExactly("engineVersion", "load");
        assertThat(schemas.validate(RecordKind.HEARTBEAT, heartbeat)).as("what is left").isEmpty();
        heartbeat.put("intervalSeconds", "30");
        assertThat(schemas.firstProblemToRead(RecordKind.HEARTBEAT, heartbeat)).isPresent();

        Gap gap = new Gap("2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", 1_767_225_600_000_000_000L,
                1_767_225_601_000_000_000L, "engine-paused", "x", null);
        assertThat(schemas.firstProblemToRead(RecordKind.GAP, tree(gap))).as("a reason added later").isEmpty();
        Gap lineBreakInId = new Gap(gap.from(), gap.to(), gap.fromNano(), gap.toNano(), "queue-overflow", "x",
                "0123456789abcdef0123456789abcdef\n");
        assertThat(schemas.firstProblemToRead(RecordKind.GAP, tree(lineBreakInId))).isPresent();
        assertThat(GapReason.known("engine-paused")).isFalse();
        assertThat(GapReason.known(GapReason.QUEUE_OVERFLOW.code())).isTrue();
        for (String notACode : new String[] {"bad luck", "Engine-paused", "-x", "a".repeat(65), "", "engine-paused\n",
                "engine-paused\r\n", "engine-paused\u2028"}) {
            Gap refused = new Gap(gap.from(), gap.to(), gap.fromNano(), gap.toNano(), notACode, "x", null);
            assertThat(schemas.firstProblemToRead(RecordKind.GAP, tree(refused))).as(notACode).isPresent();
        }
        ObjectNode state = (ObjectNode) tree(new StateSnapshot(ContractJson.rfc3339(now), now,
                ContractJson.MAPPER.createArrayNode().add(ContractJson.MAPPER.createObjectNode().put("Id", "a"))));
        state.put("engineVersion", "30.0.1");
        assertThat(schemas.firstProblemToRead(RecordKind.STATE, state)).isEmpty();
        state.remove("containers");
        assertThat(schemas.firstProblemToRead(RecordKind.STATE, state)).as("a required field").isPresent();
    }

    @Test
    void aRecordIsReadUpToThisBuildsContractVersion() {
        assertThat(ContractVersion.readable(null, new RecordHeaders())).as("a listener before the header").isTrue();
        for (RecordKind kind : RecordKind.values()) {
            assertThat(ContractVersion.readable(null, versioned(ContractVersion.header(kind)))).as("as written")
                    .isTrue();
        }
        for (String value : new String[] {String.valueOf(ContractVersion.CURRENT + 1), "0", "", "x", "1.1", "-1",
                "9".repeat(10), "1".repeat(100_000)}) {
            assertThat(ContractVersion.readable(null, versioned(HeaderNames.utf8(value)))).as(value).isFalse();
        }
        assertThat(ContractVersion.readable(null, versioned(null))).isFalse();
    }

    /** Each kind is read up to its own version, whatever another kind's: the versions are the kinds' own. */
    @Test
    void eachKindIsReadUpToItsOwnVersion() {
        for (RecordKind kind : RecordKind.values()) {
            assertThat(ContractVersion.readable(kind, versioned(ContractVersion.header(kind)))).as("as written")
                    .isTrue();
            assertThat(ContractVersion.readable(kind, versioned(HeaderNames.utf8(String.valueOf(
                    ContractVersion.current(kind) + 1))))).as(kind + " one version on").isFalse();
            assertThat(ContractVersion.current(kind)).isBetween(1, ContractVersion.CURRENT);
        }
        assertThat(ContractVersion.readable(null, versioned(HeaderNames.utf8(String.valueOf(
                ContractVersion.CURRENT + 1))))).as("a kind this build does not know, newer").isFalse();
    }

    private static RecordHeaders versioned(byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HeaderNames.CONTRACT_VERSION, value);
        return headers;
    }

    @Test
    void theSeedAlertConformsToTheAlertSchema() throws IOException {
        ObjectNode alert = ContractJson.MAPPER.createObjectNode().put("integration", "docker");
        alert.set("docker", engineEvents().get(0));
        assertThat(schemas.validateAlert(alert)).isEmpty();
        alert.set("docker_bridge", ContractJson.MAPPER.createObjectNode().put("event", "gap"));
        assertThat(schemas.validateAlert(alert)).as("docker and docker_bridge together").isNotEmpty();
    }

    @Test
    void kindHeaderValues() {
        assertThat(RecordKind.fromHeader(null)).contains(RecordKind.EVENT);
        assertThat(RecordKind.fromHeader("gap")).contains(RecordKind.GAP);
        assertThat(RecordKind.fromHeader("heartbeat")).contains(RecordKind.HEARTBEAT);
        assertThat(RecordKind.fromHeader("state")).contains(RecordKind.STATE);
        assertThat(RecordKind.fromHeader("nonsense")).isEmpty();
    }

    @Test
    void rfc3339KeepsNanoseconds() {
        assertThat(ContractJson.rfc3339(1538650953348902859L)).isEqualTo("2018-10-04T11:02:33.348902859Z");
    }

    private static JsonNode tree(Object value) throws IOException {
        return ContractJson.tree(ContractJson.write(value));
    }
}
