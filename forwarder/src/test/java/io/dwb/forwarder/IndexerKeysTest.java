package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Wazuh's indexer (OpenSearch) makes an object of each dot-separated part of {@code data.docker.Actor.Attributes.<label
 * key>} and refuses the whole alert when they nest past {@code index.mapping.depth.limit} (20) or a part is empty or
 * whitespace: one label hid every alert of its container from the dashboards. Such labels are left out, and said.
 */
class IndexerKeysTest {
    private static final HostRef HOST = new HostRef("h", "h-id");
    /** 17 dot-separated parts, 16 dots: its deepest object at depth 21, one past the indexer's limit. */
    private static final String SEVENTEEN_PARTS = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q";
    /** 16 parts, 15 dots: its deepest object at depth 20, the limit. */
    private static final String SIXTEEN_PARTS = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p";

    private final List<byte[]> sent = new ArrayList<>();
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final AlertPipeline.Mode mode = new AlertPipeline.Mode.Live(
            new DeadLetterQueue("events-dlq", new Properties(), new MockProducer<>(true, null,
                    new ByteArraySerializer(), new ByteArraySerializer()), System::currentTimeMillis),
            new SilentHostWatch());
    private final AlertPipeline pipeline = new AlertPipeline(new RecordClassifier(TestRecords.SCHEMAS),
            new LegacyFields(LegacyFieldsMode.AUTO), LabelFilter.ALL, FieldBudget.DEFAULT, new AlertFormatter(),
            new DuplicateWindow(10_000),
            new DirectOutbox(new DatagramWriter(new Collecting(sent), mode, metrics, System::currentTimeMillis)),
            new Pacer(0, System::nanoTime), mode, metrics, false, System::nanoTime);

    @Test
    void aContainersLabelsTheIndexerRefusesAreLeftOutTheAlertMarkedAndCounted() {
        ObjectNode start = container(Map.of(SEVENTEEN_PARTS, "deep", "x..y", "empty", ".x", "leading",
                "x.", "trailing", "x. .y", "blank", " ", "only-blank", "com.example.team", "payments",
                SIXTEEN_PARTS, "fits"));

        ObjectNode alert = deliver(start);

        ObjectNode attributes = (ObjectNode) alert.path("docker").path("Actor").path("Attributes");
        assertThat(names(attributes)).as("the engine's own and the labels the indexer takes, in their order")
                .containsExactly(SIXTEEN_PARTS, "com.example.team", "image", "name");
        assertThat(attributes.path("name").asText()).isEqualTo("web");
        assertThat(attributes.path("image").asText()).isEqualTo("nginx:1.27");
        assertThat(attributes.path("com.example.team").asText()).isEqualTo("payments");
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        assertThat(metrics.truncatedTotal()).isEqualTo(1);
        ObjectNode rest = ((ObjectNode) alert.get("docker")).deepCopy();
        ObjectNode expected = start.deepCopy();
        ((ObjectNode) rest.get("Actor")).remove("Attributes");
        ((ObjectNode) expected.get("Actor")).remove("Attributes");
        assertThat(rest).as("only Actor.Attributes changes").isEqualTo(expected);
    }

    /** The bound: 16 parts (15 dots) kept, 17 (16 dots) left out; and the empty or blank parts. */
    @Test
    void theBoundIsSixteenPartsAndNoPartEmptyOrBlank() {
        assertThat(IndexerKeys.MAX_SEGMENTS).isEqualTo(16);
        assertThat(IndexerKeys.refused(SIXTEEN_PARTS)).isFalse();
        assertThat(IndexerKeys.refused(SEVENTEEN_PARTS)).isTrue();
        assertThat(IndexerKeys.refused("com.docker.compose.project")).isFalse();
        assertThat(IndexerKeys.refused("a b. c")).as("a part with a character besides blanks").isFalse();
        for (String refused : List.of("", " ", "\t", ".", "..", "x..y", ".x", "x.", "x. .y", "x.\u2003", "x.\n.y")) {
            assertThat(IndexerKeys.refused(refused)).as("'%s'", refused).isTrue();
        }
    }

    @Test
    void aLabelOfSixteenPartsFitsAndTheAlertIsTheEventByteForByte() throws Exception {
        ObjectNode start = container(Map.of(SIXTEEN_PARTS, "fits", "com.docker.compose.project", "shop"));
        byte[] value = ContractJson.write(start);
        assertThat(EventFields.read(value).indexerRefusedKey()).isFalse();

        deliver(start);

        assertThat(new String(sent.get(0), StandardCharsets.UTF_8)).as("spliced in as the engine sent it")
                .endsWith(",\"docker\":" + new String(value, StandardCharsets.UTF_8) + "}")
                .doesNotContain("\"truncated\"");
        assertThat(metrics.truncatedTotal()).isZero();
    }

