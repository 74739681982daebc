package io.dwb.forwarder;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link WrittenEnds} read once a second on a thread of its own, by a read_uncommitted consumer of no group (a
 * ListOffsets request to each leader), so that a slow or hung broker never holds up delivery. A reading older than
 * {@link #FRESH_NANOS} (the brokers not answering) says nothing.
 */
final class WrittenEndWatch implements WrittenEnds, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WrittenEndWatch.class);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** A reading is judged by for three intervals: a broker slower than that leaves its partitions not live. */
    static final long FRESH_NANOS = 3 * INTERVAL.toNanos();

    /** One reading: the written ends of the partitions asked for, and when it was asked (monotonic). */
    private record Reading(Map<TopicPartition, Long> ends, long askedAtNanos) {}

    private final Consumer<byte[], byte[]> consumer;
    private final LongSupplier clock;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Set<TopicPartition> watched = Set.of();
    private volatile Reading last = new Reading(Map.of(), Long.MIN_VALUE);

    private WrittenEndWatch(Consumer<byte[], byte[]> consumer, LongSupplier clock) {
        this.consumer = consumer;
        this.clock = clock;
        this.thread = new Thread(this::run, "written-ends");
        thread.setDaemon(true);
    }

    /**
     * Starts the watch with the delivery consumer's properties, as a read_uncommitted consumer of no group (its
     * {@code client.id} suffixed {@code -written-ends}).
     */
    static WrittenEndWatch start(Properties deliveryConsumer, LongSupplier clock) {
        Properties p = new Properties();
        p.putAll(deliveryConsumer);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, p.getProperty(ConsumerConfig.CLIENT_ID_CONFIG, "dwb-forwarder")
                + "-written-ends");
        return start(new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer()), clock);
    }

    static WrittenEndWatch start(Consumer<byte[], byte[]> consumer, LongSupplier clock) {
        WrittenEndWatch watch = new WrittenEndWatch(consumer, clock);
        watch.thread.start();
        return watch;
    }

    @Override
    public void watch(Set<TopicPartition> partitions) {
        watched = Set.copyOf(partitions);
    }

    @Override
    public OptionalLong of(TopicPartition partition) {
        Reading r = last;
        Long end = r.ends().get(partition);
        return end == null || clock.getAsLong() - r.askedAtNanos() > FRESH_NANOS ? OptionalLong.empty()
                : OptionalLong.of(end);
    }

    private void run() {
        boolean failing = false;
        try {
            do {
                Set<TopicPartition> partitions = watched;
                if (partitions.isEmpty()) {
                    continue;
                }
                long askedAt = clock.getAsLong();
                try {
                    last = new Reading(Map.copyOf(consumer.endOffsets(partitions, INTERVAL.multipliedBy(2))),
                            askedAt);
                    if (failing) {
                        log.info("the partitions' written ends are read again");
                        failing = false;
                    }
                } catch (WakeupException e) {
                    return; // closing
                } catch (KafkaException e) {
                    // Not live meanwhile: silent-host detection waits for records, as it does in an outage.
                    if (!failing) {
                        log.warn("the partitions' written ends cannot be read ({}): a quiet partition's hosts are "
                                + "judged by their records alone until they are", e.getMessage());
                        failing = true;
                    }
                }
            } while (!stop.await(INTERVAL.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop.countDown();
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ZERO);
    }
}
