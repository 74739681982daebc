package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.EventId;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog of ordinary events in many partitions (after a Wazuh outage, or on the survivor of a scale-in), held by a
 * paced forwarder started as {@code bin/forwarder} starts it (a fixed 72 MB heap). The consumer reads a broker's
 * fetch response into one buffer and keeps it until every partition's part of it is polled, out of {@link
 * PollBudget}'s sight: with Kafka's defaults (50 MiB a response, 1 MiB a partition) 48 partitions of a megabyte and a
 * half each, lz4 as a listener may write them, made one response of 48 MiB, and the forwarder exited on
 * OutOfMemoryError about 3 s after its start, before its first datagram (so did it uncompressed, with zstd, and with
 * 32 partitions; with 24, after 31 datagrams), at the same offsets after each restart. {@code fetch.max.bytes} is
 * now a quarter of {@code --max-pending-bytes}.
 */
@ExtendWith(SharedKafka.class)
class FetchMemoryTest {
    private static final int PARTITIONS = 48;
    /** Compressed bytes per partition on the broker: more than one fetch of Kafka's default 1 MiB a partition. */
    private static final long WIRE_BYTES_PER_PARTITION = 1_200_000L;
    /** How much lz4 shrinks these events (measured: 1,130 bytes a record become about 570 on the broker). */
    private static final double LZ4_RATIO = 2.0;

    @TempDir
    Path dir;

    @Test
    void aPacedForwarderHoldingABacklogInManyPartitionsStaysWithinTheLaunchersHeap(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "fetch-memory", PARTITIONS);
        produce(broker, topic);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, JavaProcess.launcherFlags("forwarder"),
                     JavaProcess.launcherEnv(), List.of("--bootstrap-servers", broker.bootstrapServers(),
                             "--topic", topic, "--group", "g-" + topic, "--dlq-topic", topic + "-dlq",
                             "--wazuh-queue", receiver.path().toString(), "--eps", "50"))) {
            // 8 s of pacing: fetching pauses and resumes many times while the backlog is held.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> receiver.count() >= 400 || !forwarder.isAlive());
            assertThat(forwarder.isAlive()).as("the forwarder is running; its output:%n%s", forwarder.outputTail(4_000))
                    .isTrue();
            assertThat(forwarder.output()).doesNotContain("java.lang.OutOfMemoryError");
            System.out.printf("%d partitions of a backlog, paced at 50/s: %d datagrams, peak RSS %,d kB%n",
                    PARTITIONS, receiver.count(), peakRssKb(forwarder.pid()));
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void theConsumersFetchesAreBoundedByTheMemoryBoundUnlessTheKafkaConfigSaysOtherwise() throws Exception {
        Properties defaults = Forwarder.consumerProperties(ForwarderRun.settings());
        assertThat(defaults).containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(4 * 1024 * 1024))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(64 * 1024));
        Properties small = Forwarder.consumerProperties(ForwarderRun.settings("--max-pending-bytes", "4194304"));
        assertThat(small).containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(1024 * 1024))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024));
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "fetch.max.bytes=52428800\nmax.partition.fetch.bytes=2097152\n");
        Properties given = Forwarder.consumerProperties(ForwarderRun.settings("--kafka-config", file.toString()));
        assertThat(given).containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, "52428800")
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "2097152");
    }

    /**
     * Container events of ~1 KB, as an engine writes them, with random ids and label values (so that they compress
     * about as real ones do), round-robin over the partitions, each partition one host's.
     */
    private static void produce(SharedKafka.Broker broker, String topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(128 * 1024 * 1024));
        // Not idempotent: the first sends to 48 partitions just created wedged the idempotent producer on
        // OUT_OF_ORDER_SEQUENCE_NUMBER for two minutes (see TestRecords.topic); order and duplicates do not matter
        // here.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        SplittableRandom random = new SplittableRandom(1);
        HexFormat hex = HexFormat.of();
        long t0 = System.currentTimeMillis() * 1_000_000L;
        long perPartition = (long) (WIRE_BYTES_PER_PARTITION * LZ4_RATIO);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            long[] written = new long[PARTITIONS];
            for (long n = 0; written[PARTITIONS - 1] < perPartition; n++) {
                int partition = (int) (n % PARTITIONS);
                String cid = hex.formatHex(randomBytes(random, 32));
                long timeNano = t0 + n;
                StringBuilder labels = new StringBuilder();
                for (int l = 0; l < 8; l++) {
                    labels.append(",\"com.example.label-").append(l).append("\":\"")
                            .append(hex.formatHex(randomBytes(random, 24))).append('"');
                }
                String image = "registry.example.com/team/app:1." + random.nextInt(100);
                String hostId = "HOST-" + partition;
                byte[] value = ("{\"status\":\"start\",\"id\":\"" + cid + "\",\"from\":\"" + image
                        + "\",\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" + cid
                        + "\",\"Attributes\":{\"image\":\"" + image + "\",\"name\":\"app-" + random.nextInt(1_000_000)
                        + "\"" + labels + "}},\"scope\":\"local\",\"time\":" + timeNano / 1_000_000_000L
                        + ",\"timeNano\":" + timeNano + "}").getBytes(StandardCharsets.UTF_8);
                RecordHeaders headers = new RecordHeaders();
                headers.add(HeaderNames.HOST, HeaderNames.utf8("host-" + partition));
                headers.add(HeaderNames.HOST_ID, HeaderNames.utf8(hostId));
                headers.add(HeaderNames.EVENT_ID, HeaderNames.utf8(
                        EventId.of(hostId, String.valueOf(timeNano), "container", "start", cid)));
                headers.add(HeaderNames.KIND, HeaderNames.utf8("event"));
                producer.send(new ProducerRecord<>(topic, partition, timeNano / 1_000_000L, HeaderNames.utf8(hostId),
                        value, headers));
                written[partition] += value.length + 150; // the headers, the key, the record's own fields
            }
            producer.flush();
        }
    }

    private static byte[] randomBytes(SplittableRandom random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /** VmHWM: the most resident memory the process had at any time. */
    private static long peakRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmHWM in /proc/" + pid + "/status");
    }
}