    /**
     * The engine's own attributes are never left out: none of them is a key the indexer refuses (the table's, of every
     * type and Action), and in events of types that hold no labels (a daemon's reload settings) every attribute is
     * the engine's, whatever its key.
     */
    @Test
    void theEnginesOwnAttributesAreNeverLeftOut() {
        for (EngineAttributes type : EngineAttributes.values()) {
            assertThat(type.all()).as(type.type()).noneMatch(IndexerKeys::refused);
        }
        ObjectNode reload = ContractJson.MAPPER.createObjectNode().put("Type", "daemon").put("Action", "reload");
        reload.putObject("Actor").put("ID", "7TRN").putObject("Attributes").put("name", "web-1")
                .put("x..y", "a setting").put(SEVENTEEN_PARTS, "another");
        ObjectNode before = reload.deepCopy();

        assertThat(IndexerKeys.leaveOut(reload)).isFalse();
        assertThat(reload).isEqualTo(before);

        ObjectNode node = ContractJson.MAPPER.createObjectNode().put("Type", "node").put("Action", "update");
        node.putObject("Actor").put("ID", "n1").putObject("Attributes").put("name", "n1").put("role.old", "worker")
                .put("role.new", "manager");
        assertThat(IndexerKeys.leaveOut(node)).isFalse();
    }

    /**
     * An image's labels are labels too; the streaming read and the tree agree. A second Attributes is refused (not-json,
     * {@code EventFieldsTest}): Wazuh would read the first, whose key its indexer refuses, where a tree reads the last.
     */
    @Test
    void anImagesLabelsTooAndTheStreamingReadAgreesWithTheTree() throws Exception {
        ObjectNode pull = ContractJson.MAPPER.createObjectNode().put("Type", "image").put("Action", "pull");
        pull.putObject("Actor").put("ID", "sha256:1").putObject("Attributes").put("name", "nginx:1.27")
                .put(".hidden", "x").put("org.opencontainers.image.title", "nginx");
        byte[] value = ContractJson.write(pull);
        assertThat(EventFields.read(value).indexerRefusedKey()).isTrue()
                .isEqualTo(EventFields.of(pull).indexerRefusedKey());
        assertThat(IndexerKeys.leaveOut(pull)).isTrue();
        assertThat(names((ObjectNode) pull.path("Actor").path("Attributes")))
                .containsExactly("name", "org.opencontainers.image.title");

        byte[] replaced = ("{\"Type\":\"container\",\"Actor\":{\"ID\":\"a\",\"Attributes\":{\"x..y\":\"v\"},"
                + "\"Attributes\":{\"name\":\"n\"}}}").getBytes(StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventFields.read(replaced))
                .hasMessageContaining("Duplicate field 'Attributes'");
    }

