package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The state record after a gap, for an engine with 1,200 containers of 2 KB each, one with a 2 MB label (2.4 MB
 * in all, far over Kafka's 1 MiB record) and one with a label key of 60,000 characters: published in parts, each
 * under the record limit and valid against the schema, together every container in the engine's order, in the same
 * transaction as the gap; the events after it follow.
 */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class LargeStateTest {
    private static final int CONTAINERS = 1_200;
    private static final int HUGE = 600;
    private static final int LONG_KEY = 7;

    @Test
    void aSnapshotOfManyContainersIsPublishedInPartsUnderTheRecordLimitAndCaptureGoesOn(SharedKafka.Broker broker)
            throws Exception {
        ArrayNode containers = ContractJson.MAPPER.createArrayNode();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CONTAINERS; i++) {
            String id = String.format("%064x", i);
            ids.add(id);
            ObjectNode c = containers.addObject().put("Id", id);
            c.putArray("Names").add("/c-" + i);
            c.put("Image", "local/busybox:1").put("State", "running").put("Status", "Up 2 hours");
            c.putObject("Labels").put("note", (i == HUGE ? "h" : "n").repeat(i == HUGE ? 2_000_000 : 2_000));
            if (i == LONG_KEY) { // over Jackson's default name limit: the whole answer was unreadable
                ((ObjectNode) c.get("Labels")).put("k".repeat(60_000), "v");
            }
        }
        long t0 = System.currentTimeMillis() * 1_000_000L;
        List<ScriptedEngine.Event> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long t = t0 + i;
            events.add(new ScriptedEngine.Event(("{\"Type\":\"volume\",\"Action\":\"create\",\"Actor\":{\"ID\":\"v-"
                    + i + "\"},\"scope\":\"local\",\"time\":" + t / 1_000_000_000L + ",\"timeNano\":" + t + "}")
                    .getBytes(StandardCharsets.UTF_8), t));
        }
        ListenerProcess listener = new ListenerProcess(broker);
        // A gap at start: an unreadable checkpoint (any gap publishes the same state records).
        listener.writeCheckpointValue(broker, "garbage".getBytes(StandardCharsets.UTF_8));
        try (ScriptedEngine engine = new ScriptedEngine(events, ContractJson.write(containers));
             JavaProcess process = listener.startWithLauncherHeap("--docker-host", engine.dockerHost())) {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(TopicView.read(broker, listener.topic).events()).hasSize(3));
            List<TopicView.Published> records = TopicView.read(broker, listener.topic).withoutHeartbeats();
            assertThat(records.get(0).kind()).isEqualTo("gap");
            List<TopicView.Published> parts = records.stream().filter(p -> p.kind().equals("state")).toList();
            assertThat(parts).as("more than one part").hasSizeGreaterThan(2);
            assertThat(records.subList(1, 1 + parts.size())).as("right after the gap").containsExactlyElementsOf(parts);
            int limit = TransactionalPublisher.maxEventBytes(new Properties());
            ContractSchemas schemas = new ContractSchemas();
            for (ConsumerRecord<byte[], byte[]> r : broker.readAll(listener.topic)) {
                assertThat(r.value().length).as("each record under the limit").isLessThanOrEqualTo(limit);
            }
            List<String> published = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                JsonNode part = parts.get(i).value();
                assertThat(schemas.validate(RecordKind.STATE, part)).isEmpty();
                assertThat(part.get("part").asInt()).isEqualTo(i + 1);
                assertThat(part.get("parts").asInt()).isEqualTo(parts.size());
                assertThat(part.get("snapshotId")).isEqualTo(parts.get(0).value().get("snapshotId"));
                assertThat(part.get("timeNano")).isEqualTo(parts.get(0).value().get("timeNano"));
                StreamSupport.stream(part.get("containers").spliterator(), false)
                        .forEach(c -> published.add(c.get("Id").asText()));
            }
            assertThat(published).as("every container once, in order").containsExactlyElementsOf(ids);
            JsonNode huge = parts.stream().flatMap(p -> StreamSupport.stream(p.value().get("containers")
                    .spliterator(), false)).filter(c -> c.get("Id").asText().equals(ids.get(HUGE))).findFirst()
                    .orElseThrow();
            assertThat(huge.get("truncated").asBoolean()).isTrue();
            assertThat(huge.get("Names").get(0).asText()).isEqualTo("/c-" + HUGE);
            assertThat(huge.has("Labels")).isFalse();
            assertThat(parts.stream().flatMap(p -> StreamSupport.stream(p.value().get("containers").spliterator(),
                    false)).filter(c -> c.get("Id").asText().equals(ids.get(LONG_KEY))).findFirst().orElseThrow()
                    .path("truncated").asBoolean()).as("a label key of 60,000 characters, which a forwarder's "
                    + "parser refuses: the container's summary").isTrue();
            assertThat(TopicView.read(broker, listener.topic).events()).extracting(
                    p -> p.value().path("Actor").path("ID").asText()).containsExactly("v-0", "v-1", "v-2");
            assertThat(process.output()).doesNotContain("Kafka unavailable");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    /**
     * Eight containers with a 4 MB label each (32 MB, which the engine accepts): the answer used to be read whole,
     * then as one tree, and six such ran the launcher's 64 MB heap out. Now one container at a time: each is its
     * summary, and the listener goes on.
     */
    @Test
    void containersOfMegabytesOfLabelsAreReadOneAtATime(SharedKafka.Broker broker) throws Exception {
        byte[] containers = containersJson(8, "big", i -> ",\"State\":\"running\",\"Labels\":{\"note\":\""
                + "b".repeat(4_000_000) + "\"}");
        assertThat(stateAfterAGap(broker, containers).containers()).hasSize(8)
                .allSatisfy(c -> assertThat(c.path("truncated").asBoolean()).isTrue());
    }

    /**
     * One container with a 40 MB label, one with a million small ones: each was read as one tree (the label as one
     * string) and ran the launcher's heap out at every state snapshot, so the listener exited after every gap. Each
     * is now cut while it is read, before a parser sees it, and published as its summary, with the state the engine
     * writes after the labels.
     */
    @Test
    void aLabelOfFortyMegabytesOrAMillionLabelsAreCutBeforeTheyAreParsed(SharedKafka.Broker broker) throws Exception {
        StringBuilder manyLabels = new StringBuilder();
        for (int i = 0; i < 1_000_000; i++) {
            manyLabels.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        byte[] containers = ("[{\"Id\":\"" + "a".repeat(64) + "\",\"Names\":[\"/long-label\"],\"Labels\":{\"note\":\""
                + "b".repeat(40_000_000) + "\"},\"State\":\"running\"},{\"Id\":\"" + "c".repeat(64)
                + "\",\"Names\":[\"/many-labels\"],\"Labels\":{" + manyLabels + "},\"State\":\"running\"}]")
                .getBytes(StandardCharsets.UTF_8);
        List<JsonNode> published = stateAfterAGap(broker, containers).containers();
        assertThat(published).extracting(c -> c.path("Names").path(0).asText())
                .containsExactly("/long-label", "/many-labels");
        assertThat(published).allSatisfy(c -> {
            assertThat(c.path("truncated").asBoolean()).isTrue();
            assertThat(c.has("Labels")).isFalse();
            assertThat(c.path("State").asText()).as("written after the labels").isEqualTo("running");
        });
    }

    /**
     * Forty containers with a label of 900 KB each, just under what a part takes (36 MB in all: anyone who may create
     * a container can make them): each was kept whole, the snapshot held twice until committed (its containers, then
     * its records), and the launcher's 64 MB heap ran out at every gap. The containers within the bound a snapshot
     * keeps whole are published whole, the rest as their summary, each once and in order, and a WARN says so.
     */
    @Test
    void manyContainersJustUnderThePartLimitAreKeptWholeOnlyUpToTheSnapshotsBound(SharedKafka.Broker broker)
            throws Exception {
        int count = 40;
        State state = stateAfterAGap(broker, containersJson(count, "near", i -> ",\"Image\":\"local/busybox:1\","
                + "\"Labels\":{\"note\":\"" + "n".repeat(900_000) + "\"},\"State\":\"running\","
                + "\"Status\":\"Up 2 hours\""));

        assertThat(state.containers()).extracting(c -> c.path("Names").path(0).asText()).as("every one, in order")
                .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "/near-" + i).toList());
        List<JsonNode> whole = state.containers().stream().takeWhile(c -> !c.path("truncated").asBoolean()).toList();
        long wholeBytes = whole.stream().mapToLong(c -> ContractJson.write(c).length).sum();
        assertThat(whole).as("the first ones whole").isNotEmpty()
                .allSatisfy(c -> assertThat(c.path("Labels").path("note").asText()).hasSize(900_000));
        assertThat(wholeBytes).as("up to the bound, and as near it as one more would not pass")
                .isLessThanOrEqualTo(StateSnapshotter.WHOLE_BYTES)
                .isGreaterThan(StateSnapshotter.WHOLE_BYTES - ContractJson.write(whole.get(0)).length);
        assertThat(state.containers().subList(whole.size(), count)).as("the rest their summary").allSatisfy(c -> {
            assertThat(c.path("truncated").asBoolean()).isTrue();
            assertThat(c.has("Labels")).isFalse();
            assertThat(c.path("State").asText()).isEqualTo("running");
        });
        assertThat(state.output()).contains("the state snapshot gives " + (count - whole.size()) + " of the engine's "
                + count + " containers as their summary fields only");
    }

    /**
     * Thousands of containers whose summary fields are long (a CI host's exited containers, each with a 4 KB command
     * line and image name; anyone who may create a container can make them): past the bound kept whole, each was
     * still its summary, 8 KB each, 48 MB in all, and the launcher's 64 MB heap ran out at every gap. Past a second
     * bound the rest are left out, and the WARN says how many.
     */
    @Test
    void thousandsOfContainersWithLongSummaryFieldsAreListedOnlyUpToTheSnapshotsBound(SharedKafka.Broker broker)
            throws Exception {
        int count = 6_000;
        State state = stateAfterAGap(broker, containersJson(count, "ci", i -> ",\"Image\":\"" + "i".repeat(4_000)
                + "\",\"Command\":\"sh -c '" + "c".repeat(4_000) + "'\",\"State\":\"exited\",\"Status\":\"Exited (0) 2 "
                + "hours ago\""));

        int listed = state.containers().size();
        assertThat(listed).as("the first ones, in order").isPositive().isLessThan(count);
        assertThat(state.containers()).extracting(c -> c.path("Names").path(0).asText())
                .containsExactlyElementsOf(IntStream.range(0, listed).mapToObj(i -> "/ci-" + i).toList());
        assertThat(state.containers().stream().mapToLong(c -> ContractJson.write(c).length).sum())
                .isLessThanOrEqualTo(StateSnapshotter.WHOLE_BYTES + StateSnapshotter.SUMMARY_BYTES);
        assertThat(state.output()).contains("the state snapshot leaves out " + (count - listed) + " of the engine's "
                + count + " containers");
    }

    /**
     * The summaries' bound reached by containers that are summaries whatever their place (a label key longer than
     * the forwarder's parser reads), the small containers after them are still given whole: only would-be summaries
     * are left out.
     */
    @Test
    void containersThatFitWholeAreGivenAfterTheSummariesBoundIsReached(SharedKafka.Broker broker) throws Exception {
        int odd = 300;
        int small = 20;
        State state = stateAfterAGap(broker, containersJson(odd + small, "c", i -> ",\"State\":\"exited\"" + (i >= odd
                ? "" : ",\"Image\":\"" + "i".repeat(4_000) + "\",\"Command\":\"" + "c".repeat(4_000)
                + "\",\"Labels\":{\"" + "k".repeat(60_000) + "\":\"v\"}")));

        List<String> names = state.containers().stream().map(c -> c.path("Names").path(0).asText()).toList();
        assertThat(names).as("the small ones after the bound, whole")
                .endsWith(IntStream.range(odd, odd + small).mapToObj(i -> "/c-" + i).toArray(String[]::new));
        assertThat(state.containers().subList(names.size() - small, names.size()))
                .noneMatch(c -> c.path("truncated").asBoolean());
        int leftOut = odd + small - names.size();
        assertThat(leftOut).isPositive();
        assertThat(state.output()).contains("the state snapshot leaves out " + leftOut + " of the engine's "
                + (odd + small) + " containers");
    }

    /**
     * A container given as its summary (here for a label key longer than the forwarder reads) has its long fields cut
     * to 1,024 chars. A cut between the two chars of a pair (a command line of emoji, anyone's to choose) left a lone
     * half, which the forwarder refuses as bad UTF-8: the whole part, the state after every gap, dead-lettered.
     */
    @Test
    void aSummaryFieldCutIsNeverCutBetweenTheTwoHalvesOfACharacter(SharedKafka.Broker broker) throws Exception {
        String command = "sh -c a" + "\uD83D\uDE00".repeat(600); // a pair's first half at char 1,023
        State state = stateAfterAGap(broker, containersJson(1, "emoji", i -> ",\"Command\":\"" + command
                + "\",\"Labels\":{\"" + "k".repeat(60_000) + "\":\"v\"}"));

        assertThat(state.containers()).hasSize(1);
        String cut = state.containers().get(0).path("Command").asText();
        assertThat(cut).as("cut before the pair, not inside it").hasSize(1_023).isEqualTo(command.substring(0, 1_023));
        assertThat(cut.codePoints()).as("no lone half")
                .noneMatch(c -> c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE);
    }

    /**
     * GET /containers/json's answer: {@code count} containers, the i-th with an id of i, the name {@code
     * /<prefix>-<i>} and then {@code fields} of i (JSON members, each after a comma).
     */
    private static byte[] containersJson(int count, String prefix, IntFunction<String> fields) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            out.append(i == 0 ? "" : ",").append("{\"Id\":\"").append(String.format("%064x", i))
                    .append("\",\"Names\":[\"/").append(prefix).append('-').append(i).append("\"]")
                    .append(fields.apply(i)).append('}');
        }
        return out.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a listener published as state after a gap, and what it logged. */
    private record State(List<JsonNode> containers, String output) {}

    /**
     * The containers of the state records a listener in bin/listener's 64 MB heap publishes after a gap at start,
     * when the engine answers {@code containers} to GET /containers/json; it is alive and publishes the event after.
     */
    private static State stateAfterAGap(SharedKafka.Broker broker, byte[] containers) throws Exception {
        long t = System.currentTimeMillis() * 1_000_000L;
        List<ScriptedEngine.Event> events = List.of(new ScriptedEngine.Event(("{\"Type\":\"volume\",\"Action\":"
                + "\"create\",\"Actor\":{\"ID\":\"v-after\"},\"scope\":\"local\",\"time\":" + t / 1_000_000_000L
                + ",\"timeNano\":" + t + "}").getBytes(StandardCharsets.UTF_8), t));
        ListenerProcess listener = new ListenerProcess(broker);
        listener.writeCheckpointValue(broker, "garbage".getBytes(StandardCharsets.UTF_8)); // a gap at start
        try (ScriptedEngine engine = new ScriptedEngine(events, containers);
             JavaProcess process = listener.startWithLauncherHeap("--docker-host", engine.dockerHost())) {
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(process.isAlive()).as("alive; output:\n" + process.output()).isTrue();
                assertThat(TopicView.read(broker, listener.topic).events()).hasSize(1);
            });
            List<JsonNode> published = TopicView.read(broker, listener.topic).records().stream()
                    .filter(p -> p.kind().equals("state"))
                    .flatMap(p -> StreamSupport.stream(p.value().get("containers").spliterator(), false)).toList();
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
            return new State(published, process.output());
        }
    }
}
