package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.NonBlockingInputFeeder;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventId;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.StandIn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The /events body split into events: the engine's exact bytes whatever the read boundaries, and identity fields
 * that are the ones a parsed tree gives (so the listener's event ids are the forwarder's).
 */
class EventSplitterTest {
    private static final String HOST_ID = "host-1";
    /** Recorded shapes (Engine 26) and odd ones another producer or a future engine might write. */
    private static final List<String> EVENTS = List.of(
            "{\"status\":\"start\",\"id\":\"4f2c\",\"from\":\"busybox\",\"Type\":\"container\",\"Action\":\"start\","
                    + "\"Actor\":{\"ID\":\"4f2c\",\"Attributes\":{\"image\":\"busybox\",\"name\":\"web-1\","
                    + "\"com.example.note\":\"caf\\u00e9 \\\"quoted\\\" {not json} é ✓\"}},\"scope\":\"local\","
                    + "\"time\":1790000000,\"timeNano\":1790000000123456789}",
            "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"Attributes\":{\"ID\":\"nested-not-actor-id\","
                    + "\"container\":\"4f2c\"},\"ID\":\"net-1\"},\"scope\":\"local\",\"time\":1790000001,"
                    + "\"timeNano\":1790000001000000001}",
            // only seconds (an old engine or a proxy): the time comes from "time"
            "{\"Type\":\"volume\",\"Action\":\"create\",\"Actor\":{\"ID\":\"v1\"},\"time\":1790000002}",
            // timeNano written as a decimal, null and container values where scalars belong, Actor not an object
            "{\"Type\":null,\"Action\":{\"x\":[1,2]},\"Actor\":\"just-text\",\"timeNano\":1.790000003e18}",
            "{\"Type\":[\"container\"],\"Action\":true,\"Actor\":{\"ID\":{\"deep\":\"x\"}},\"timeNano\":\"17\"}",
            // duplicate keys: the last one wins, as in a tree
            "{\"Type\":\"container\",\"Type\":\"image\",\"Action\":\"pull\",\"Actor\":{\"ID\":\"a\",\"ID\":\"b\"},"
                    + "\"timeNano\":1790000004000000000}",
            // spaces between tokens, with an array of objects (one line: a newline inside an event ends it)
            "{ \"Type\" : \"plugin\",\t\"Action\" : \"enable\",  \"Actor\" : { \"ID\" : \"p\" },\r"
                    + "  \"list\" : [ { \"Actor\" : { \"ID\" : \"inner\" } } ],"
                    + "  \"timeNano\" : 1790000005000000000 }");

    @Test
    void everyEventKeepsItsExactBytesAndTheTreesIdentityWhereverTheReadsEnd() throws IOException {
        byte[] body = body(EVENTS, "\n");
        for (int readSize : new int[] {1, 2, 3, 7, 64, 100, 1000, body.length}) {
            List<CapturedEvent> events = split(body, readSize, 1 << 20);
            assertThat(events).as("read size %d", readSize).hasSize(EVENTS.size());
            for (int i = 0; i < EVENTS.size(); i++) {
                byte[] sent = EVENTS.get(i).getBytes(StandardCharsets.UTF_8);
                JsonNode tree = ContractJson.tree(sent);
                assertThat(events.get(i).json()).as("event %d, read size %d", i, readSize).isEqualTo(sent);
                assertThat(events.get(i).identity()).as("event %d", i).isEqualTo(EventIdentity.of(tree));
                assertThat(events.get(i).id()).as("event %d", i).isEqualTo(EventId.of(HOST_ID, tree));
            }
        }
        CapturedEvent first = split(body, 5, 1 << 20).get(0);
        assertThat(first.identity().timeNano()).isEqualTo(1_790_000_000_123_456_789L);
        assertThat(first.identity().actorId()).isEqualTo("4f2c");
        assertThat(split(body, 5, 1 << 20).get(2).identity().timeNano()).isEqualTo(1_790_000_002_000_000_000L);
    }

    @Test
    void eventsWithoutSeparatorsOrWithBlankLinesAreSplitToo() throws IOException {
        for (String separator : new String[] {"", "\r\n\r\n", " \t "}) {
            List<CapturedEvent> events = split(body(EVENTS, separator), 13, 1 << 20);
            assertThat(events).extracting(e -> new String(e.json(), StandardCharsets.UTF_8))
                    .containsExactlyElementsOf(EVENTS);
        }
    }