    /**
     * A state alert's containers are an array of objects. Wazuh 4's JSON decoder keeps an array as its JSON text (its
     * default {@code json_array_structure}, {@code cJSON_Print}) and its alerts.json writer parses a value written as
     * an array back into one: the containers are objects of the indexed alert at {@code data.docker_bridge.containers},
     * their label keys, annotation keys and network names field names there, at the same depth as an event's labels
     * (the root, {@code data}, {@code docker_bridge}, the container, {@code Labels}). A key the indexer refuses made it
     * refuse the whole snapshot: left out, the alert marked truncated and counted; the rest as sent.
     */
    @Test
    void aStateAlertLeavesOutTheKeysTheIndexerRefusesAnywhereInItsContainers() {
        ObjectNode state = ContractJson.MAPPER.createObjectNode().put("time", "2025-11-24T16:00:00Z")
                .put("timeNano", 1_764_000_000_000_000_001L).put("snapshotId", "s1").put("part", 1).put("parts", 1);
        ObjectNode labelled = state.putArray("containers").addObject().put("Id", "c1").put("State", "running");
        labelled.putObject("Labels").put(SEVENTEEN_PARTS, "deep").put("x..y", "empty").put("com.example.team", "pay")
                .put(SIXTEEN_PARTS, "fits").put("x.\u0000y", "cut at the NUL: 'x.' to Wazuh");
        labelled.putObject("HostConfig").put("NetworkMode", "bridge").putObject("Annotations").put("x.", "v")
                .put("a", "b");
        labelled.putObject("NetworkSettings").putObject("Networks").putObject("net..work").put("IPAddress", "1.2.3.4");
        state.withArray("containers").addObject().put("Id", "c2").putObject("Labels").put("a", "b");
        ProducerRecord<byte[], byte[]> r = TestRecords.bridge("events", "h", "h-id", "state",
                ContractJson.write(state));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(r.topic(), 0, 0, r.key(), r.value());
        r.headers().forEach(h -> record.headers().add(h));

        assertThat(pipeline.deliver(pipeline.route(record))).isInstanceOf(AlertPipeline.Step.Done.class);

        ObjectNode alert = TestRecords.alert(sent.get(0));
        JsonNode containers = alert.path("docker_bridge").path("containers");
        assertThat(containers.get(0).path("Labels").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("com.example.team", SIXTEEN_PARTS);
        assertThat(containers.get(0).path("HostConfig").path("Annotations").fieldNames()).toIterable()
                .containsExactly("a");
        assertThat(containers.get(0).path("NetworkSettings").path("Networks").size()).isZero();
        assertThat(containers.get(1)).isEqualTo(state.get("containers").get(1));
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        assertThat(metrics.truncatedTotal()).isEqualTo(1);
        assertThat(IndexerKeys.refusedAnywhere((ObjectNode) alert.get("docker_bridge"), IndexerKeys.BRIDGE_DEPTH))
                .isFalse();
    }

    /**
     * {@code --labels} applies to a state snapshot's containers too: their label keys are fields of the indexed alert
     * as an event's are (before, every label of every container went in whatever {@code --labels} said).
     */
    @Test
    void aStateAlertsContainersKeepOnlyTheLabelsLabelsNames() {
        AlertPipeline named = new AlertPipeline(new RecordClassifier(TestRecords.SCHEMAS),
                new LegacyFields(LegacyFieldsMode.AUTO), LabelFilter.parse("com.example.*"), FieldBudget.DEFAULT,
                new AlertFormatter(), new DuplicateWindow(10_000),
                new DirectOutbox(new DatagramWriter(new Collecting(sent), mode, metrics, System::currentTimeMillis)),
                new Pacer(0, System::nanoTime), mode, metrics, false, System::nanoTime);
        ObjectNode state = ContractJson.MAPPER.createObjectNode().put("time", "2025-11-24T16:00:00Z")
                .put("timeNano", 1_764_000_000_000_000_001L).put("snapshotId", "s1").put("part", 1).put("parts", 1);
        state.putArray("containers").addObject().put("Id", "c1").put("Image", "shop:1").putObject("Labels")
                .put("com.example.team", "pay").put("secret.token", "t0k3n").put("maintainer", "me");
        ProducerRecord<byte[], byte[]> r = TestRecords.bridge("events", "h", "h-id", "state",
                ContractJson.write(state));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(r.topic(), 0, 0, r.key(), r.value());
        r.headers().forEach(h -> record.headers().add(h));

        assertThat(named.deliver(named.route(record))).isInstanceOf(AlertPipeline.Step.Done.class);

        JsonNode container = TestRecords.alert(sent.get(0)).path("docker_bridge").path("containers").get(0);
        assertThat(container.path("Labels").fieldNames()).toIterable().containsExactly("com.example.team");
        assertThat(container.path("Image").asText()).isEqualTo("shop:1");
    }

    /** Wazuh's parser ends a key at a NUL: what the indexer gets of {@code x.\u0000y} is {@code x.}. */
    @Test
    void aKeyIsReadUpToItsFirstNulAsWazuhReadsIt() {
        assertThat(IndexerKeys.refused("x.\u0000y")).isTrue();
        assertThat(IndexerKeys.refused("\u0000")).isTrue();
        assertThat(IndexerKeys.refused("a\u0000..b")).as("'a' to Wazuh").isFalse();
    }

    /** The event's alert, as the pipeline sends it. */
    private ObjectNode deliver(ObjectNode event) {
        ProducerRecord<byte[], byte[]> r = TestRecords.event("events", "h", "h-id", event);
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(r.topic(), 0, 0, r.key(), r.value());
        r.headers().forEach(h -> record.headers().add(h));
        assertThat(pipeline.deliver(pipeline.route(record))).isInstanceOf(AlertPipeline.Step.Done.class);
        assertThat(sent).hasSize(1);
        return TestRecords.alert(sent.get(0));
    }

    /** A container's start (with the legacy fields: none added) with these labels, sorted as the engine writes them. */
    private static ObjectNode container(Map<String, String> labels) {
        ObjectNode event = TestRecords.containerEvent("web", 1_764_000_000_000_000_001L);
        ObjectNode attributes = ((ObjectNode) event.path("Actor")).putObject("Attributes");
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>(labels);
        sorted.put("image", "nginx:1.27");
        sorted.put("name", "web");
        sorted.forEach(attributes::put);
        return event;
    }

    private static List<String> names(ObjectNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private record Collecting(List<byte[]> sent) implements AlertSink {
        @Override
        public void send(byte[] datagram) {
            sent.add(datagram);
        }

        @Override
        public void close() {
        }
    }
}
