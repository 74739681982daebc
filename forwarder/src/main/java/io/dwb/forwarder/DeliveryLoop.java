package io.dwb.forwarder;

import io.dwb.runtime.Backoff;
import io.dwb.runtime.Impairment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's thread: polls, hands records to the {@link AlertPipeline} in partition order, and commits an
 * offset only once every record before it is delivered (or dead-lettered). When the Wazuh queue or the dead-letter
 * topic cannot take a record, every partition is paused (poll goes on, so the group keeps this member), the record
 * is retried with capped backoff, and the fetched records stay in memory; nothing is skipped, nothing committed
 * past it. A partition with too many records waiting (pacing) is paused the same way, so memory stays bounded.
 */
public final class DeliveryLoop {
    private static final Logger log = LoggerFactory.getLogger(DeliveryLoop.class);
    private static final long MAX_POLL_WAIT_NANOS = 200_000_000L;
    private static final long DELIVER_SLICE_NANOS = 200_000_000L;
    private static final int PER_PARTITION_TURN = 64;

    private final Consumer<byte[], byte[]> consumer;
    private final AlertPipeline pipeline;
    private final ForwarderMetrics metrics;
    private final String topic;
    private final ReplayWindow replay;
    private final LiveStart liveStart;
    private final long commitIntervalNanos;
    private final int maxPending;
    private final Backoff backoff;
    /** No connection to any broker (the consumer's connection-count): sampled on this thread, read by /healthz. */
    private final Impairment kafkaUnreachable;
    /** Wazuh or the dead-letter topic refusing: delivery paused. */
    private final Impairment blocked;

    private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> pending = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> delivered = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final List<AlertPipeline.Prepared> burst = new ArrayList<>(PER_PARTITION_TURN);
    private volatile boolean running = true;
    private volatile long lastPollNanos = System.nanoTime();
    private String blockedReason;
    private long blockedSince;
    private long retryAt;
    private long waitHintNanos;
    private long lastCommitNanos = System.nanoTime();
    private long lastLagNanos;

    /**
     * @param replay    null for live delivery in the consumer group
     * @param liveStart where partitions without a committed offset start (live delivery only)
     */
    DeliveryLoop(Consumer<byte[], byte[]> consumer, AlertPipeline pipeline, ForwarderMetrics metrics,
                 String topic, ReplayWindow replay, LiveStart liveStart, Duration commitInterval, int maxPending,
                 Duration retryMaxDelay, Duration unhealthyAfter) {
        this.consumer = consumer;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.topic = topic;
        this.replay = replay;
        this.liveStart = liveStart;
        this.commitIntervalNanos = commitInterval.toNanos();
        this.maxPending = maxPending;
        this.backoff = new Backoff(DeliveryOptions.FIRST_RETRY_DELAY, retryMaxDelay);
        this.kafkaUnreachable = new Impairment(unhealthyAfter);
        this.blocked = new Impairment(unhealthyAfter);
    }