    @Test
    void anEventLongerThanTheLimitBecomesAStandInWithItsIdentityAndTheNextOnesAreIntact() throws IOException {
        String big = "{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"big-1\",\"Attributes\":"
                + "{\"huge\":\"" + "x".repeat(300_000) + "\"}},\"scope\":\"local\",\"time\":1790000010,"
                + "\"timeNano\":1790000010000000007}";
        String small = EVENTS.get(1);
        // 4 KiB, 16 KiB and 200,000: detected while it streams (a read starts with more than the limit kept);
        // 1 MiB: the whole body in one read, detected when the event ends.
        for (int readSize : new int[] {4096, 16 * 1024, 200_000, 1 << 20}) {
            List<CapturedEvent> events = split(body(List.of(small, big, small, big, small), "\n"), readSize, 100_000);
            assertThat(events).hasSize(5);
            for (int i : new int[] {0, 2, 4}) {
                assertThat(new String(events.get(i).json(), StandardCharsets.UTF_8)).as("read size %d", readSize)
                        .isEqualTo(small);
            }
            for (int i : new int[] {1, 3}) {
                JsonNode standIn = ContractJson.tree(events.get(i).json());
                assertThat(events.get(i).json().length).isLessThan(1_000);
                assertThat(standIn.get("Type").asText()).isEqualTo("container");
                assertThat(standIn.get("Action").asText()).isEqualTo("create");
                assertThat(standIn.path("Actor").path("ID").asText()).isEqualTo("big-1");
                assertThat(standIn.get("timeNano").asLong()).isEqualTo(1_790_000_010_000_000_007L);
                assertThat(standIn.get("time").asLong()).isEqualTo(1_790_000_010L);
                assertThat(standIn.get("truncated").asBoolean()).isTrue();
                assertThat(standIn.get("originalSize").asLong()).isEqualTo(big.length());
                assertThat(events.get(i).identity()).as("same identity, so the same event id")
                        .isEqualTo(EventIdentity.of(ContractJson.tree(big.getBytes(StandardCharsets.UTF_8))));
            }
        }
    }

    @Test
    void aStandInOfAnEventWithAHugeIdentityFitsTheLimitAndKeepsTheEventsId() throws IOException {
        // docker exec with a command of 400,000 three-byte characters: the Action is 1.2 MB, in characters under
        // the parser's string limit, so the stand-in held all of it.
        String action = "exec_create: sh -c " + "\u20ac".repeat(400_000);
        String event = "{\"Type\":\"container\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"c1\"},"
                + "\"time\":1790000010,\"timeNano\":1790000010000000007}";
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        int limit = 1 << 20;
        for (int readSize : new int[] {65_536, bytes.length}) {
            CapturedEvent standIn = split(bytes, readSize, limit).get(0);
            assertThat(standIn.json().length).as("read size %d", readSize).isLessThan(64 * 1024);
            JsonNode json = ContractJson.tree(standIn.json());
            assertThat(json.get("truncated").asBoolean()).isTrue();
            assertThat(json.get("Action").asText()).hasSize(StandIn.MAX_IDENTITY_CHARS).startsWith("exec_create: ");
            assertThat(standIn.id()).as("the whole event's id")
                    .isEqualTo(EventId.of(HOST_ID, ContractJson.tree(bytes)));
        }
    }

    /**
     * An exec's Action is its whole command line, which anyone who may run {@code docker exec} chooses. The event's
     * id is the whole event's, and what it keeps beside its bytes is the start of the command: a stand-in of a
     * million three-byte characters kept 2 MB of String for its 6 KB, which the queue did not count.
     */
    @Test
    void anExecEventKeepsTheWholeEventsIdButOnlyTheStartOfItsCommand() throws IOException {
        int limit = TransactionalPublisher.maxEventBytes(new Properties());
        String huge = "exec_create: sh " + "\u20ac".repeat(1_000_000); // 3 MB: a stand-in
        String large = "exec_create: sh " + "x".repeat(900_000); // under the limit: published as it is
        for (String action : List.of(huge, large)) {
            byte[] bytes = ("{\"Type\":\"container\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"c1\"},"
                    + "\"time\":1790000010,\"timeNano\":1790000010000000007}\n").getBytes(StandardCharsets.UTF_8);
            CapturedEvent event = split(bytes, 16 * 1024, limit).get(0);
            EventIdentity whole = EventIdentity.of(ContractJson.tree(Arrays.copyOf(bytes, bytes.length - 1)));

            assertThat(event.id()).as("the whole event's id").isEqualTo(whole.id(HOST_ID));
            assertThat(event.identity().timeNano()).isEqualTo(1_790_000_010_000_000_007L);
            assertThat(event.identity().action()).hasSize(CapturedEvent.IDENTITY_CHARS)
                    .isEqualTo(action.substring(0, CapturedEvent.IDENTITY_CHARS));
            assertThat(event.bytes()).as("what the queue counts: its JSON, and its identity's few hundred chars")
                    .isLessThanOrEqualTo(event.json().length + 2L * 4 * CapturedEvent.IDENTITY_CHARS);
        }
        assertThat(split(("{\"Action\":\"" + huge + "\"}").getBytes(StandardCharsets.UTF_8), 16 * 1024, limit)
                .get(0).bytes()).as("a stand-in's few KB").isLessThan(10_000);
    }

