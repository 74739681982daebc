package io.dwb.bench;

import io.dwb.listener.TransactionalPublisher;
import io.dwb.schemas.EventId;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The floor under the listener's per-host figures: a process started as the listener is (its JVM flags but for its
 * class archive, its jar first on the class path) that does only what any exactly-once publisher on Kafka's Java
 * client must. {@link FloorBench} runs it in two modes, each until its standard input ends:
 * <ul>
 *   <li>{@code jvm}: nothing at all, the JVM alone;</li>
 *   <li>{@code producer <bootstrap> <topic>}: Kafka's transactional producer with the listener's settings
 *       ({@link TransactionalPublisher#producerConfig}), {@code initTransactions} and one event record in a
 *       transaction; then, for each line {@code flood <n>} read, {@code n} event records (a pool of
 *       {@value #POOL} made before, sent in turn) in transactions of {@value #TRANSACTION_RECORDS}, the most the
 *       listener puts in one. No engine, no parsing, no event ids to compute, no checkpoint, no metrics
 *       endpoint: what the listener adds to this is its own.</li>
 * </ul>
 * One class with no nested class: the bench copies its class file next to the listener's jar.
 */
public final class PublishFloor {
    static final int TRANSACTION_RECORDS = 5_000;
    /** Distinct records a flood cycles through. */
    private static final int POOL = 256;
    private static final String HOST_ID = "BENCH:FLOOR";

    private PublishFloor() {}

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args[0].equals("jvm")) {
            while (in.readLine() != null) {
                // the JVM alone: wait for the end of standard input
            }
            return;
        }
        Properties client = new Properties();
        client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        String topic = args[2];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                TransactionalPublisher.producerConfig(client, "bench-floor-" + ProcessHandle.current().pid()))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record(topic, 0));
            producer.commitTransaction();
            // Built once, sent again and again: the floor's CPU is Kafka's, not the making of records.
            List<ProducerRecord<byte[], byte[]>> pool = new ArrayList<>();
            for (int i = 1; i <= POOL; i++) {
                pool.add(record(topic, i));
            }
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("flood ")) {
                    publish(producer, pool, Long.parseLong(line.substring(6).trim()));
                }
            }
        }
    }

    /** Publishes {@code count} records of the pool, in turn, in transactions. */
    private static void publish(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> pool,
                                long count) {
        for (long n = 0; n < count; ) {
            producer.beginTransaction();
            for (int i = 0; i < TRANSACTION_RECORDS && n < count; i++, n++) {
                producer.send(pool.get((int) (n % pool.size())));
            }
            producer.commitTransaction();
        }
    }

    /** An event record as the listener publishes one: key, the contract's four headers, a container start. */
    private static ProducerRecord<byte[], byte[]> record(String topic, int n) {
        byte[] key = HeaderNames.utf8(HOST_ID);
        long timeNano = System.currentTimeMillis() * 1_000_000L + n;
        String actor = String.format("%064x", n);
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(HeaderNames.HOST, HeaderNames.utf8("bench-floor")));
        headers.add(new RecordHeader(HeaderNames.HOST_ID, key));
        headers.add(new RecordHeader(HeaderNames.KIND, HeaderNames.utf8(RecordKind.EVENT.header())));
        headers.add(new RecordHeader(HeaderNames.EVENT_ID, HeaderNames.utf8(
                EventId.of(HOST_ID, String.valueOf(timeNano), "container", "start", actor))));
        return new ProducerRecord<>(topic, null, timeNano / 1_000_000L, key, event(actor, timeNano), headers);
    }

    /** A container start of about 560 bytes, the size of the bench's recorded events. */
    private static byte[] event(String actor, long timeNano) {
        return ("{\"status\":\"start\",\"id\":\"" + actor + "\",\"from\":\"busybox:1.36\",\"Type\":\"container\","
                + "\"Action\":\"start\",\"Actor\":{\"ID\":\"" + actor + "\",\"Attributes\":{\"image\":"
                + "\"busybox:1.36\",\"name\":\"bench-floor\",\"com.docker.compose.project\":\"bench\","
                + "\"com.docker.compose.service\":\"floor\",\"com.docker.compose.version\":\"2.29.7\","
                + "\"org.opencontainers.image.source\":\"https://example.invalid/bench/floor\"}},"
                + "\"scope\":\"local\",\"time\":" + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
