package io.dwb.bench;

import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The bench's own Kafka clients: a fast pre-filling producer, the raw producer baseline, a committed-event counter. */
public final class Kafka {
    private Kafka() {}

    /**
     * Has the broker's transaction coordinator ready, as on a cluster that has served transactions before: the first
     * {@code initTransactions} a broker sees creates its transaction state topic, seconds that a start measured on a
     * fresh broker would otherwise include.
     */
    public static void warmTransactions(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-warm-up");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
        }
    }

    /**
     * Sends {@code count} records and waits for every acknowledgement; returns the nanoseconds from the first send
     * to the last acknowledgement.
     *
     * @param linger the producer's linger.ms: the listener's 5 for the baseline, more for pre-filling
     */
    public static long produce(String bootstrap, int count, java.util.function.IntFunction<ProducerRecord<byte[], byte[]>>
            records, int linger, int batchBytes) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(linger));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(batchBytes));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64 * 1024 * 1024));
        AtomicLong failures = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.partitionsFor(records.apply(0).topic()); // metadata before the clock starts
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                producer.send(records.apply(i), (m, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                    }
                });
            }
            producer.flush();
            long elapsed = System.nanoTime() - start;
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " records were not acknowledged");
            }
            return elapsed;
        }
    }

    /**
     * Counts the engine-event records (header kind=event) a read_committed consumer sees on partition 0 of
     * {@code topic}, on its own thread, and remembers when the count reached {@code target}; each such record also
     * goes to {@code observer} (on that thread) the moment the consumer gets it.
     */
    public static final class CommittedEventCounter implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private final long target;
        private volatile long count;
        private volatile long targetNanos;
        private volatile boolean running = true;

        private final java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> observer;

        public CommittedEventCounter(String bootstrap, String topic, long target) {
            this(bootstrap, topic, target, r -> { });
        }

        public CommittedEventCounter(String bootstrap, String topic, long target,
                                     java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> observer) {
            this.observer = observer;
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20"); // see a commit within 20 ms
            this.consumer = new KafkaConsumer<>(p);
            this.target = target;
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            thread = new Thread(this::run, "committed-event-counter");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        Header kind = r.headers().lastHeader("kind");
                        if (kind != null && kind.value().length == 5 && kind.value()[0] == 'e') {
                            observer.accept(r);
                            long n = count + 1;
                            count = n;
                            if (n == target) {
                                targetNanos = System.nanoTime();
                            }
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(2));
            }
        }

        public long count() {
            return count;
        }

        /** System.nanoTime() at which the target count was seen; throws with the count when not in time. */
        public long awaitTarget(Duration timeout, java.util.function.BooleanSupplier alive) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (targetNanos == 0) {
                if (System.nanoTime() > deadline || !alive.getAsBoolean()) {
                    throw new IllegalStateException("only " + count + " of " + target + " events were committed"
                            + (alive.getAsBoolean() ? " within " + timeout.toSeconds() + " s" : " (the listener died)"));
                }
                Thread.sleep(5);
            }
            return targetNanos;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(5_000);
        }
    }

    /**
     * An events topic's settings as the listener creates its own (TopicSpec, the one source: the default retention
     * and the decompressed-record bound, without which each listener start warns).
     */
    public static Map<String, String> eventsTopic() {
        return TopicSpec.events("bench", 1, DurationArgument.parse(TopicSpec.DEFAULT_EVENTS_RETENTION), 0).configs();
    }

    /** A checkpoint topic's settings as the listener creates its own (TopicSpec: compacted, bounded). */
    public static Map<String, String> checkpointsTopic() {
        return TopicSpec.checkpoints("bench", 1).configs();
    }
}
