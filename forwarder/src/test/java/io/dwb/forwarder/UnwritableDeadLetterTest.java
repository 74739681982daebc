package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead letter the topic refuses for good never halts delivery silently: too large, it is written without its
 * value (then without key and headers); a missing topic or a denied write pauses delivery in one ERROR line that names
 * the fix, committing nothing past the record, and delivery goes on by itself once it is fixed. (It stopped the
 * forwarder, exit 1: leaving the group, it handed the record to the next member, which stopped on it in turn.)
 */
@ExtendWith(SharedKafka.class)
class UnwritableDeadLetterTest {
    @TempDir
    Path dir;

    @Test
    void aDeadLetterOverTheTopicsLimitIsWrittenWithoutItsValueAndDeliveryGoesOn(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "dlq-small", 1);
        broker.createTopic(topic + "-dlq", 1, Map.of("max.message.bytes", "4096"));
        byte[] noise = new byte[100_000];
        new Random(11).nextBytes(noise); // invalid UTF-8, and lz4 cannot shrink it under the limit
        ProducerRecord<byte[], byte[]> bigValue = TestRecords.event(topic, "h", "h-id", noise, null, 1_000L);
        ProducerRecord<byte[], byte[]> bigHeaders = TestRecords.event(topic, "h", "h-id", noise, null, 1_000L);
        byte[] note = new byte[8_000];
        new Random(12).nextBytes(note);
        bigHeaders.headers().add("note", note);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, List.of(event(topic, "before", 1), bigValue, bigHeaders,
                    event(topic, "after", 2)));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() == 2
                    && TestRecords.committedTotal(broker, "g-" + topic) == 4);
            run.assertAlive();
            assertThat(receiver.deliveredAlerts()).extracting(a -> a.path("docker").path("Actor").path("Attributes")
                    .path("name").asText()).containsExactly("before", "after");

            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(topic + "-dlq");
            assertThat(dead).hasSize(2);
            ConsumerRecord<byte[], byte[]> withoutValue = dead.get(0);
            assertThat(withoutValue.value()).isNull();
            assertThat(HeaderNames.read(withoutValue.headers(), HeaderNames.OMITTED)).isEqualTo("value");
            assertThat(HeaderNames.read(withoutValue.headers(), HeaderNames.ERROR)).startsWith("bad-utf8: ");
            assertThat(HeaderNames.read(withoutValue.headers(), HeaderNames.SOURCE_OFFSET)).isEqualTo("1");
            assertThat(HeaderNames.read(withoutValue.headers(), HeaderNames.HOST)).as("headers kept").isEqualTo("h");
            assertThat(withoutValue.key()).isEqualTo(HeaderNames.utf8("h-id"));

            ConsumerRecord<byte[], byte[]> bare = dead.get(1);
            assertThat(bare.value()).isNull();
            assertThat(bare.key()).isNull();
            assertThat(HeaderNames.read(bare.headers(), HeaderNames.OMITTED)).isEqualTo("value, key, headers");
            assertThat(HeaderNames.read(bare.headers(), HeaderNames.ERROR)).startsWith("bad-utf8: ");
            assertThat(HeaderNames.read(bare.headers(), HeaderNames.SOURCE_TOPIC)).isEqualTo(topic);
            assertThat(HeaderNames.read(bare.headers(), HeaderNames.SOURCE_OFFSET)).isEqualTo("2");
            assertThat(bare.headers().lastHeader("note")).isNull();
        }
    }

    /** A broker that creates no topic on its own and checks ACLs (allowing what no ACL names). */
    @Test
    void aMissingOrForbiddenDeadLetterTopicPausesDeliveryInAnErrorLineUntilItIsFixed() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker(Map.of(
                "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false",
                "KAFKA_AUTHORIZER_CLASS_NAME", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "true"))) {
            String missing = TestRecords.topic(broker, "dlq-missing", 1);
            assertPausedOnTheBadRecordUntilFixed(broker, missing, () -> deleteIfExists(broker, missing + "-dlq"),
                    () -> broker.createTopic(missing + "-dlq", 1, Map.of()),
                    "paused: the dead-letter topic " + missing + "-dlq does not exist",
                    "create it (see docs/deployment.md), or set --dlq-topic");

            String denied = TestRecords.topic(broker, "dlq-denied", 1);
            broker.createTopic(denied + "-dlq", 1, Map.of());
            AclBinding deny = new AclBinding(
                    new ResourcePattern(ResourceType.TOPIC, denied + "-dlq", PatternType.LITERAL),
                    new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.WRITE, AclPermissionType.DENY));
            assertPausedOnTheBadRecordUntilFixed(broker, denied, () -> {
                try (Admin admin = broker.admin()) {
                    admin.createAcls(List.of(deny)).all().get();
                }
            }, () -> {
                try (Admin admin = broker.admin()) {
                    admin.deleteAcls(List.of(deny.toFilter())).all().get();
                }
            }, "paused: not allowed to write to the dead-letter topic " + denied + "-dlq",
                    "grant the forwarder's principal WRITE on it, or set --dlq-topic");
        }
    }

    /** Breaks the dead-letter topic once the forwarder runs (a start may check or create it), or mends it. */
    private interface Change {
        void apply() throws Exception;
    }

    private static void deleteIfExists(SharedKafka.Broker broker, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            if (admin.listTopics().names().get().contains(topic)) {
                admin.deleteTopics(List.of(topic)).all().get();
                await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(topic));
            }
        }
    }

    /**
     * One event delivered, the topic broken, then a record for the dead-letter topic and an event: the forwarder
     * keeps running, paused in one ERROR line naming the fix, committed up to the bad record and not past it; the
     * topic mended, the letter is written and everything committed, without a restart.
     */
    private void assertPausedOnTheBadRecordUntilFixed(SharedKafka.Broker broker, String topic, Change breakage,
                                                      Change fix, String pausedLine, String theFix) throws Exception {
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve(topic));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), "--bootstrap-servers",
                     broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic, "--dlq-topic",
                     topic + "-dlq", "--wazuh-queue", receiver.path().toString(), "--max-live-age", "0")) {
            TestRecords.sendAll(producer, List.of(event(topic, "ok", 3)));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() == 1);
            breakage.apply();
            TestRecords.sendAll(producer, List.of(
                    TestRecords.event(topic, "h", "h-id", HeaderNames.utf8("not json"), null, 1_000L),
                    event(topic, "after", 4)));

            await().atMost(Duration.ofSeconds(90)).until(() -> forwarder.output().contains(pausedLine));
            List<String> paused = Arrays.stream(forwarder.output().split("\\R"))
                    .filter(l -> l.contains("StateChanges - paused: ")).toList();
            assertThat(paused).as(forwarder.output()).singleElement().asString()
                    .contains(" ERROR ").contains(pausedLine).contains(theFix);
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15))
                    .until(() -> forwarder.isAlive() && TestRecords.committedTotal(broker, "g-" + topic) == 1);

            fix.apply();
            await().atMost(Duration.ofSeconds(90)).until(() -> TestRecords.committedTotal(broker, "g-" + topic) == 3);
            // The pause ends at its next retry, which may come after the letter's commit (the backoff's wait).
            await().atMost(Duration.ofSeconds(60)).until(() -> forwarder.output().contains("resumed after"));
            assertThat(receiver.deliveredAlerts()).extracting(a -> a.path("docker").path("Actor").path("Attributes")
                    .path("name").asText()).containsExactly("ok", "after");
            // The letter written at last is said in Wazuh.
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.deadLetterNotices().size() == 1);
            assertThat(broker.readAll(topic + "-dlq")).isNotEmpty().allSatisfy(letter -> assertThat(
                    HeaderNames.read(letter.headers(), HeaderNames.SOURCE_OFFSET)).isEqualTo("1"));

            assertThat(forwarder.terminate(Duration.ofSeconds(30))).as(forwarder.output()).isZero();
            assertThat(Arrays.stream(forwarder.output().split("\\R")).filter(l -> l.startsWith("error: ")))
                    .as(forwarder.output()).isEmpty();
        }
    }

    private static ProducerRecord<byte[], byte[]> event(String topic, String name, int n) {
        return TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent(name, 1_764_000_000_000_000_000L + n));
    }
}
