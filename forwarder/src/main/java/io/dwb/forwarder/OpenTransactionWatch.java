package io.dwb.forwarder;

import io.dwb.runtime.TopicProvisioner;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link OpenTransactions} looked at once a second on a thread of its own, so that a slow or hung broker never holds
 * up delivery: each partition's written end (its high watermark) against its stable end, two ListOffsets requests to
 * each leader (an admin client of the forwarder's Kafka settings). A partition whose leader does not answer while
 * others' do is held back too: this process is cut off from that broker, so its consumer's lag for the partition is
 * the last one it read (0, perhaps) and says nothing. When no leader answers, nothing is known; a reading older than
 * {@link #FRESH_NANOS} says nothing.
 */
final class OpenTransactionWatch implements OpenTransactions, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpenTransactionWatch.class);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** How long a reading is judged by: three intervals. */
    static final long FRESH_NANOS = 3 * INTERVAL.toNanos();
    /** How long one reading may take. */
    private static final Duration TIMEOUT = INTERVAL.multipliedBy(2);

    /** One reading: the partitions found with records past their stable end, and when it was asked (monotonic). */
    private record Reading(Set<TopicPartition> heldBack, long askedAtNanos) {}

    private final Admin admin;
    private final LongSupplier clock;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Set<TopicPartition> watched = Set.of();
    private volatile Reading last = new Reading(Set.of(), Long.MIN_VALUE);

    private OpenTransactionWatch(Admin admin, LongSupplier clock) {
        this.admin = admin;
        this.clock = clock;
        this.thread = new Thread(this::run, "open-transactions");
        thread.setDaemon(true);
    }

    /** Starts the watch with the forwarder's Kafka client settings ({@code client.id} suffixed). */
    static OpenTransactionWatch start(Properties kafka, LongSupplier clock) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, p.getProperty(CommonClientConfigs.CLIENT_ID_CONFIG,
                "dwb-forwarder") + "-open-transactions");
        return start(TopicProvisioner.admin(p, TIMEOUT), clock);
    }

    /** Starts the watch asking {@code admin}, which it closes. */
    static OpenTransactionWatch start(Admin admin, LongSupplier clock) {
        OpenTransactionWatch watch = new OpenTransactionWatch(admin, clock);
        watch.thread.start();
        return watch;
    }

    @Override
    public void watch(Set<TopicPartition> partitions) {
        watched = Set.copyOf(partitions);
    }

    @Override
    public boolean holdBack(TopicPartition partition) {
        Reading r = last;
        return clock.getAsLong() - r.askedAtNanos() <= FRESH_NANOS && r.heldBack().contains(partition);
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
                    last = new Reading(read(partitions), askedAt);
                    if (failing) {
                        log.info("the partitions' open transactions are looked at again");
                        failing = false;
                    }
                } catch (ExecutionException e) {
                    if (!failing) {
                        log.warn("the partitions' written and stable ends cannot be read ({}): until they are, "
                                + "the lag alone says whether a quiet partition's records are all read, and a "
                                + "transaction left open can make its hosts look silent", e.getMessage());
                        failing = true;
                    }
                }
            } while (!stop.await(INTERVAL.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The partitions whose written end is past their stable end, and those whose leaders did not answer in time when
     * others did (a broker this process is cut off from: before, one leader that did not answer failed the whole
     * reading, and the lag alone, 0 for a partition no longer fetched, made every host it leads look silent); fails
     * only when none answered.
     */
    private Set<TopicPartition> read(Set<TopicPartition> partitions) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        ListOffsetsResult written = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED));
        ListOffsetsResult stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED));
        long deadline = clock.getAsLong() + TIMEOUT.toNanos();
        Set<TopicPartition> heldBack = new HashSet<>();
        Exception unanswered = null;
        int answered = 0;
        for (TopicPartition tp : partitions) {
            try {
                long w = written.partitionResult(tp).get(left(deadline), TimeUnit.NANOSECONDS).offset();
                long s = stable.partitionResult(tp).get(left(deadline), TimeUnit.NANOSECONDS).offset();
                answered++;
                if (w > s) {
                    heldBack.add(tp);
                }
            } catch (ExecutionException | TimeoutException e) {
                unanswered = e;
                heldBack.add(tp); // its leader did not answer
            }
        }
        if (answered == 0) {
            throw new ExecutionException(unanswered.getMessage(), unanswered);
        }
        return Set.copyOf(heldBack);
    }

    private long left(long deadline) {
        return Math.max(0, deadline - clock.getAsLong());
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join(TIMEOUT.multipliedBy(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ZERO); // thread-safe: a reading still waiting fails at once
    }
}