    /** Runs until {@link #stop()} (live) or until the replay window is delivered. */
    public void run() {
        try {
            if (replay == null) {
                consumer.subscribe(List.of(topic), new Rebalance());
            } else {
                replay.start(consumer);
            }
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofNanos(pollWaitNanos()));
                lastPollNanos = System.nanoTime();
                accept(records);
                deliver();
                adjustPauses();
                if (replay == null) {
                    commit(false);
                } else if (pendingCount() == 0 && replay.allExhausted(consumer)) {
                    log.info("replay done: window delivered");
                    return;
                }
                updateLag();
                blocked.observe(blockedReason != null, System.nanoTime());
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            if (replay == null) {
                finalCommit();
            }
        }
    }

    /** Thread-safe: makes {@link #run()} commit what was delivered and return. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    /**
     * For /healthz: the loop polled recently (it polls at least every 200 ms, paused or not), and neither Kafka has
     * been unreachable nor delivery paused (Wazuh or the dead-letter topic refusing) for longer than the bound.
     */
    public boolean healthy() {
        long now = System.nanoTime();
        return running && now - lastPollNanos < Duration.ofSeconds(30).toNanos()
                && !kafkaUnreachable.exceeded(now) && !blocked.exceeded(now);
    }

    private long pollWaitNanos() {
        long now = System.nanoTime();
        if (blockedReason != null) {
            return Math.max(0, Math.min(retryAt - now, MAX_POLL_WAIT_NANOS));
        }
        if (waitHintNanos > 0) {
            return Math.min(waitHintNanos, MAX_POLL_WAIT_NANOS);
        }
        return pendingCount() > 0 ? 0 : MAX_POLL_WAIT_NANOS;
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = pending.computeIfAbsent(tp, k -> new ArrayDeque<>());
            List<ConsumerRecord<byte[], byte[]>> fetched = records.records(tp);
            metrics.consumed.inc(fetched.size());
            for (ConsumerRecord<byte[], byte[]> record : fetched) {
                if (replay == null || replay.accepts(record)) {
                    queue.add(record);
                }
            }
        }
    }

    private void deliver() {
        long now = System.nanoTime();
        waitHintNanos = 0;
        if (blockedReason != null && now < retryAt) {
            return;
        }
        AlertPipeline.Step silent = pipeline.flushStateAlerts();
        if (silent != null && !proceed(silent)) {
            return;
        }
        long deadline = now + DELIVER_SLICE_NANOS;
        boolean progress = true;
        while (progress && System.nanoTime() < deadline) {
            progress = false;
            for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> entry : pending.entrySet()) {
                ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = entry.getValue();
                long next = -1; // the partition's delivered position after this turn: one map update per turn
                long newest = Long.MIN_VALUE; // and its latest record time, the partition's progress
                try {
                    int turn = 0;
                    while (turn < PER_PARTITION_TURN && !queue.isEmpty()) {
                        prepare(queue, Math.min(PER_PARTITION_TURN - turn, pipeline.sendableNow()));
                        if (burst.isEmpty()) { // not a plain event, or the pacer says wait: one at a time
                            ConsumerRecord<byte[], byte[]> record = queue.peek();
                            if (!proceed(pipeline.handle(record))) {
                                return;
                            }
                            queue.poll();
                            next = record.offset() + 1;
                            newest = Math.max(newest, record.timestamp());
                            turn++;
                        }
                        for (AlertPipeline.Prepared prepared : burst) {
                            if (!proceed(pipeline.send(prepared))) {
                                return; // the rest of the burst is prepared again on the next turn
                            }
                            queue.poll();
                            next = prepared.record().offset() + 1;
                            newest = Math.max(newest, prepared.record().timestamp());
                            turn++;
                        }
                        progress = true;
                    }
                } finally {
                    if (next >= 0) {
                        delivered.put(entry.getKey(), next);
                        pipeline.delivered(entry.getKey().partition(), newest);
                    }
                }
            }
        }
    }

    /**
     * Formats the alerts of the plain events at the head of {@code queue} (at most {@code max}) into {@link #burst},
     * stopping at the first record that is anything else. Sent back to back, datagrams find the receiver awake; one
     * sent between two formattings wakes it each time, which cost the forwarder about twice the time per send
     * (docs/benchmarks.md).
     */
    private void prepare(ArrayDeque<ConsumerRecord<byte[], byte[]>> queue, int max) {
        burst.clear();
        for (ConsumerRecord<byte[], byte[]> record : queue) {
            if (burst.size() >= max) {
                return;
            }
            AlertPipeline.Prepared prepared = pipeline.prepare(record);
            if (prepared == null) {
                return;
            }
            burst.add(prepared);
        }
    }

    /** Applies a pipeline step to the loop's state; true when delivery may go on. */
    private boolean proceed(AlertPipeline.Step step) {
        long now = System.nanoTime();
        if (step instanceof AlertPipeline.Step.Done) {
            if (blockedReason != null) {
                log.info("resumed after {} s: delivering again", (now - blockedSince) / 1_000_000_000L);
                blockedReason = null;
                backoff.reset();
                metrics.paused.set(0);
            }
            return true;
        }
        if (step instanceof AlertPipeline.Step.Wait wait) {
            waitHintNanos = wait.nanos();
            return false;
        }
        String reason = ((AlertPipeline.Step.Blocked) step).reason();
        if (blockedReason == null) {
            log.warn("paused: {}; keeping {} records, retrying with backoff", reason, pendingCount());
            blockedSince = now;
            metrics.paused.set(1);
        } else if (!reason.equals(blockedReason)) {
            log.warn("still paused, now: {}", reason);
        }
        blockedReason = reason;
        retryAt = now + backoff.next().toNanos();
        return false;
    }

    private void adjustPauses() {
        Set<TopicPartition> assignment = consumer.assignment();
        Set<TopicPartition> want = new HashSet<>();
        for (TopicPartition tp : assignment) {
            ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = pending.get(tp);
            int waiting = queue == null ? 0 : queue.size();
            if (blockedReason != null || waiting >= maxPending
                    || (replay != null && replay.exhausted(consumer, tp))) {
                want.add(tp);
            }
        }
        Set<TopicPartition> paused = consumer.paused();
        Set<TopicPartition> toPause = new HashSet<>(want);
        toPause.removeAll(paused);
        Set<TopicPartition> toResume = new HashSet<>(paused);
        toResume.retainAll(assignment);
        toResume.removeAll(want);
        if (!toPause.isEmpty()) {
            consumer.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            consumer.resume(toResume);
        }
    }

    private int pendingCount() {
        int n = 0;
        for (ArrayDeque<ConsumerRecord<byte[], byte[]>> queue : pending.values()) {
            n += queue.size();
        }
        return n;
    }

    /**
     * The periodic commit, asynchronous: a synchronous one stopped delivery for a round trip to the group coordinator
     * every interval, which under a busy broker was the largest part of the forwarder's latency tail. The callback
     * runs in a later poll on this thread; a failed one is covered by the next (offsets only move forward), and the
     * commits on revocation and at exit stay synchronous.
     */
    private void commit(boolean now) {
        if (!now && System.nanoTime() - lastCommitNanos < commitIntervalNanos) {
            return;
        }
        lastCommitNanos = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted(delivered.keySet());
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (done, e) -> {
            if (e == null) {
                done.forEach((tp, o) -> {
                    if (delivered.containsKey(tp)) { // still ours: not revoked while the commit was in flight
                        committed.merge(tp, o.offset(), Math::max);
                    }
                });
            } else {
                log.warn("commit failed ({}); retried at the next interval", e.getMessage());
            }
        });
    }

    private Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long next = delivered.get(tp);
            if (next != null && !next.equals(committed.get(tp))) {
                offsets.put(tp, new OffsetAndMetadata(next));
            }
        }
        return offsets;
    }

    /** Commits the delivered position of {@code partitions}; a failure is logged, the records come again later. */
    private void commit(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            log.warn("commit failed ({}); the uncommitted records will be delivered again after a rebalance",
                    e.getMessage());
        }
    }

    private void finalCommit() {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                commit(delivered.keySet());
                return;
            } catch (WakeupException e) {
                // the stop() wake-up was still pending; the second attempt goes through
            }
        }
    }

    private void updateLag() {
        long now = System.nanoTime();
        if (now - lastLagNanos < 1_000_000_000L) {
            return;
        }
        lastLagNanos = now;
        observeKafka(now);
        long lag = pendingCount();
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag += l.getAsLong();
            }
            ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = pending.get(tp);
            // Live: everything of it delivered and Wazuh taking datagrams, so time without records is silence.
            pipeline.live(tp.partition(), blockedReason == null && (queue == null || queue.isEmpty())
                    && l.isPresent() && l.getAsLong() == 0);
        }
        metrics.lag.set(lag);
    }

    /** Once a second, with the lag: whether the consumer has a connection to any broker at all. */
    private void observeKafka(long now) {
        boolean unreachable = connectionCount() == 0;
        if (kafkaUnreachable.observe(unreachable, now)) {
            if (unreachable) {
                log.warn("Kafka unreachable: no connection to any broker; retrying");
            } else {
                log.info("Kafka reachable again");
            }
        }
    }

    private double connectionCount() {
        for (Map.Entry<MetricName, ? extends Metric> entry : consumer.metrics().entrySet()) {
            MetricName name = entry.getKey();
            if (name.name().equals("connection-count") && name.group().equals("consumer-metrics")) {
                return ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        return 1; // no such metric (a test double): no evidence of an outage
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commit(partitions);
            forget(partitions);
            if (!partitions.isEmpty()) {
                log.info("partitions revoked: {}", partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
            log.warn("partitions lost (their records will be delivered by their new owner): {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                log.info("partitions assigned: {}", partitions);
            }
            for (LiveStart.Skipped skipped : liveStart.position(consumer, partitions)) {
                // Committed at the next interval, so a restart neither skips nor reports them again.
                delivered.put(skipped.partition(), skipped.toOffset());
                pipeline.historySkipped(skipped);
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                pending.remove(tp);
                delivered.remove(tp);
                committed.remove(tp);
            }
            pipeline.forget(partitions.stream().map(TopicPartition::partition).toList());
        }
    }
}