    @Test
    void aStandInKeepsTheEventIdOfAnEventWhoseTimesAreText() throws IOException {
        String odd = "{\"Type\":\"container\",\"Action\":\"x\",\"Actor\":{\"ID\":\"a\"},\"time\":\"soon\","
                + "\"timeNano\":\"later\",\"pad\":\"" + "p".repeat(2_000) + "\"}";
        CapturedEvent standIn = split(odd.getBytes(StandardCharsets.UTF_8), 512, 1_000).get(0);
        JsonNode json = ContractJson.tree(standIn.json());
        assertThat(json.get("truncated").asBoolean()).isTrue();
        assertThat(json.get("timeNano").asText()).isEqualTo("later");
        assertThat(EventIdentity.of(json).id(HOST_ID)).isEqualTo(standIn.id());
    }

    /**
     * Times of 600,000 letters in an event over the size limit: the stand-in kept them whole, 1.2 MB, over what
     * Kafka takes, and its record was refused again at every retry, the host's capture stalled for good. A time
     * that is a number of more digits than the contract reads goes as text too (the forwarder refuses such a number).
     */
    @Test
    void aStandInCutsTimesThatAreTextsAsItCutsTheOtherIdentityFields() throws IOException {
        String huge = "{\"Type\":\"container\",\"Action\":\"x\",\"Actor\":{\"ID\":\"a\"},\"time\":\""
                + "t".repeat(600_000) + "\",\"timeNano\":\"" + "n".repeat(600_000) + "\"}";
        String longNumber = "{\"Type\":\"container\",\"Action\":\"x\",\"Actor\":{\"ID\":\"b\"},\"timeNano\":"
                + "1" + "0".repeat(70) + ",\"pad\":\"" + "p".repeat(2_000) + "\"}";
        List<CapturedEvent> events = split(body(List.of(huge, longNumber), "\n"), 4096, 1 << 20);

        JsonNode standIn = ContractJson.tree(events.get(0).json());
        assertThat(events.get(0).json().length).as("well under the smallest event limit").isLessThan(16 * 1024);
        assertThat(standIn.get("time").asText()).isEqualTo("t".repeat(StandIn.MAX_IDENTITY_CHARS));
        assertThat(standIn.get("timeNano").asText()).isEqualTo("n".repeat(StandIn.MAX_IDENTITY_CHARS));
        assertThat(events.get(0).id()).as("the whole fields' id").isEqualTo(EventIdentity.of(ContractJson.tree(
                huge.getBytes(StandardCharsets.UTF_8))).id(HOST_ID));
        JsonNode numbered = ContractJson.tree(events.get(1).json());
        assertThat(numbered.get("truncated").asBoolean()).isTrue();
        assertThat(numbered.get("timeNano").isTextual()).as("no number the forwarder refuses").isTrue();
        assertThat(numbered.get("timeNano").asText()).isEqualTo("1" + "0".repeat(70));
    }

    /**
     * An identity decimal whose integer has more digits than the contract's numbers is refused where it is read,
     * as the parser refuses such a number written out: the integer of 1e99999 took 6 ms, and 55,000 such keys in
     * one event held the reading thread six minutes. One under 1 is 0, as in a tree, without computing it.
     */
    @Test
    void anIdentityDecimalWhoseIntegerIsLongerThanTheContractsNumbersMakesAStandIn() throws IOException {
        String big = "{\"Type\":\"container\",\"Action\":\"x\",\"Actor\":{\"ID\":\"a\"}"
                + ",\"timeNano\":1e99999".repeat(3) + "}";
        String small = "{\"Type\":\"container\",\"Action\":\"x\",\"Actor\":{\"ID\":\"b\"},"
                + "\"timeNano\":1e-99999}";
        List<StandInReason> reported = new ArrayList<>();
        List<CapturedEvent> events = split(body(List.of(big, small), "\n"), 16, 1 << 20, reported);

        assertThat(reported).containsExactly(StandInReason.PARSER_LIMIT);
        JsonNode standIn = ContractJson.tree(events.get(0).json());
        assertThat(standIn.get("timeNano").asText()).isEqualTo("1e99999");
        assertThat(EventIdentity.of(standIn).id(HOST_ID)).isEqualTo(events.get(0).id());
        assertThat(new String(events.get(1).json(), StandardCharsets.UTF_8)).isEqualTo(small);
        assertThat(events.get(1).identity()).isEqualTo(EventIdentity.of(ContractJson.tree(events.get(1).json())));
        assertThat(events.get(1).identity().timeNanoText()).isEqualTo("0");
    }

