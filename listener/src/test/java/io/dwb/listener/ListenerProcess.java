package io.dwb.listener;

import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The listener as a separate JVM, set up for one test: its own topics and its own host name (so its transactional
 * id and checkpoint are its own, whatever other tests do on the same engine and broker).
 */
final class ListenerProcess {
    final String topic;
    final String checkpointTopic;
    final String hostName;
    final String bootstrapServers;

    ListenerProcess(String bootstrapServers) {
        this(bootstrapServers, true);
    }

    private ListenerProcess(String bootstrapServers, boolean named) {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        this.topic = "events-" + tag;
        this.checkpointTopic = "checkpoints-" + tag;
        this.hostName = named ? "test-host-" + tag : null;
        this.bootstrapServers = bootstrapServers;
    }

    /** One given no --host-name: the host is the engine's Name and ID (shared with any other such listener). */
    static ListenerProcess namedByTheEngine(SharedKafka.Broker broker) {
        return new ListenerProcess(broker.bootstrapServers(), false);
    }

    ListenerProcess(SharedKafka.Broker broker) {
        this(broker.bootstrapServers());
    }

    HostIdentity identity() {
        return HostIdentity.fromHostName(hostName);
    }

    /**
     * A {@code --kafka-config} file (deleted at exit) whose own client id the broker takes at most
     * {@code bytesPerSecond} from: a client quota, as a shared cluster sets.
     */
    Path quotaKafkaConfig(double bytesPerSecond) throws Exception {
        String clientId = "quota-" + hostName;
        Path file = Files.createTempFile("dwb-kafka", ".properties");
        file.toFile().deleteOnExit();
        Files.writeString(file, "bootstrap.servers=" + bootstrapServers + "\nclient.id=" + clientId
                + "\n");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                    new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId)),
                    List.of(new ClientQuotaAlteration.Op("producer_byte_rate", bytesPerSecond))))).all().get();
        }
        return file;
    }

    JavaProcess start(String... extra) throws IOException {
        return start(Map.of(), extra);
    }

    /** Kafka settings from a --kafka-config file instead of --bootstrap-servers. */
    JavaProcess startWithKafkaConfig(java.nio.file.Path kafkaConfig) throws IOException {
        return start(Map.of(), List.of("--kafka-config", kafkaConfig.toString()), false);
    }

    JavaProcess start(Map<String, String> env, String... extra) throws IOException {
        return start(env, List.of(extra), true);
    }

    /** With the JVM flags of bin/listener (its 64 MB heap), not the tests' default. */
    JavaProcess startWithLauncherHeap(String... extra) throws IOException {
        return startWithJvmOptions(JavaProcess.launcherFlags("listener"), extra);
    }

    JavaProcess startWithJvmOptions(List<String> jvmOptions, String... extra) throws IOException {
        return JavaProcess.start(Main.class, jvmOptions, Map.of(), arguments(List.of(extra), true));
    }

    private JavaProcess start(Map<String, String> env, List<String> extra, boolean bootstrapOption)
            throws IOException {
        return JavaProcess.start(Main.class, env, arguments(extra, bootstrapOption));
    }

    private List<String> arguments(List<String> extra, boolean bootstrapOption) {
        List<String> args = new ArrayList<>();
        if (bootstrapOption) {
            args.addAll(List.of("--bootstrap-servers", bootstrapServers));
        }
        args.addAll(List.of("--topic", topic, "--checkpoint-topic", checkpointTopic));
        if (hostName != null) {
            args.addAll(List.of("--host-name", hostName));
        }
        args.addAll(List.of("--transaction-interval", "100ms", "--reconnect-max-wait", "2s"));
        if (!extra.contains("--continuity-wait")) { // the harness's short wait, unless the test gives its own
            args.addAll(List.of("--continuity-wait", "3s"));
        }
        args.addAll(extra);
        return args;
    }

    /** Waits until the process has subscribed to the engine at least {@code times} times. */
    static void awaitConnected(JavaProcess process, int times) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("listener exited; output:\n" + process.output());
            }
            return count(process.output(), "connected to the Docker engine") >= times;
        });
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** GET http://127.0.0.1:port/path: status code and body. */
    static java.util.Map.Entry<Integer, String> http(int port, String path) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return java.util.Map.entry(response.statusCode(), response.body());
    }

    /** The value of one sample of a /metrics text, by its name and labels; an assertion error when it has none. */
    static double sample(String metrics, String series) {
        return metrics.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + series + " on /metrics"));
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Creates the checkpoints topic and writes {@code value} as this host's checkpoint (garbage, say). */
    void writeCheckpointValue(SharedKafka.Broker broker, byte[] value) throws Exception {
        broker.createTopic(checkpointTopic, 1,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            producer.send(new ProducerRecord<>(checkpointTopic,
                    identity().id().getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }
}
