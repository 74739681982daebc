package io.dwb.bench;

import io.dwb.listener.TransactionalPublisher;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * How long the bench's broker takes to commit a listener's transactions, apart from the engine and the listener's own
 * work: transactions of one event record and one checkpoint record, with the listener's producer settings
 * ({@link TransactionalPublisher#producerConfig}), each flushed (its records acknowledged) then committed (EndTxn):
 * the two steps of {@code TransactionalPublisher.commit}, which does not flush but waits for the same. Back to back,
 * as while events keep coming (the next transaction begins as the last one committed, when its markers may still be
 * being written), and {@link #SPACED_MILLIS} apart, as at 30 events/s. The broker's
 * {@code add.partitions.to.txn.retry.backoff.ms} shows in the first (docs/deployment.md, "Broker settings").
 */
final class TransactionTurnaround {
    static final int TRANSACTIONS = 300;
    static final long SPACED_MILLIS = 30;
    /** Transactions before the measured ones: connections, metadata, the compiler. */
    private static final int WARM_UP = 50;

    /** Quantiles of the two steps, in milliseconds. */
    record Steps(double[] acknowledged, double[] ended) {
        /** "acknowledged p50 1.2, p90 3.4, p99 5.6 ms; ended p50 ..." */
        String text() {
            return "records acknowledged " + quantiles(acknowledged) + "; ended " + quantiles(ended);
        }

        private static String quantiles(double[] sortedMillis) {
            int n = sortedMillis.length;
            return String.format(Locale.ROOT, "p50 %.1f, p90 %.1f, p99 %.1f ms", sortedMillis[(n - 1) / 2],
                    sortedMillis[(int) Math.ceil(n * 0.9) - 1], sortedMillis[(int) Math.ceil(n * 0.99) - 1]);
        }
    }

    private TransactionTurnaround() {}

    /** Transactions on {@code eventsTopic} and {@code checkpointsTopic}, {@code gapMillis} apart. */
    static Steps measure(String bootstrap, String eventsTopic, String checkpointsTopic, long gapMillis)
            throws InterruptedException {
        Properties client = new Properties();
        client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        byte[] event = new EventShapes(1, 1_800_000_000_000_000_000L, 1_000_000L).event(0); // a realistic event
        byte[] key = "BENCH:TURNAROUND".getBytes(StandardCharsets.UTF_8);
        double[] acknowledged = new double[TRANSACTIONS];
        double[] ended = new double[TRANSACTIONS];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(TransactionalPublisher.producerConfig(client,
                "bench-turnaround-" + UUID.randomUUID()))) {
            producer.initTransactions();
            for (int i = -WARM_UP; i < TRANSACTIONS; i++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(eventsTopic, key, event));
                producer.send(new ProducerRecord<>(checkpointsTopic, key, key));
                long start = System.nanoTime();
                producer.flush();
                long flushed = System.nanoTime();
                producer.commitTransaction();
                long committed = System.nanoTime();
                if (i >= 0) {
                    acknowledged[i] = (flushed - start) / 1e6;
                    ended[i] = (committed - flushed) / 1e6;
                }
                if (gapMillis > 0) {
                    Thread.sleep(gapMillis);
                }
            }
        }
        Arrays.sort(acknowledged);
        Arrays.sort(ended);
        return new Steps(acknowledged, ended);
    }
}