    @Test
    void aStreamCutInTheMiddleOfAnEventIsAnError() {
        assertThatThrownBy(() -> split("{\"Type\":\"container\"".getBytes(StandardCharsets.UTF_8), 3, 1000))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> split("{\"Type\":\"container\"}{\"Ty".getBytes(StandardCharsets.UTF_8), 3, 1000))
                .isInstanceOf(IOException.class);
    }

    /** Events the parser refuses, the bad part inside the labels: identity fields before it and after it. */
    private static byte[] refusedEvent(String attribute) {
        return ("{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"bad-1\",\"Attributes\":{"
                + attribute + "}},\"scope\":\"local\",\"time\":1790000020,\"timeNano\":1790000020000000009}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anEventTheParserRefusesBecomesAStandInWithTheIdentityAroundTheBadPartAndTheNextOnesAreIntact()
            throws IOException {
        byte[] invalidUtf8 = refusedEvent("\"bad\":\"a__b\"");
        int at = new String(invalidUtf8, StandardCharsets.UTF_8).indexOf("a__b") + 1;
        invalidUtf8[at] = (byte) 0xff;
        invalidUtf8[at + 1] = (byte) 0xfe;
        Map<String, Map.Entry<byte[], StandInReason>> cases = new LinkedHashMap<>();
        cases.put("a 60,000-character label key", Map.entry(refusedEvent("\"" + "k".repeat(60_000) + "\":\"v\""),
                StandInReason.PARSER_LIMIT));
        cases.put("nesting 5,000 deep", Map.entry(refusedEvent("\"deep\":" + "[".repeat(5_000) + "]".repeat(5_000)),
                StandInReason.PARSER_LIMIT));
        cases.put("a NUL byte", Map.entry(refusedEvent("\"nul\":\"a\u0000b\""), StandInReason.MALFORMED));
        cases.put("invalid UTF-8", Map.entry(invalidUtf8, StandInReason.MALFORMED));
        cases.put("a decimal with an exponent beyond an int", Map.entry(refusedEvent("\"x\":1e38650953348902859"),
                StandInReason.PARSER_LIMIT));
        cases.put("a number of 57 digits, over what Wazuh's cJSON reads", Map.entry(refusedEvent("\"x\":1"
                + "0".repeat(56)), StandInReason.PARSER_LIMIT));
        cases.put("a syntax error", Map.entry(refusedEvent("\"a\":\"b\" \"c\":1, \"d\":{\"e\":tru}"),
                StandInReason.MALFORMED));
        cases.put("a 3 MB string", Map.entry(refusedEvent("\"huge\":\"" + "x".repeat(3_000_000) + "\""),
                StandInReason.TOO_LARGE));
        String good = EVENTS.get(0);
        String next = EVENTS.get(1);
        for (Map.Entry<String, Map.Entry<byte[], StandInReason>> c : cases.entrySet()) {
            byte[] bad = c.getValue().getKey();
            byte[] body = concat(good.getBytes(StandardCharsets.UTF_8), "\n".getBytes(StandardCharsets.UTF_8), bad,
                    "\n".getBytes(StandardCharsets.UTF_8), next.getBytes(StandardCharsets.UTF_8));
            for (int readSize : new int[] {7, 16 * 1024, body.length}) {
                List<StandInReason> reported = new ArrayList<>();
                List<CapturedEvent> events = split(body, readSize, 1 << 20, reported);
                assertThat(events).as("%s, read size %d", c.getKey(), readSize).hasSize(3);
                assertThat(new String(events.get(0).json(), StandardCharsets.UTF_8)).isEqualTo(good);
                assertThat(new String(events.get(2).json(), StandardCharsets.UTF_8)).isEqualTo(next);
                JsonNode standIn = ContractJson.tree(events.get(1).json());
                assertThat(standIn.get("truncated").asBoolean()).as(c.getKey()).isTrue();
                assertThat(standIn.get("Type").asText()).isEqualTo("container");
                assertThat(standIn.get("Action").asText()).isEqualTo("create");
                assertThat(standIn.path("Actor").path("ID").asText()).isEqualTo("bad-1");
                assertThat(standIn.get("time").asLong()).isEqualTo(1_790_000_020L);
                assertThat(standIn.get("timeNano").asLong()).as(c.getKey()).isEqualTo(1_790_000_020_000_000_009L);
                assertThat(standIn.get("originalSize").asLong()).isEqualTo(bad.length);
                assertThat(events.get(1).identity().timeNano()).isEqualTo(1_790_000_020_000_000_009L);
                assertThat(EventIdentity.of(standIn).id(HOST_ID)).as("the stand-in's own id").isEqualTo(events.get(1).id());
                assertThat(reported).as(c.getKey()).containsExactly(c.getValue().getValue());
            }
        }
    }

    /**
     * One {@code docker run -l "$(head -c 50001 /dev/zero | tr '\0' k)=x" evil/miner}: its stand-ins showed no
     * container name and no image (the alert's name empty, no legacy {@code from}, no image rule). The engine writes
     * the attributes in key order, a label's copy first, then sets {@code name} and {@code image} itself: a label
     * called {@code name} is overwritten. Here the hostile labels of each kind come between {@code image} and {@code
     * name}, after duplicates of both (only another producer writes duplicates): the last of each is kept, as in a
     * tree, and nothing of the same name elsewhere (a top-level {@code name}, the Actor's, a label's object).
     */
    @Test
    void aStandInKeepsTheEnginesNameAndImageWhateverMadeItOne() throws IOException {
        Map<String, Map.Entry<String, StandInReason>> hostile = new LinkedHashMap<>();
        hostile.put("a 50,001-character label key", Map.entry("\"" + "k".repeat(50_001) + "\":\"x\"",
                StandInReason.PARSER_LIMIT));
        hostile.put("a NUL byte", Map.entry("\"l\":\"a\u0000b\"", StandInReason.MALFORMED));
        hostile.put("a 3 MB label", Map.entry("\"l\":\"" + "x".repeat(3_000_000) + "\"", StandInReason.TOO_LARGE));
        hostile.put("labels over this splitter's limit, each one within the parser's", Map.entry(String.join(",",
                java.util.Collections.nCopies(5, "\"l\":\"" + "x".repeat(30_000) + "\"")), StandInReason.TOO_LARGE));
        hostile.put("a 50,001-character key and a 3 MB label", Map.entry("\"" + "k".repeat(50_001) + "\":\"x\","
                + "\"l\":\"" + "x".repeat(3_000_000) + "\"", StandInReason.TOO_LARGE));
        for (Map.Entry<String, Map.Entry<String, StandInReason>> c : hostile.entrySet()) {
            String event = "{\"name\":\"top-level\",\"Type\":\"container\",\"Action\":\"create\","
                    + "\"Actor\":{\"name\":\"actor\",\"ID\":\"c-9\",\"Attributes\":{"
                    + "\"image\":\"label/image\",\"name\":\"label-name\","
                    + "\"a\":{\"name\":\"nested\",\"image\":\"nested\"},\"escaped \\\"name\\\"\":\"x\","
                    + "\"image\":\"evil/miner\"," + c.getValue().getKey() + ",\"n\\u0061me\":\"caf\\u00e9-1\"}},"
                    + "\"scope\":\"local\",\"time\":1790000030,\"timeNano\":1790000030000000003}";
            byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
            for (int readSize : new int[] {7, 16 * 1024, bytes.length}) {
                List<StandInReason> reported = new ArrayList<>();
                List<CapturedEvent> events = split(bytes, readSize, 100_000, reported);
                assertThat(reported).as(c.getKey()).containsExactly(c.getValue().getValue());
                JsonNode standIn = ContractJson.tree(events.get(0).json());
                assertThat(standIn.path("Actor").path("Attributes")).as("%s, read size %d", c.getKey(), readSize)
                        .isEqualTo(ContractJson.tree("{\"image\":\"evil/miner\",\"name\":\"café-1\"}"
                                .getBytes(StandardCharsets.UTF_8)));
                assertThat(standIn.has("name")).isFalse();
                assertThat(standIn.path("Actor").path("ID").asText()).isEqualTo("c-9");
                assertThat(events.get(0).id()).as("still the event's own id")
                        .isEqualTo(EventId.of(HOST_ID, "1790000030000000003", "container", "create", "c-9"));
            }
        }
    }

    @Test
    void aStandInCutsALongNameToItsStartAndLeavesOutWhatIsNoString() throws IOException {
        String start = "n".repeat(StandIn.MAX_NAME_CHARS - 1);
        List<String> events = List.of(
                refusedEventWith("\"name\":\"" + start + "\\u00e9" + "tail".repeat(1_000) + "\""),
                refusedEventWith("\"name\":\"" + start + "\u00e9" + "tail".repeat(1_000) + "\""),
                refusedEventWith("\"image\":\"" + "i".repeat(StandIn.MAX_NAME_CHARS + 1) + "\""),
                refusedEventWith("\"image\":{\"not\":\"text\"},\"name\":null"),
                refusedEventWith("\"other\":\"x\""));
        List<CapturedEvent> split = split(body(events, "\n"), 1000, 1 << 20);
        for (int i = 0; i < 2; i++) {
            JsonNode cut = ContractJson.tree(split.get(i).json()).path("Actor").path("Attributes");
            assertThat(cut.path("name").asText()).as("the first 1,024 bytes as written, less the escape or "
                    + "character they end inside (event %d)", i).isEqualTo(start);
            assertThat(cut.has("image")).isFalse();
        }
        assertThat(ContractJson.tree(split.get(2).json()).path("Actor").path("Attributes").path("image").asText())
                .isEqualTo("i".repeat(StandIn.MAX_NAME_CHARS));
        for (int i = 3; i < 5; i++) {
            assertThat(ContractJson.tree(split.get(i).json()).path("Actor").has("Attributes")).as("event %d", i)
                    .isFalse();
        }
    }

    /**
     * A stand-in's identity fields are the first 256 bytes the scanner kept of each, cut as names are: an escape the
     * bound split failed the unescaping of the whole text, and an exec's Action went with every escape of its command
     * line as written ({@code sh -c echo \"x\"}, Docker's Go encoder escapes quotes); an escaped surrogate pair the
     * bound split left its first half, no text, and the forwarder dead-lettered the stand-in.
     */
    @Test
    void aStandInsIdentityFieldsAreCutBeforeAnEscapeTheBoundSplits() throws IOException {
        String command = "exec_create: sh -c echo \\\"x\\\" ";
        String quoteSplit = command + "a".repeat(EventScanner.MAX_TEXT - command.length() - 1) + "\\\"y\\\"";
        String pairSplit = "b".repeat(EventScanner.MAX_TEXT - 8) + "\\ud83d\\ude00" + "tail";
        String pairAtTheBound = "d".repeat(EventScanner.MAX_TEXT - 6) + "\\ud83d\\ude00" + "tail";
        String lone = "c".repeat(EventScanner.MAX_TEXT - 20) + "\\ud83d" + "tail".repeat(10);
        List<String> events = List.of(refusedEventWithAction(quoteSplit), refusedEventWithAction(pairSplit),
                refusedEventWithAction(pairAtTheBound), refusedEventWithAction(lone));
        List<CapturedEvent> split = split(body(events, "\n"), 1000, 1 << 20);

        assertThat(ContractJson.tree(split.get(0).json()).path("Action").asText()).isEqualTo(
                "exec_create: sh -c echo \"x\" " + "a".repeat(EventScanner.MAX_TEXT - command.length() - 1));
        assertThat(ContractJson.tree(split.get(1).json()).path("Action").asText())
                .isEqualTo("b".repeat(EventScanner.MAX_TEXT - 8));
        assertThat(ContractJson.tree(split.get(2).json()).path("Action").asText()).as("the bound after its first half")
                .isEqualTo("d".repeat(EventScanner.MAX_TEXT - 6));
        assertThat(ContractJson.tree(split.get(3).json()).path("Action").asText())
                .as("a lone half its writer's, kept as before").startsWith("c".repeat(EventScanner.MAX_TEXT - 20)
                        + "\ud83d");
    }

    private static String refusedEventWithAction(String action) {
        return "{\"Type\":\"container\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"c-1\","
                + "\"Attributes\":{\"" + "k".repeat(60_000) + "\":\"v\"}},\"timeNano\":1790000031000000000}";
    }

    /** A container event the parser refuses (a 60,000-character key), with these attributes after the bad one. */
    private static String refusedEventWith(String attributes) {
        return "{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"c-1\",\"Attributes\":{\""
                + "k".repeat(60_000) + "\":\"v\"," + attributes + "}},\"timeNano\":1790000031000000000}";
    }

    @Test
    void timesATreeCannotReadGiveStandInsWithTheirTextAndTheOthersArePublishedAsTheyAre() throws IOException {
        // 1e200000 as an integer is 200,001 digits (1e999999999: minutes and 400 MB): a tree refuses to make it for
        // the id's text (timeNano), and reads time only as a number (none here). An exponent past an int has no
        // BigDecimal at all.
        String longInteger = "{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"ID\":\"n-1\"},"
                + "\"time\":1790000040,\"timeNano\":1e200000}";
        String noDecimal = "{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"ID\":\"n-2\"},"
                + "\"time\":1e38650953348902859}";
        String longTime = "{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"ID\":\"n-3\"},"
                + "\"time\":1e200000,\"timeNano\":1790000041000000000}";
        List<StandInReason> reported = new ArrayList<>();
        List<CapturedEvent> events = split(body(List.of(longInteger, noDecimal, longTime, EVENTS.get(1)), "\n"), 16,
                1 << 20, reported);
        assertThat(events).hasSize(4);
        Map<String, String> written = Map.of("timeNano", "1e200000", "time", "1e38650953348902859");
        for (int i = 0; i < 2; i++) {
            JsonNode standIn = ContractJson.tree(events.get(i).json());
            assertThat(standIn.get("truncated").asBoolean()).as("event %d", i).isTrue();
            String field = i == 0 ? "timeNano" : "time";
            assertThat(standIn.get(field).asText()).isEqualTo(written.get(field));
            assertThat(standIn.path("Actor").path("ID").asText()).isEqualTo("n-" + (i + 1));
            assertThat(EventIdentity.of(standIn).id(HOST_ID)).as("its own id").isEqualTo(events.get(i).id());
        }
        assertThat(events.get(1).identity().timeNano()).as("no time to checkpoint").isNull();
        assertThat(reported).containsExactly(StandInReason.PARSER_LIMIT, StandInReason.PARSER_LIMIT);
        assertThat(new String(events.get(2).json(), StandardCharsets.UTF_8)).isEqualTo(longTime);
        assertThat(events.get(2).identity()).isEqualTo(EventIdentity.of(ContractJson.tree(events.get(2).json())));
        assertThat(new String(events.get(3).json(), StandardCharsets.UTF_8)).isEqualTo(EVENTS.get(1));
    }

    @Test
    void anEventIsReadWhenTheReadThatCompletesItReturns() {
        byte[] body = body(EVENTS.subList(0, 2), "\n");
        int secondStarts = EVENTS.get(0).length() + 1;
        AtomicLong clock = new AtomicLong(1_000);
        List<CapturedEvent> events = new ArrayList<>();
        EventSplitter splitter = new EventSplitter(HOST_ID, 1 << 20, StandInReport.logOnly(), clock::get);
        splitter.feed(Arrays.copyOfRange(body, 0, secondStarts + 5), secondStarts + 5, events::add);
        clock.set(2_000);
        splitter.feed(Arrays.copyOfRange(body, secondStarts + 5, body.length), body.length - secondStarts - 5,
                events::add);

        assertThat(events).extracting(CapturedEvent::readNanos).as("the second one ends in the second read")
                .containsExactly(1_000L, 2_000L);
    }

    @Test
    void aTrailingCommaIsRefusedWhereverAReadEnds() throws IOException {
        // Jackson's non-blocking parser takes {"a":1,} when one feed ends at the comma and the next starts at "}".
        byte[] body = body(List.of(EVENTS.get(0), "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":"
                + "\"c-1\"},\"timeNano\":1790000050000000000,}"), "\n");
        for (int at = 1; at < body.length; at++) {
            List<StandInReason> reported = new ArrayList<>();
            List<CapturedEvent> events = new ArrayList<>();
            EventSplitter splitter = new EventSplitter(HOST_ID, 1 << 20,
                    new StandInReport(reported::add, System::nanoTime, Duration.ofSeconds(10)), System::nanoTime);
            splitter.feed(Arrays.copyOfRange(body, 0, at), at, events::add);
            splitter.feed(Arrays.copyOfRange(body, at, body.length), body.length - at, events::add);
            assertThat(events).as("split at %d", at).hasSize(2);
            JsonNode standIn = ContractJson.tree(events.get(1).json());
            assertThat(standIn.path("truncated").asBoolean()).as("split at %d", at).isTrue();
            assertThat(standIn.path("Actor").path("ID").asText()).isEqualTo("c-1");
            assertThat(reported).containsExactly(StandInReason.MALFORMED);
        }
    }

    @Test
    void aKeyWithTheByte0xFfIsRefusedEvenWhenItLooksLikeAKeyReadBefore() throws IOException {
        // Jackson pads a name's last group of 4 bytes with 0xFF to look it up among the names read before: without
        // its own check, "\xFFype" after "ype" was taken for "ype", and its invalid UTF-8 published as it was.
        byte[] before = refusedEvent("\"ype\":\"1\"");
        byte[] hostile = refusedEvent("\"_ype\":\"2\"");
        hostile[new String(hostile, StandardCharsets.UTF_8).indexOf("_ype")] = (byte) 0xff;
        List<StandInReason> reported = new ArrayList<>();
        List<CapturedEvent> events = split(concat(before, "\n".getBytes(StandardCharsets.UTF_8), hostile), 1 << 10,
                1 << 20, reported);
        assertThat(events).hasSize(2);
        assertThat(events.get(0).json()).isEqualTo(before);
        JsonNode standIn = ContractJson.tree(events.get(1).json());
        assertThat(standIn.get("truncated").asBoolean()).as("a stand-in, not the invalid bytes").isTrue();
        assertThat(standIn.path("Actor").path("ID").asText()).isEqualTo("bad-1");
        assertThat(reported).containsExactly(StandInReason.MALFORMED);
    }

    @Test
    void aParserFailureNobodyForesawMakesAStandInAndTheStreamGoesOn() throws IOException {
        // An unchecked exception out of the splitter ends the stream as an engine error; the reconnect from the
        // checkpoint meets the same event again, for ever: the host would be blind from that event on.
        JsonFactory failing = new JsonFactory() {
            @Override
            public String getFormatName() {
                return FORMAT_NAME_JSON; // a subclass is otherwise refused non-blocking parsers
            }

            @Override
            public JsonParser createNonBlockingByteArrayParser() throws IOException {
                return new JsonParserDelegate(super.createNonBlockingByteArrayParser()) {
                    @Override
                    public NonBlockingInputFeeder getNonBlockingInputFeeder() {
                        return delegate().getNonBlockingInputFeeder();
                    }

                    @Override
                    public JsonToken nextToken() throws IOException {
                        JsonToken token = super.nextToken();
                        if (token == JsonToken.FIELD_NAME && "boom".equals(currentName())) {
                            throw new IllegalStateException("a parser bug");
                        }
                        return token;
                    }
                };
            }
        };
        byte[] body = concat(EVENTS.get(0).getBytes(StandardCharsets.UTF_8), "\n".getBytes(StandardCharsets.UTF_8),
                refusedEvent("\"boom\":\"x\""), "\n".getBytes(StandardCharsets.UTF_8),
                EVENTS.get(1).getBytes(StandardCharsets.UTF_8));
        List<StandInReason> reported = new ArrayList<>();
        List<CapturedEvent> events = new ArrayList<>();
        new EventSplitter(HOST_ID, 1 << 20, new StandInReport(reported::add, System::nanoTime,
                Duration.ofSeconds(10)), System::nanoTime, failing).feed(body, body.length, events::add);
        assertThat(events).hasSize(3);
        assertThat(new String(events.get(0).json(), StandardCharsets.UTF_8)).isEqualTo(EVENTS.get(0));
        JsonNode standIn = ContractJson.tree(events.get(1).json());
        assertThat(standIn.get("truncated").asBoolean()).isTrue();
        assertThat(standIn.path("Actor").path("ID").asText()).isEqualTo("bad-1");
        assertThat(standIn.get("Action").asText()).isEqualTo("create");
        assertThat(reported).containsExactly(StandInReason.MALFORMED);
        assertThat(new String(events.get(2).json(), StandardCharsets.UTF_8)).isEqualTo(EVENTS.get(1));
    }

    @Test
    void aNewlineInsideAnEventEndsItAsAStandInAndTheRestOfThatLineIsSkipped() throws IOException {
        // The engine writes one event per line: a newline cannot be inside one, so the next line is a new start.
        String cut = "{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"cut-1\",\"Attributes\":{"
                + "\"note\":\"two\nlines\"}},\"timeNano\":1790000030000000000}";
        String unclosed = "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"open-1\"";
        List<StandInReason> reported = new ArrayList<>();
        List<CapturedEvent> events = split(body(List.of(EVENTS.get(0), cut, unclosed, EVENTS.get(1)), "\n"), 5,
                1 << 20, reported);
        assertThat(events).hasSize(4);
        assertThat(new String(events.get(0).json(), StandardCharsets.UTF_8)).isEqualTo(EVENTS.get(0));
        assertThat(ContractJson.tree(events.get(1).json()).path("Actor").path("ID").asText()).isEqualTo("cut-1");
        assertThat(ContractJson.tree(events.get(1).json()).get("truncated").asBoolean()).isTrue();
        assertThat(ContractJson.tree(events.get(2).json()).get("Action").asText()).isEqualTo("die");
        assertThat(ContractJson.tree(events.get(2).json()).path("Actor").path("ID").asText()).isEqualTo("open-1");
        assertThat(new String(events.get(3).json(), StandardCharsets.UTF_8)).isEqualTo(EVENTS.get(1));
        assertThat(reported).containsExactly(StandInReason.MALFORMED, StandInReason.NOT_AN_EVENT,
                StandInReason.CUT_BY_NEWLINE);
    }

    @Test
    void bytesThatAreNotAnEventAreSkippedToTheEndOfTheirLine() throws IOException {
        List<StandInReason> reported = new ArrayList<>();
        List<CapturedEvent> events = split(body(List.of(EVENTS.get(0), "[1,2]", "garbage {\"Type\":\"x\"}",
                "\u0000", EVENTS.get(1)), "\n"), 3, 1 << 20, reported);
        assertThat(events).extracting(e -> new String(e.json(), StandardCharsets.UTF_8))
                .containsExactly(EVENTS.get(0), EVENTS.get(1));
        assertThat(reported).containsExactly(StandInReason.NOT_AN_EVENT, StandInReason.NOT_AN_EVENT,
                StandInReason.NOT_AN_EVENT);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] body(List<String> events, String separator) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String e : events) {
            out.writeBytes(e.getBytes(StandardCharsets.UTF_8));
            out.writeBytes(separator.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** Feeds {@code body} in reads of {@code readSize} through one reused buffer, as EventStream does. */
    private static List<CapturedEvent> split(byte[] body, int readSize, int maxEventBytes) throws IOException {
        return split(body, readSize, maxEventBytes, new ArrayList<>());
    }

    private static List<CapturedEvent> split(byte[] body, int readSize, int maxEventBytes,
                                             List<StandInReason> reported) throws IOException {
        EventSplitter splitter = new EventSplitter(HOST_ID, maxEventBytes,
                new StandInReport(reported::add, System::nanoTime, Duration.ofSeconds(10)), System::nanoTime);
        List<CapturedEvent> out = new ArrayList<>();
        byte[] read = new byte[readSize];
        for (int at = 0; at < body.length; at += readSize) {
            int n = Math.min(readSize, body.length - at);
            Arrays.fill(read, (byte) '#'); // a reused buffer: nothing may be read from it after feed returns
            System.arraycopy(body, at, read, 0, n);
            splitter.feed(read, n, out::add);
        }
        splitter.end();
        return out;
    }
}
