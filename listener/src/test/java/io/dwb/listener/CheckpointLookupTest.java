package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.Checkpoint;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicRole;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.SharedKafka.Broker;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * With many hosts' checkpoints on the topic, a listener finds its own by reading only its host's partition, from the
 * end, in ranges that double after each miss (CheckpointLookupStepsTest counts them on a partition of millions of
 * offsets).
 */
@ExtendWith(SharedKafka.class)
class CheckpointLookupTest {
    /** The listener the lookups are for, in their consumers' client ids. */
    private static final String OWNER = HostIdentity.fromHostName("lookup-test").transactionalId();

    /** The checkpoint topic as the listener creates it with its default options. */
    private static String createCheckpointTopic(Broker broker) {
        String topic = Broker.uniqueTopic("checkpoints");
        ListenerCommand command = new ListenerCommand();
        new CommandLine(command).parseArgs("--topic", Broker.uniqueTopic("events"), "--checkpoint-topic", topic);
        try (Admin admin = broker.admin()) {
            new TopicProvisioner(admin, broker.bootstrapServers(), Duration.ofSeconds(30))
                    .ensure(command.settings().topics().only(TopicRole.CHECKPOINTS));
        }
        return topic;
    }

    private static Properties client(Broker broker) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        return p;
    }

    private static Checkpoint checkpoint(int i) {
        // A real event id (32 hexadecimal digits): the store reports anything else as unreadable.
        return new Checkpoint(1_700_000_000_000_000_000L + i, String.format("%032x", i));
    }

    private static Future<RecordMetadata> write(KafkaProducer<byte[], byte[]> producer, String topic, String host,
                                                Checkpoint checkpoint) {
        return producer.send(new TopicRecords(HostIdentity.fromHostName(host), "unused", topic)
                .checkpoint(checkpoint));
    }

    private static int partitionOf(String host, int partitions) {
        byte[] key = HostIdentity.fromHostName(host).id().getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    @Test
    void aListenerFindsItsCheckpointAmongManyHostsReadingOnlyItsPartition(Broker broker) throws Exception {
        String topic = createCheckpointTopic(broker);
        int hosts = 600;
        List<Future<RecordMetadata>> others = new ArrayList<>();
        Future<RecordMetadata> mine;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            write(producer, topic, "me", checkpoint(1));
            mine = write(producer, topic, "me", checkpoint(2));
            for (int round = 0; round < 2; round++) {
                for (int h = 0; h < hosts; h++) {
                    others.add(write(producer, topic, "host-" + h, checkpoint(10 + round)));
                }
            }
        }
        int myPartition = mine.get().partition();
        long inMyPartition = 2;
        for (Future<RecordMetadata> f : others) {
            inMyPartition += f.get().partition() == myPartition ? 1 : 0;
        }

        CheckpointStore.Lookup lookup = new CheckpointStore(client(broker), topic, OWNER)
                .lookup(HostIdentity.fromHostName("me").id());

        assertThat(lookup.checkpoint()).contains(checkpoint(2));
        assertThat(lookup.partition().partition()).as("the partition the producer chose for the host's key")
                .isEqualTo(myPartition);
        assertThat(lookup.recordsRead()).as("records of its partition only, of " + (2 + others.size()) + " in all")
                .isEqualTo(inMyPartition)
                .isLessThan((2 + others.size()) / 4);
    }

    @Test
    void theLookupReadsBackwardsInStepsAndStopsAtTheHostsNewestCheckpoint(Broker broker) throws Exception {
        String topic = createCheckpointTopic(broker);
        int partitions = 12;
        int target = partitionOf("me", partitions);
        List<String> neighbours = new ArrayList<>(); // hosts whose checkpoints share my partition
        for (int h = 0; neighbours.size() < 1_250; h++) {
            if (partitionOf("host-" + h, partitions) == target) {
                neighbours.add("host-" + h);
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            // The host's checkpoint at offset 900 of 1,251 (no transaction: no markers), 350 records before the end.
            for (String host : neighbours.subList(0, 900)) {
                write(producer, topic, host, checkpoint(0));
            }
            write(producer, topic, "me", checkpoint(7)).get();
            for (String host : neighbours.subList(900, 1_250)) {
                write(producer, topic, host, checkpoint(8));
            }
        }
        CheckpointStore store = new CheckpointStore(client(broker), topic, OWNER, 100, Duration.ofSeconds(30));

        CheckpointStore.Lookup mine = store.lookup(HostIdentity.fromHostName("me").id());
        assertThat(mine.checkpoint()).contains(checkpoint(7));
        assertThat(mine.recordsRead()).as("offsets 1,151 to 1,250, then 951 to 1,150, then 551 to 950 (a miss doubles "
                + "the next range; fixed steps of 100 read 400), not the 1,251 of the partition").isEqualTo(700);

        String stranger = "stranger";
        for (int i = 0; partitionOf(stranger, partitions) != target; i++) {
            stranger = "stranger-" + i;
        }
        CheckpointStore.Lookup none = store.lookup(HostIdentity.fromHostName(stranger).id());
        assertThat(none.checkpoint()).as("a first start").isEmpty();
        assertThat(none.recordsRead()).as("the bound: its whole partition, no more").isEqualTo(1_251);
    }

    /**
     * The recent window comes back with the checkpoint. One this listener cannot use (ids not of its form: a newer
     * listener's, a host rolled back) leaves the position alone, and fields it does not know are left out: before,
     * either made the whole checkpoint unreadable, a {@code checkpoint-unreadable} gap at each host rolled back.
     */
    @Test
    void theRecentEventsComeBackWithTheCheckpointAndWhatANewerListenerWroteLeavesItsPosition(Broker broker)
            throws Exception {
        String topic = createCheckpointTopic(broker);
        Checkpoint full = new Checkpoint(checkpoint(1).timeNano(), checkpoint(1).eventId(),
                new Checkpoint.Recent(checkpoint(0).timeNano(), checkpoint(1).timeNano(),
                        List.of("0000000000000001")));
        Checkpoint wrongIds = new Checkpoint(checkpoint(2).timeNano(), checkpoint(2).eventId(),
                new Checkpoint.Recent(checkpoint(0).timeNano(), checkpoint(2).timeNano(),
                        List.of(checkpoint(2).eventId())));
        String newer = "{\"timeNano\":" + checkpoint(3).timeNano() + ",\"eventId\":\"" + checkpoint(3).eventId()
                + "\",\"recent\":{\"fromNano\":" + checkpoint(0).timeNano() + ",\"latestNano\":"
                + checkpoint(3).timeNano() + ",\"ids\":[\"0000000000000002\"],\"sources\":[1]},\"v\":2}";
        // A window of another shape: a list of windows, ids by source; before, the whole checkpoint was unreadable.
        String reshaped = "{\"timeNano\":" + checkpoint(4).timeNano() + ",\"eventId\":\"" + checkpoint(4).eventId()
                + "\",\"recent\":[{\"fromNano\":1}]}";
        String idsBySource = "{\"timeNano\":" + checkpoint(5).timeNano() + ",\"eventId\":\""
                + checkpoint(5).eventId() + "\",\"recent\":{\"fromNano\":1,\"latestNano\":2,\"ids\":{\"local\":[]}}}";
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            write(producer, topic, "full", full).get();
            write(producer, topic, "wrong", wrongIds).get();
            for (Map.Entry<String, String> raw : Map.of("newer", newer, "reshaped", reshaped,
                    "ids-by-source", idsBySource).entrySet()) {
                var asWritten = new TopicRecords(HostIdentity.fromHostName(raw.getKey()), "unused", topic)
                        .checkpoint(checkpoint(3));
                producer.send(new ProducerRecord<>(topic, asWritten.partition(), asWritten.key(),
                        raw.getValue().getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        try (CheckpointStore store = new CheckpointStore(client(broker), topic, OWNER)) {
            assertThat(store.read(HostIdentity.fromHostName("full").id()).readable()).contains(full);
            assertThat(store.read(HostIdentity.fromHostName("wrong").id()).readable())
                    .contains(wrongIds.position());
            assertThat(store.read(HostIdentity.fromHostName("newer").id()).readable()).contains(new Checkpoint(
                    checkpoint(3).timeNano(), checkpoint(3).eventId(), new Checkpoint.Recent(
                            checkpoint(0).timeNano(), checkpoint(3).timeNano(), List.of("0000000000000002"))));
            assertThat(store.read(HostIdentity.fromHostName("reshaped").id()).readable())
                    .contains(checkpoint(4).position());
            assertThat(store.read(HostIdentity.fromHostName("ids-by-source").id()).readable())
                    .contains(checkpoint(5).position());
        }
    }

    /**
     * The lookup reads up to an end it knows, so it never waits for records to come: not even when the client
     * configuration (a --kafka-config shared with a forwarder, say) makes the broker hold a fetch for long. The
     * consumer's close waited for the fetch its last poll had sent ahead, held by the broker for fetch.max.wait.ms
     * (500 ms by default: half a second of every restart that had a checkpoint).
     */
    @Test
    void aLookupDoesNotWaitForRecordsThatAreNotComingWhateverTheClientsFetchWait(Broker broker) throws Exception {
        String topic = createCheckpointTopic(broker);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            write(producer, topic, "me", checkpoint(3)).get();
        }
        Properties client = client(broker);
        client.put("fetch.max.wait.ms", "20000");

        long started = System.nanoTime();
        CheckpointStore.Lookup lookup = new CheckpointStore(client, topic, OWNER)
                .lookup(HostIdentity.fromHostName("me").id());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(lookup.checkpoint()).contains(checkpoint(3));
        assertThat(took).as("not held for the 20 s fetch wait").isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aConsumerBuiltAheadIsTheOneTheLookupReadsWithAndOneNeverUsedIsClosed(Broker broker) throws Exception {
        String topic = createCheckpointTopic(broker);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            write(producer, topic, "me", checkpoint(5)).get();
        }
        int before = consumers();
        try (CheckpointStore store = new CheckpointStore(client(broker), topic, OWNER)) {
            store.prepare();
            assertThat(consumers()).as("built ahead: the reader and the one for the written end").isEqualTo(before + 2);
            assertThat(store.read(HostIdentity.fromHostName("me").id()).readable()).contains(checkpoint(5));
            assertThat(consumers()).as("the lookup read with them and closed them").isEqualTo(before);
            store.prepare();
            assertThat(consumers()).isEqualTo(before + 2);
        }
        assertThat(consumers()).as("one never used is closed with the store").isEqualTo(before);
    }

    /**
     * Another host's transaction open on the checkpoint partition (a listener killed between sending its checkpoint
     * and committing: open until it times out) held the partition's last stable offset back, and this host's newer
     * checkpoint, committed after that transaction began, lay beyond it: the lookup returned the older one (a resume
     * that publishes again what was published) or none (a first start from now: the events in between lost, no
     * gap). It waits until what was written when it looked is decided.
     */
    @Test
    void aLookupWaitsForAnotherHostsOpenTransactionOnThePartitionAndFindsTheNewestCheckpoint(Broker broker)
            throws Exception {
        String topic = createCheckpointTopic(broker);
        String neighbour = neighbourOf("me");
        ExecutorService lookups = Executors.newSingleThreadExecutor();
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             KafkaProducer<byte[], byte[]> killed = transactional(broker)) {
            write(producer, topic, "me", checkpoint(1)).get();
            killed.beginTransaction();
            write(killed, topic, neighbour, checkpoint(9)).get(); // written, never committed
            write(producer, topic, "me", checkpoint(2)).get(); // this host's newest, beyond the stable end

            Future<CheckpointStore.Lookup> lookup = lookups.submit(() -> new CheckpointStore(client(broker), topic,
                    OWNER).lookup(HostIdentity.fromHostName("me").id()));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> !lookup.isDone());
            killed.abortTransaction(); // as the broker does once it times out

            assertThat(lookup.get(30, TimeUnit.SECONDS).checkpoint()).contains(checkpoint(2));
        } finally {
            lookups.shutdownNow();
        }
    }

    /**
     * A transaction left open longer than the lookup waits: the lookup fails as Kafka unavailable, saying where (the
     * listener logs it and tries again with backoff); it never resumes from what it can see.
     */
    @Test
    void aTransactionOpenLongerThanTheLookupWaitsIsKafkaUnavailableNotAnOlderCheckpoint(Broker broker)
            throws Exception {
        String topic = createCheckpointTopic(broker);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             KafkaProducer<byte[], byte[]> killed = transactional(broker)) {
            write(producer, topic, "me", checkpoint(1)).get();
            killed.beginTransaction();
            write(killed, topic, neighbourOf("me"), checkpoint(9)).get();
            write(producer, topic, "me", checkpoint(2)).get();

            CheckpointStore store = new CheckpointStore(client(broker), topic, OWNER, CheckpointStore.STEP,
                    Duration.ofSeconds(2));
            assertThatThrownBy(() -> store.lookup(HostIdentity.fromHostName("me").id()))
                    .isInstanceOf(TransactionalPublisher.KafkaUnavailable.class)
                    .hasMessageContaining("a transaction of another producer has been open on " + topic + "-")
                    .hasMessageContaining("for over 2 s");
            killed.commitTransaction();
            assertThat(store.lookup(HostIdentity.fromHostName("me").id()).checkpoint()).contains(checkpoint(2));
        }
    }

    /**
     * A transaction kept open on the partition (a writer of the topic that does, as any principal allowed to write
     * it can) holds the lookups for {@link CheckpointStore#HELD_WAITS} waits running at most, then one resumes from the
     * host's newest checkpoint below it, with a WARN. Before, every listener of the partition that started or rebuilt
     * its producer captured nothing for as long as the writer went on.
     */
    @Test
    void aPartitionHeldByATransactionKeptOpenIsResumedFromBelowItAfterTenWaits(Broker broker) throws Exception {
        String topic = createCheckpointTopic(broker);
        long[] now = {0};
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             KafkaProducer<byte[], byte[]> holder = transactional(broker);
             LogLines warnings = LogLines.of(CheckpointStore.class).attach()) {
            write(producer, topic, "me", checkpoint(1)).get();
            holder.beginTransaction();
            write(holder, topic, neighbourOf("me"), checkpoint(9)).get();
            write(producer, topic, "me", checkpoint(2)).get();

            // Each look at the clock a tenth of a second later: a wait of a second is some ten looks.
            CheckpointStore store = new CheckpointStore(() -> client(broker), topic, OWNER, CheckpointStore.STEP,
                    Duration.ofSeconds(1), null, () -> now[0] += 100_000_000L);
            int refused = 0;
            Optional<Checkpoint> found = Optional.empty();
            while (found.isEmpty() && refused <= CheckpointStore.HELD_WAITS) {
                try {
                    found = store.lookup(HostIdentity.fromHostName("me").id()).checkpoint();
                } catch (TransactionalPublisher.KafkaUnavailable e) {
                    refused++;
                }
            }
            // Refused at first, as before (a listener's own transaction ends within a wait or two); the clock's other
            // looks in a lookup make the count of refusals fewer than the waits.
            assertThat(refused).isBetween(2, CheckpointStore.HELD_WAITS);
            assertThat(found).as("the newest below the open transaction").contains(checkpoint(1));
            assertThat(warnings.messages("has been held by transactions left open")).singleElement().asString()
                    .contains("resuming from this host's newest checkpoint below them");
            assertThatThrownBy(() -> store.lookup(HostIdentity.fromHostName("me").id())).as("the next waits again")
                    .isInstanceOf(TransactionalPublisher.KafkaUnavailable.class);
            holder.abortTransaction();
        }
    }

    /** A host whose checkpoints share {@code host}'s partition of 12. */
    private static String neighbourOf(String host) {
        int target = partitionOf(host, 12);
        for (int h = 0; ; h++) {
            if (partitionOf("host-" + h, 12) == target) {
                return "host-" + h;
            }
        }
    }

    /** A transactional producer, its transactions initialised: another host's listener. */
    private static KafkaProducer<byte[], byte[]> transactional(Broker broker) {
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "killed-" + UUID.randomUUID()),
                new ByteArraySerializer(), new ByteArraySerializer());
        p.initTransactions();
        return p;
    }

    /** Kafka consumers open in this JVM: each registers its app-info MBean until it is closed. */
    private static int consumers() throws Exception {
        return ManagementFactory.getPlatformMBeanServer()
                .queryNames(new ObjectName("kafka.consumer:type=app-info,id=*"), null).size();
    }
}
