package io.dwb.schemas.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One real Kafka broker (Testcontainers) shared by every test class of a module's test run that declares
 * {@code @ExtendWith(SharedKafka.class)}; tests get it as a {@link Broker} parameter. It is stopped when the run
 * ends (JUnit's root store closes it). A test that stops or pauses Kafka must start its own {@link #startBroker()}.
 *
 * <p>The image is {@code -Ddwb.kafka.image} (the build sets it; {@code bin/test} builds a local one where no
 * registry is reachable). If Docker or the image is missing the test fails: it never skips.
 */
public final class SharedKafka implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Broker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("dwb-shared-kafka", key -> startBroker(), Broker.class);
    }

    /** A broker of its own, for tests that stop, pause or break it. Close it at the end of the test. */
    public static Broker startBroker() {
        return startBroker(Map.of());
    }

    /**
     * The container's command, instead of Testcontainers' own: that one {@code exec}s the start script as soon as it
     * appears, and on a busy engine the copy may still hold it open for writing, so the exec fails with "Text file
     * busy" and the broker exits 126 (testcontainers-java#11682; it failed a CI run here). Reading it with
     * {@code sh} once it is not empty cannot fail so.
     */
    public static final String[] START_COMMAND = {"sh", "-c", "while [ ! -s /tmp/testcontainers_start.sh ]; "
            + "do sleep 0.1; done; sleep 0.1; exec sh /tmp/testcontainers_start.sh"};

    /** A broker of its own with extra settings ({@code KAFKA_*} environment variables); close it at the end. */
    public static Broker startBroker(Map<String, String> settings) {
        return startBroker(KafkaImage.name(), settings);
    }

    /**
     * A broker of the oldest Kafka line tested ({@code -Ddwb.kafka.oldest.image}, pom.xml's
     * {@code kafka.oldest.version}); close it at the end.
     */
    public static Broker startOldestBroker() {
        String image = System.getProperty("dwb.kafka.oldest.image", System.getenv("DWB_KAFKA_OLDEST_IMAGE"));
        if (image == null || image.isBlank()) {
            throw new IllegalStateException("no image of the oldest Kafka tested: -Ddwb.kafka.oldest.image "
                    + "(bin/test builds and gives it)");
        }
        return startBroker(image, Map.of());
    }

    private static Broker startBroker(String image, Map<String, String> settings) {
        KafkaContainer container = new KafkaContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withCommand(START_COMMAND)
                .withEnv("KAFKA_JVM_PERFORMANCE_OPTS", TestJvmFlags.kafkaPerformanceOpts())
                .withStartupTimeout(Duration.ofMinutes(2));
        settings.forEach(container::withEnv);
        container.start();
        return new Broker(container);
    }

    /** A running broker and small conveniences around it. */
    public static final class Broker implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final KafkaContainer container;

        Broker(KafkaContainer container) {
            this.container = container;
        }

        public KafkaContainer container() {
            return container;
        }

        public String bootstrapServers() {
            return container.getBootstrapServers();
        }

        /** Where the broker's image keeps a partition's first log segment (Kafka's {@code log.dirs}). */
        private static String segment(TopicPartition tp) {
            return "/tmp/kraft-combined-logs/" + tp.topic() + "-" + tp.partition() + "/00000000000000000000.log";
        }

        /** The bytes of {@code tp}'s first log segment on the broker's disk: where the next batch will start. */
        public long logSize(TopicPartition tp) throws Exception {
            var stat = container.execInContainer("stat", "-c", "%s", segment(tp));
            if (stat.getExitCode() != 0) {
                throw new IllegalStateException("stat " + segment(tp) + ": " + stat.getStderr());
            }
            return Long.parseLong(stat.getStdout().trim());
        }

        /**
         * Changes 4 bytes of {@code tp}'s first log segment at {@code position}, in place, as a failing disk would:
         * the broker serves them through the page cache, and its consumers find the batch's CRC no longer matches.
         */
        public void corruptLog(TopicPartition tp, long position) throws Exception {
            var dd = container.execInContainer("sh", "-c", "printf '\\377\\377\\377\\377' | dd of="
                    + segment(tp) + " bs=1 seek=" + position + " count=4 conv=notrunc");
            if (dd.getExitCode() != 0) {
                throw new IllegalStateException("dd " + segment(tp) + ": " + dd.getStderr());
            }
        }

        /** A topic name no other test uses. */
        public static String uniqueTopic(String prefix) {
            return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        }

        /** Creates {@code name} and returns once the broker describes it, as a tool creating it by hand would. */
        public void createTopic(String name, int partitions, Map<String, String> config) {
            try (Admin admin = admin()) {
                admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(config))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            describeTopic(name);
        }

        /**
         * The description of {@code topic}, awaited: just after a creation the broker answers UnknownTopicOrPartition
         * until its metadata has the topic (a few milliseconds, more under load).
         */
        public TopicDescription describeTopic(String topic) {
            return whenKnown(admin -> admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic));
        }

        /** The settings of {@code topic}, awaited like {@link #describeTopic}. */
        public Config topicConfig(String topic) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return whenKnown(admin -> admin.describeConfigs(List.of(resource)).all().get().get(resource));
        }

        private <T> T whenKnown(AdminRequest<T> request) {
            try (Admin admin = admin()) {
                return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .ignoreExceptionsMatching(e -> e instanceof ExecutionException
                                && e.getCause() instanceof UnknownTopicOrPartitionException)
                        .until(() -> request.ask(admin), Objects::nonNull);
            }
        }

        /** One request of the admin client. */
        @FunctionalInterface
        private interface AdminRequest<T> {
            T ask(Admin admin) throws Exception;
        }

        public Admin admin() {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            return Admin.create(p);
        }

        public KafkaProducer<byte[], byte[]> producer() {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            // Tests write to topics created a moment before. A first batch refused with NOT_LEADER while the next
            // one was in flight left the idempotent producer retrying OUT_OF_ORDER_SEQUENCE_NUMBER until its
            // delivery timeout (seen under load): one request in flight cannot overtake a refused one.
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
            return new KafkaProducer<>(p);
        }

        /** A consumer with no group that reads committed records only. */
        public KafkaConsumer<byte[], byte[]> committedReader() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            return new KafkaConsumer<>(p);
        }

        /**
         * Every committed record of {@code topic} from the beginning up to the current end, read once: what a
         * read_committed consumer would see now. Topics that do not exist yet read as empty.
         */
        public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
            return CommittedRecords.readAll(bootstrapServers(), topic);
        }

        @Override
        public void close() {
            container.stop();
        }
    }
}
