package io.dwb.forwarder;

import io.dwb.runtime.Causes;
import io.dwb.runtime.Impairment;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.runtime.LogText;
import io.dwb.runtime.RefusedFetch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's thread: polls, hands records to the {@link AlertPipeline} in partition order, and commits an
 * offset only once every record before it is delivered (or dead-lettered). When the Wazuh queue or the dead-letter
 * topic cannot take a record, every partition is paused (poll goes on, so the group keeps this member), the record
 * is retried with capped backoff, and the fetched records stay in memory; nothing is skipped, nothing committed
 * past it. A partition with too many records waiting (pacing) is paused the same way, so memory stays bounded.
 *
 * <p>Each round ({@link #runOnce}) reads the injected clock, as Kafka's producer {@code Sender} does; the state it
 * carries between rounds is each partition's {@link PartitionProgress} and the {@link Pause}. Live delivery and
 * replay are the two {@link Feed}s.
 */
public final class DeliveryLoop {
    private static final Logger log = LoggerFactory.getLogger(DeliveryLoop.class);
    private static final long MAX_POLL_WAIT_NANOS = 200_000_000L;
    /** A round this long after the last one was held: its time is not counted as the hosts' silence. */
    static final long HELD_NANOS = 2_000_000_000L;
    private static final long DELIVER_SLICE_NANOS = 200_000_000L;
    /** How long a poll waits while the dead letters in flight leave no room: about a round trip to a broker. */
    private static final long LETTERS_FULL_WAIT_NANOS = 10_000_000L;
    private static final long LAG_INTERVAL_NANOS = 1_000_000_000L;
    private static final long POLL_STALE_NANOS = Duration.ofSeconds(30).toNanos();
    /**
     * Beyond {@code --unhealthy-after}, how long one poll may last before /healthz takes the loop for stuck: its
     * rebalance callbacks wait on Kafka (a revocation's commit up to the consumer's default.api.timeout.ms, a minute;
     * each start's lookup 30 s), and Kafka impaired counts only after the bound. At 30 s, a rebalance while the group
     * coordinator moved turned /healthz 503, and a probe restarting on it made another rebalance.
     */
    static final Duration POLL_MAY_WAIT = Duration.ofSeconds(60);
    /**
     * After a refusal, how long polls that fetch nothing (no partition, or all paused) must go through before Kafka is
     * taken to accept them again: such a consumer's fetch count never moves, a poll may return before the next refused
     * request is answered, and a topic's refusal comes back only with the next metadata refresh (the forwarder's
     * {@code metadata.max.age.ms}, 30 s unless the client properties set it), so past one and 10 s more: sooner, an
     * ACL still missing was said accepted, then refused again at each refresh, and /healthz never turned 503. This is
     * the bound with the forwarder's default; {@link #acceptedAfter} gives it for the one set.
     */
    static final Duration ACCEPTED_AFTER = acceptedAfter(Forwarder.METADATA_MAX_AGE);
    /**
     * A partition counts as live only while the consumer's fetches were answered this recently (a fetch waits 500 ms
     * by default): cut off from Kafka, its last known lag stays 0, and its hosts' silence was the forwarder's.
     */
    static final long FETCH_ANSWERED_NANOS = Duration.ofSeconds(10).toNanos();

    /**
     * {@link #ACCEPTED_AFTER} for a consumer whose metadata is refreshed every {@code metadataMaxAge}: with 5 minutes
     * set, a paused replay heard nothing for 40 s between refreshes and was said unreachable, /healthz 503, 4 minutes
     * out of 5; and a refusal still there was said over 40 s after it, then came back with the next refresh.
     */
    static Duration acceptedAfter(Duration metadataMaxAge) {
        return metadataMaxAge.plusSeconds(10);
    }

    private static final int PER_PARTITION_TURN = 64;
    /**
     * How long a revocation or a stop waits for the sending thread to write what it took, before committing what
     * it wrote: a queue's worth takes milliseconds; a held one is not waited for (its records come again).
     */
    private static final Duration WRITTEN_WAIT = Duration.ofSeconds(2);
    /**
     * How long a stop's commits (the last one, and the revocation's as the consumer closes) wait for Kafka: the
     * consumer's default.api.timeout.ms (60 s) made a stop while Kafka was away outlast systemd's TimeoutStopSec
     * (60 s), and the forwarder was killed. What they could not commit is delivered again by the partitions' next
     * owner. A revocation while running keeps Kafka's wait: a group coordinator moving or slow to answer would
     * otherwise make the next owner deliver again what was delivered.
     */
    static final Duration COMMIT_WAIT = Duration.ofSeconds(5);
    /**
     * Between two polls Kafka refused ({@link KafkaRefusal}): a refused poll returns at once, and the loop would ask
     * again in a tight loop. An ACL is fixed by a person: 5 s is soon enough after that.
     */
    static final Duration REFUSED_WAIT = Duration.ofSeconds(5);
    /**
     * How long the look-up that confirms the events topic absent from the consumer's metadata waits for a broker's
     * answer. A reachable broker answers a metadata request in milliseconds; without an answer in this time the topic's
     * presence stays unknown: the metadata loses the topic when Kafka is unreachable too (rebootstrapped), and a broker
     * outage was taken for a deletion, its stop's commit skipped and its undelivered records reported lost.
     */
    static final Duration ABSENCE_LOOKUP_WAIT = Duration.ofSeconds(1);
    /** Between two look-ups that did not confirm the absence, while nothing changed (Kafka reachable throughout). */
    private static final long ABSENCE_LOOKUP_AGAIN_NANOS = Duration.ofSeconds(30).toNanos();

    /** Another once the group refused this one's instance id ({@link #rejoin}); read by {@link #stop()}. */
    private volatile Consumer<byte[], byte[]> consumer;
    /** Live: the consumer's listener, once subscribed. */
    private Rebalance rebalance;
    private final AlertPipeline pipeline;
    private final ForwarderMetrics metrics;
    private final StateChanges changes;
    private final Feed feed;
    private final long commitIntervalNanos;
    private final int maxPending;
    private final PollBudget budget;
    private final LongSupplier clock;
    /** No connection to any broker (the consumer's connection-count): sampled on this thread, read by /healthz. */
    private final Impairment kafkaUnreachable;
    /** The consumer's count of fetch answers when it last moved, and when: see {@link #kafkaAnswered}. */
    private double lastFetchTotal = Double.NaN;
    private long lastFetchAnsweredNanos;
    /** The consumer's count of answers of any kind when it last moved, and when: see {@link #kafkaAnswered}. */
    private double lastResponseTotal = Double.NaN;
    private long lastResponseNanos;
    /** Wazuh or the dead-letter topic refusing: delivery paused. */
    private final Impairment blocked;
    /**
     * The periodic commits failing, each since the last that went: what was delivered meanwhile is delivered again
     * after a restart or a rebalance, however long it lasts.
     */
    private final Impairment commitsFailing;
    /** Kafka refusing the polls (an ACL removed): the last refusal, null once a poll fetched again. */
    private KafkaRefusal refusal;
    /**
     * Kafka refusing the commits while polls go on (Read on the group removed: the consumer keeps fetching, its
     * heartbeats refused), null once one goes through. Before, only a WARN "commit failed" said it.
     */
    private KafkaRefusal commitRefusal;
    /**
     * Whether {@link #commitRefusal} was said: not while the polls' refusal stands, nor the topic's (Read on the topic
     * removed refuses the polls too, whose line says it, sometimes after a commit's).
     */
    private boolean commitRefusalSaid;
    private String commitRefusalLine;
    private final Impairment kafkaRefusing;
    /** The consumer's count of fetch answers at the last refusal: a poll that fetched since went through. */
    private double refusedFetchTotal;
    /** Live: the events topic as the consumer's metadata shows it: deleted, back, made again with fewer partitions. */
    private final TopicPresence topic = new TopicPresence();
    /**
     * The events topic gone from Kafka (deleted): nothing to deliver, and nothing will be until a person makes it
     * again; its undelivered events are lost.
     */
    private final Impairment topicMissing;
    /** Kafka unreachable at the last sample ({@link #observeKafka}): no look-up can confirm the topic absent. */
    private boolean kafkaAway;
    /** A look-up asked since the topic was last in the metadata, or Kafka last reachable again, and when. */
    private boolean absenceAsked;
    private long absenceAskedNanos;
    /** Counted down by {@link #stop()}: ends the wait after a refused poll. */
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final StaticRejoin.Sleep sleep;

    /** What a poll out of memory could not read: {@link #unreadable}. */
    private final UnreadableRecordSearch search;
    private final KafkaClientThreads clientThreads;

    private final Map<TopicPartition, PartitionProgress> partitions = new LinkedHashMap<>();
    private final Pause pause;
    /** A replay's: when it says how far it got. */
    private final ReplayProgress replayProgress = new ReplayProgress();
    /** Whose events fill a partition's backlog (live only). */
    private final FloodingHosts floods = new FloodingHosts();
    private volatile boolean running = true;
    private volatile ReplayOutcome replayOutcome = ReplayOutcome.STOPPED;
    private volatile long lastPollNanos;
    /** When the poll under way began; {@link Long#MIN_VALUE} between polls. */
    private volatile long pollingSinceNanos = Long.MIN_VALUE;
    /** When the last poll ended (the round's {@link #lastPollNanos} comes once its records are taken). */
    private volatile long polledNanos;
    /** The longest a poll may last before the loop counts as stuck: {@link #POLL_MAY_WAIT} past the bound. */
    private final long pollStuckNanos;
    /** {@link #ACCEPTED_AFTER} for this consumer's {@code metadata.max.age.ms}, and in nanoseconds. */
    private final Duration acceptedAfter;
    private final long acceptedAfterNanos;
    /** When the last refused poll's wait ended. */
    private long refusedUntilNanos;
    /** Where the next delivery round starts its turns: after the participant that last sent. */
    private int nextTurn;
    /** The pacer's wait, from the last round: the next poll waits no longer. */
    private long waitHintNanos;
    private long lastCommitNanos;
    private long lastLagNanos;

    /** @param clock monotonic nanoseconds ({@code System::nanoTime}; a test's fake clock) */
    DeliveryLoop(Consumer<byte[], byte[]> consumer, AlertPipeline pipeline, ForwarderMetrics metrics, Feed feed,
                 Duration commitInterval, int maxPending, PollBudget budget, Duration retryMaxDelay,
                 Duration unhealthyAfter, Duration metadataMaxAge, UnreadableRecordSearch search,
                 KafkaClientThreads clientThreads, LongSupplier clock) {
        this(consumer, pipeline, metrics, feed, commitInterval, maxPending, budget, retryMaxDelay, unhealthyAfter,
                metadataMaxAge, search, clientThreads, clock,
                (stopped, nanos) -> stopped.await(nanos, TimeUnit.NANOSECONDS));
    }

    /**
     * @param metadataMaxAge the consumer's {@code metadata.max.age.ms} ({@link Forwarder#metadataMaxAge}): how often
     *                       a consumer that fetches nothing hears Kafka at the least
     * @param sleep the wait after a poll Kafka refused (a test's: its fake clock's)
     */
    DeliveryLoop(Consumer<byte[], byte[]> consumer, AlertPipeline pipeline, ForwarderMetrics metrics, Feed feed,
                 Duration commitInterval, int maxPending, PollBudget budget, Duration retryMaxDelay,
                 Duration unhealthyAfter, Duration metadataMaxAge, UnreadableRecordSearch search,
                 KafkaClientThreads clientThreads, LongSupplier clock, StaticRejoin.Sleep sleep) {
        this.consumer = consumer;
        this.sleep = sleep;
        this.search = search;
        this.clientThreads = clientThreads;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.changes = new StateChanges(metrics);
        this.feed = feed;
        this.commitIntervalNanos = commitInterval.toNanos();
        this.maxPending = maxPending;
        this.budget = budget;
        this.clock = clock;
        this.pause = new Pause(DeliveryOptions.FIRST_RETRY_DELAY, retryMaxDelay);
        this.kafkaUnreachable = new Impairment(unhealthyAfter);
        this.blocked = new Impairment(unhealthyAfter);
        this.commitsFailing = new Impairment(unhealthyAfter);
        this.kafkaRefusing = new Impairment(unhealthyAfter);
        this.topicMissing = new Impairment(unhealthyAfter);
        this.acceptedAfter = acceptedAfter(metadataMaxAge);
        // Saturated: a refresh set to centuries (Long.MAX_VALUE, metadata never refreshed) overflowed toNanos().
        this.acceptedAfterNanos = acceptedAfter.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE
                : acceptedAfter.toNanos();
        this.pollStuckNanos = Math.max(POLL_STALE_NANOS, unhealthyAfter.plus(POLL_MAY_WAIT).toNanos());
        this.lastPollNanos = clock.getAsLong();
        this.polledNanos = lastPollNanos;
        this.lastCommitNanos = lastPollNanos;
        this.lastLagNanos = lastPollNanos - LAG_INTERVAL_NANOS;
        this.lastFetchAnsweredNanos = lastPollNanos;
        this.lastResponseNanos = lastPollNanos;
    }

    /** Runs until {@link #stop()} (live) or until the replay window is delivered. */
    public void run() {
        try {
            start();
            if (feed instanceof Feed.Replay replay && replay.window().isEmpty()) {
                replay.window().sayPastStable(); // records held by an open transaction may be the window's
                log.info("replay done: nothing in the window{}",
                        ReplayEnd.cutSaid(replay.window().cut(), replay.window().partitionCount()));
                replayOutcome = ReplayOutcome.DELIVERED;
                return;
            }
            while (running) {
                if (runOnce()) {
                    return;
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            finish();
        }
    }

    /** Subscribes (live) or assigns the window (replay). */
    void start() {
        if (feed instanceof Feed.Live live) {
            rebalance = new Rebalance(live.start(), live.rejoin());
            consumer.subscribe(List.of(live.topic()), rebalance);
        } else {
            ((Feed.Replay) feed).window().start(consumer);
        }
    }

    /**
     * One round: poll, deliver what the pacer and the sink allow, pause or resume partitions, commit the delivered
     * prefix (live). True when a replay's window is delivered.
     */
    boolean runOnce() {
        budget.open(heldBytes());
        boolean deferred = accept(poll());
        long now = clock.getAsLong();
        if (feed instanceof Feed.Live && now - lastPollNanos > HELD_NANOS) {
            // The loop was held (a revocation's commit waits up to a minute, a lookup 30 s, a long collection, a
            // frozen VM): the records of that time are not read yet, so it is no silence of the hosts. Each partition's
            // time stops where the last round left it, until this round's end says which are live again.
            for (TopicPartition tp : consumer.assignment()) {
                pipeline.live(tp.partition(), false, lastPollNanos);
            }
            floods.interrupted(now); // the hold is no time of delivery's pace
        }
        lastPollNanos = now;
        if (feed instanceof Feed.Live live) {
            List<PartitionChange> changes = live.openTransactions().takeSaid();
            if (!changes.isEmpty()) {
                Set<TopicPartition> assigned = consumer.assignment();
                for (PartitionChange said : changes) {
                    if (assigned.contains(said.partition())) { // one revoked meanwhile: its new owner says it
                        pipeline.partitionChanged(said);
                    }
                }
            }
        }
        pipeline.settleLetters();
        deliver(now);
        adjustPauses(deferred);
        if (feed instanceof Feed.Live) {
            commit(now);
        } else if (replayEnded(((Feed.Replay) feed).window(), now)) {
            return true;
        }
        updateLag(now);
        blocked.observe(pause.active(), now);
        return false;
    }

    /** Whether the replay's window is delivered, said then; its progress said once a minute before. */
    private boolean replayEnded(ReplayWindow window, long now) {
        if (pendingCount() == 0 && pipeline.written() == pipeline.submitted()
                && pipeline.lettersAcknowledged() == pipeline.lettersSent() && window.allExhausted(consumer)) {
            ReplayEnd end = new ReplayEnd(metrics.sentTotal(), metrics.duplicatesTotal(),
                    metrics.replaySkippedByReason(), metrics.replayRefusedTotal(), changes.replayDeletedOffsets(),
                    window.partitionCount(), window.cut(), window.held(consumer));
            if (end.outcome() == ReplayOutcome.HELD) {
                log.warn("{}", end.line());
            } else {
                log.info("{}", end.line());
            }
            replayOutcome = end.outcome();
            return true;
        }
        if (replayProgress.due(now)) {
            int done = 0;
            for (TopicPartition tp : consumer.assignment()) {
                PartitionProgress progress = partitions.get(tp);
                if (window.exhausted(consumer, tp) && (progress == null || progress.waiting() == 0)) {
                    done++;
                }
            }
            log.info("replay: {} of at most {} records read, {} alerts sent, {} of {} partitions done",
                    metrics.consumedTotal(), window.records(), metrics.sentTotal(), done, window.size());
        }
        return false;
    }

    /**
     * The round's poll, and what each way it fails leaves to deliver. Its records are referenced by nothing once
     * {@link #accept} has taken them: a record of a million headers, replaced there by its stand-in, is garbage before
     * the round goes on.
     */
    private ConsumerRecords<byte[], byte[]> poll() {
        ConsumerRecords<byte[], byte[]> records;
        long start = clock.getAsLong();
        pollingSinceNanos = start;
        try {
            try {
                records = consumer.poll(Duration.ofNanos(pollWaitNanos(start)));
            } finally {
                polledNanos = clock.getAsLong();
            }
            if (refusal != null && (!records.isEmpty() || fetchedSinceRefused() || quietSinceRefused())) {
                accepted();
            }
        } catch (AuthorizationException e) {
            refused(e);
            records = ConsumerRecords.empty();
        } catch (LogTruncationException e) {
            truncated(e);
            records = ConsumerRecords.empty();
        } catch (OffsetOutOfRangeException e) {
            outOfRange(e.offsetOutOfRangePartitions());
            records = ConsumerRecords.empty();
        } catch (NoOffsetForPartitionException e) {
            // A fresh partition whose start could not be looked up when it was assigned: looked up again.
            if (feed instanceof Feed.Live live) {
                place(live.start(), e.partitions());
            } else {
                reset().seek(consumer, e.partitions());
            }
            records = ConsumerRecords.empty();
        } catch (OutOfMemoryError e) {
            records = readAgain(null);
            if (records == null) {
                throw e;
            }
        } catch (UnreleasedInstanceIdException e) {
            rejoin(((Feed.Live) feed).rejoin(), e); // a replay has no group
            records = ConsumerRecords.empty();
        } catch (RuntimeException e) {
            Optional<String> refused = RefusedFetch.reason(e);
            if (refused.isPresent()) {
                records = readAgain(refused.get());
                if (records == null) {
                    throw e;
                }
                return records;
            }
            if (!(e.getCause() instanceof OutOfMemoryError)) {
                throw e;
            }
            // The consumer's heartbeat thread ran out of memory during a poll out of memory, and ended. Kafka starts
            // another when the member joins again: asked for at once, else the group would expel it (45 s).
            log.warn("the Kafka consumer's heartbeat thread ended on the shortage of memory: joining the group again");
            consumer.enforceRebalance("heartbeat thread ended on OutOfMemoryError");
            records = ConsumerRecords.empty();
        } finally {
            // Through the handlers too: theirs are Kafka lookups (a fresh partition's start, 30 s each; the log's
            // start after an offset out of range, up to a minute), which /healthz took for a stuck loop after 30 s.
            polledNanos = Math.max(polledNanos, clock.getAsLong());
            pollingSinceNanos = Long.MIN_VALUE;
        }
        return records;
    }

    /**
     * A poll Kafka refused ({@link KafkaRefusal}): an ACL removed. The forwarder exited 1 on it, and so did its restarts and each member of the group its partitions moved to, a
     * rebalance each time, against the promise that Kafka lost while running is waited for. Now it stays in its group
     * and polls again after {@link #REFUSED_WAIT}: an ERROR when the refusal starts or changes kind, the gauge 1 and,
     * after the bound, /healthz 503; what was fetched before is still delivered meanwhile.
     */
    private void refused(AuthorizationException e) {
        KafkaRefusal kind = KafkaRefusal.of(e);
        if (feed instanceof Feed.Replay) {
            // A replay is run by a person or a script that waits for its end: waiting for an ACL held it for good.
            changes.replayRefused(kind.line(e.getMessage()));
            running = false;
            return;
        }
        long now = clock.getAsLong();
        kafkaRefusing.observe(true, now);
        metrics.kafkaRefused(true);
        if (kind != refusal) {
            changes.kafkaRefused(kind.line(e.getMessage()), REFUSED_WAIT);
        }
        refusal = kind;
        refusedFetchTotal = ConsumerMetric.FETCH_TOTAL.of(consumer);
        try {
            sleep.sleep(stopping, REFUSED_WAIT.toNanos());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        refusedUntilNanos = clock.getAsLong();
    }

    /** Whether the consumer had a fetch answered since the last refusal (no such metric, a test double: it did). */
    private boolean fetchedSinceRefused() {
        double total = ConsumerMetric.FETCH_TOTAL.of(consumer);
        return Double.isNaN(total) || total != refusedFetchTotal;
    }

    /**
     * Whether a consumer that fetches nothing has polled without a refusal for {@link #acceptedAfter}: its fetch
     * count never moves, so a member with no partition (more members than partitions) stayed refused, /healthz 503,
     * for good once the ACL was given back.
     */
    private boolean quietSinceRefused() {
        return !fetching() && clock.getAsLong() - refusedUntilNanos >= acceptedAfterNanos;
    }

    /** A poll went through after refusals: fetches answered, records returned, or quiet polls long enough. */
    private void accepted() {
        refusal = null;
        kafkaRefusing.observe(commitRefusal != null, clock.getAsLong());
        metrics.kafkaRefused(commitRefusal != null);
        changes.kafkaAccepted();
        if (commitRefusal != null && commitRefusal != KafkaRefusal.TOPIC && !commitRefusalSaid) {
            sayCommitRefusal(); // refused with the polls, which said it; still refused without them
        }
    }

    /**
     * The group refused this consumer's static member id as still another member's ({@link StaticRejoin}): the
     * consumer is out of the group for good, so a new one joins in its place, after a wait. What it held is lost (the
     * consumer, failed, does not say so): its new owner delivers it. Stopped meanwhile, the refused consumer stays, to
     * be closed with the forwarder.
     */
    private void rejoin(StaticRejoin rejoin, UnreleasedInstanceIdException refused) {
        if (!partitions.isEmpty()) {
            rebalance.onPartitionsLost(List.copyOf(partitions.keySet()));
        }
        Consumer<byte[], byte[]> next = rejoin.next(refused);
        if (next == null) {
            return;
        }
        Consumer<byte[], byte[]> failed = consumer;
        consumer = next;
        topic.newConsumer(); // its metadata is empty until its first answer: the topic is not absent from it
        failed.close(CloseOptions.timeout(COMMIT_WAIT)); // out of the group: nothing to leave, nothing to commit
        start();
        // Its connections are not made yet: Kafka's reachability is sampled once it has had its second.
        lastLagNanos = clock.getAsLong();
    }

    /** The consumer polled now: another after the group refused the first one's instance id. */
    Consumer<byte[], byte[]> consumer() {
        return consumer;
    }

    /**
     * Fetches asked for offsets the partitions no longer have. Below the first one kept, Kafka deleted them before
     * they were delivered: reported, and delivery goes on from the first kept. Past the end (the topic recreated):
     * from where {@code auto.offset.reset} says.
     */
    private void outOfRange(Map<TopicPartition, Long> asked) {
        Map<TopicPartition, Long> firsts;
        try {
            firsts = consumer.beginningOffsets(asked.keySet());
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            log.warn("could not look up the first offsets of {} ({}); trying again", NamedPartitions.of(asked.keySet()),
                    LogText.bounded(e.getMessage(), NamedPartitions.MAX_CAUSE));
            return; // the next poll fails the same way
        }
        asked.forEach((tp, offset) -> {
            Long first = firsts.get(tp);
            PartitionProgress handingOver = handingOver(tp);
            if (handingOver != null) {
                // Read again from before the previous owner's position: what Kafka deleted there was delivered. From
                // that position on, as before the hand-over, the consumer checking it against the log.
                OffsetAndMetadata previous = handingOver.abandonHandOver(pipeline, tp.partition());
                if (first != null && first > previous.offset()) {
                    pipeline.deletedBeforeDelivery(new LiveStart.Deleted(tp, previous.offset(), first));
                    handingOver.deletedTo(first);
                    seek(tp, first);
                } else {
                    consumer.seek(tp, previous);
                    handingOver.fetchedTo(previous.offset());
                }
                return;
            }
            if (first != null && offset < first) {
                if (feed instanceof Feed.Live) {
                    pipeline.deletedBeforeDelivery(new LiveStart.Deleted(tp, offset, first));
                    partitions.computeIfAbsent(tp, k -> new PartitionProgress()).deletedTo(first);
                } else if (feed instanceof Feed.Replay replay) {
                    // history delivered live long ago, deleted since: nothing was lost; of the window only (what was
                    // published after the replay began is not its)
                    long to = Math.min(first, replay.window().end(tp));
                    if (to > offset) {
                        changes.replayDeleted(new LiveStart.Deleted(tp, offset, to));
                    }
                }
                seek(tp, first);
            } else if (feed instanceof Feed.Replay replay) {
                endAtTopicLoss(replay.window()); // made again since the replay began: its records are none of ours
            } else {
                log.warn("offset {} of {} is past the partition's end (the topic was recreated?); starting it as "
                        + "auto.offset.reset {} says", offset, tp, reset());
                reset().seek(consumer, List.of(tp));
                // Its new start, committable at once, where it is known without asking Kafka again: the first offset
                // just looked up, for earliest (a lookup here blocked the loop, and took other partitions' errors).
                partitions.computeIfAbsent(tp, k -> new PartitionProgress())
                        .startAgain(reset() == OffsetReset.EARLIEST && first != null ? first : -1);
            }
        });
    }

    /** Seeks {@code tp} to {@code offset}, which is where it is read again after a poll out of memory. */
    private void seek(TopicPartition tp, long offset) {
        consumer.seek(tp, offset);
        partitions.computeIfAbsent(tp, k -> new PartitionProgress()).fetchedTo(offset);
    }

    /**
     * A poll ran out of memory (Kafka's consumer built a record too large for the heap: a record of very many headers),
     * or Kafka's consumer refused records it fetched ({@code refused}, its reason: {@link RefusedFetch}, a corrupt
     * batch). The partitions it read are read again by {@link UnreadableRecordSearch}, which finds what cannot be read;
     * that is dead-lettered ({@code unreadable}) and delivery goes on past it, with the records the search read before
     * it. The poll may have moved positions past records it read and never returned: every partition it read is sought
     * back to where the loop had it. When every record the search read could be read alone, they are delivered as read
     * (out of memory: the poll held more than the heap could at once). Null when the error is to be thrown on, which
     * exits the forwarder: the search read nothing, could not read a partition again, a Kafka client's thread died of
     * the shortage too, or no record explains a refusal.
     */
    private ConsumerRecords<byte[], byte[]> readAgain(String refused) {
        Set<TopicPartition> read = new HashSet<>(consumer.assignment());
        read.removeAll(consumer.paused());
        Map<TopicPartition, Long> from = readAgainFrom(read);
        if (refused == null) {
            log.error("a poll of {} ran out of memory: reading them again one record at a time, to find what cannot be "
                    + "read", read);
        } else {
            log.error("Kafka's consumer refused records of {} ({}): reading them again one record at a time, to find "
                    + "which", read, refused);
        }
        if (from.size() < read.size()) {
            log.error("where the loop had {} is not known: exiting", read.stream().filter(tp -> !from.containsKey(tp))
                    .toList());
            return null;
        }
        UnreadableRecordSearch.Result result = search.find(from, Math.max(0, budget.maxBytes() - heldBytes()));
        if (result.stopped()) {
            // Told to stop meanwhile: nothing of the search stands; the next start reads them again, and searches.
            from.forEach(consumer::seek);
            log.info("stopped while searching {} for what cannot be read: they are read again at the next start",
                    from.keySet());
            return ConsumerRecords.empty();
        }
        boolean nothing = result.found().isEmpty() && (refused != null || result.clean().isEmpty());
        if (!result.unsearched().isEmpty() || nothing || clientThreads.died() != null) {
            log.error(!result.unsearched().isEmpty() ? "could not read " + result.unsearched() + " again: exiting"
                    : nothing && refused != null ? "every record of " + from.keySet() + " reads again: nothing "
                            + "explains the refusal, exiting"
                    : nothing ? "no record explains the shortage of memory: exiting"
                    : "a Kafka client's thread died of the shortage of memory: exiting, to start again whole");
            return null;
        }
        from.forEach(consumer::seek);
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new HashMap<>();
        for (UnreadableRecordSearch.Found f : result.found()) {
            List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>(f.before());
            list.add(f.unreadable());
            records.put(f.partition(), list);
            consumer.seek(f.partition(), f.unreadable().offset() + 1);
            log.error("{} {}: passed over as unreadable (dead-lettered, unless its previous owner did), delivery goes "
                    + "on after it", f.partition(), f.unreadable().detail());
        }
        if (records.isEmpty()) { // every record read alone: the poll held more than the heap could at once
            result.clean().forEach((tp, readAlone) -> {
                records.put(tp, readAlone);
                consumer.seek(tp, readAlone.get(readAlone.size() - 1).offset() + 1);
            });
            log.warn("every record of {} read alone: delivered as read one at a time",
                    NamedPartitions.of(result.clean().keySet()));
        }
        return new ConsumerRecords<>(records, Map.of());
    }

    /**
     * Where to read each of {@code read} again: where the loop left it, else its start here, else (live) its
     * committed offset; a partition of none is left out.
     */
    private Map<TopicPartition, Long> readAgainFrom(Set<TopicPartition> read) {
        Map<TopicPartition, Long> from = new LinkedHashMap<>();
        Set<TopicPartition> unknown = new HashSet<>();
        for (TopicPartition tp : read) {
            PartitionProgress progress = partitions.get(tp);
            long offset = progress == null ? -1 : progress.readAgainFrom();
            if (offset >= 0) {
                from.put(tp, offset);
            } else {
                unknown.add(tp);
            }
        }
        if (!unknown.isEmpty() && feed instanceof Feed.Live) {
            try {
                consumer.committed(unknown).forEach((tp, committed) -> {
                    if (committed != null) {
                        from.put(tp, committed.offset());
                    }
                });
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                log.warn("could not look up the committed offsets of {} ({})", unknown, e.getMessage());
            }
        } else if (!unknown.isEmpty()) {
            from.putAll(((Feed.Replay) feed).window().starts(unknown));
        }
        return from;
    }

    /**
     * A partition's log was truncated below what was fetched (an unclean leader election, a single broker that lost
     * what it had not flushed): delivery goes on from the first offset known to diverge, as the consumer's own reset
     * did; the rest as any offset out of range.
     */
    private void truncated(LogTruncationException e) {
        Map<TopicPartition, Long> rest = new HashMap<>(e.offsetOutOfRangePartitions());
        e.divergentOffsets().forEach((tp, divergent) -> {
            PartitionProgress handingOver = handingOver(tp);
            if (handingOver != null) {
                handingOver.abandonHandOver(pipeline, tp.partition()); // from the divergence on, records are new
            }
            log.warn("the log of {} was truncated (an unclean leader election, or a broker that lost records it had not"
                    + " flushed): delivering again from offset {}, the first that may differ", tp, divergent.offset());
            consumer.seek(tp, divergent); // with its leader epoch, as Kafka gives it: checked against the log
            partitions.computeIfAbsent(tp, k -> new PartitionProgress()).fetchedTo(divergent.offset());
            rest.remove(tp);
        });
        if (!rest.isEmpty()) {
            outOfRange(rest);
        }
    }

    /**
     * What a commit of {@code tp} tells its next owner: the partition's time (where it starts reading heartbeats
     * again) and whether host-state alerts wait (which hosts it may take as reported).
     */
    private String mark(TopicPartition tp) {
        // Dated at the last round, what the loop knew: a commit that ends a hold (a revocation or a stop in a poll
        // held by a collection, a frozen VM; a revocation's wait for the writes) would put the hold in the time, and
        // the next owner would take hosts silent for that long as reported.
        return pipeline.handoverMark(tp.partition(), lastPollNanos).metadata();
    }

    /** The partition's progress while it is read again for the silent-host watch (see {@link WatchHandover}). */
    private PartitionProgress handingOver(TopicPartition tp) {
        PartitionProgress progress = partitions.get(tp);
        return progress != null && progress.handingOver() ? progress : null;
    }

    /** The group's {@code auto.offset.reset}; a replay's window goes on from its first record kept. */
    private OffsetReset reset() {
        return feed instanceof Feed.Live live ? live.start().reset() : OffsetReset.EARLIEST;
    }

    /** Live: commits what was delivered (synchronously, before the consumer closes). */
    void finish() {
        if (feed instanceof Feed.Live) {
            noticesAtStop(); // the letters acknowledged so far; the final commit waits for the outbox to write them
            finalCommit();
            noticesAtStop(); // those acknowledged during its wait: after it, before the outbox closes (a best effort)
        }
    }

    /**
     * What the dead letters acknowledged amount to, said in Wazuh now ({@link AlertPipeline#noticesAtStop}): the stop
     * commits past them. No wait of its own (the final commit's is the stop's), and nothing it fails on keeps the
     * final commit from being made.
     */
    private void noticesAtStop() {
        try {
            pipeline.settleLettersAtStop();
            int left = pipeline.noticesAtStop(clock.getAsLong());
            if (left > 0) {
                log.warn("stopping: {} alerts about dead letters or records Kafka lost not sent (Wazuh refusing); "
                        + "the dead letters are in the dead-letter topic", left);
            }
        } catch (RuntimeException e) {
            log.warn("stopping: the alerts about dead letters were not sent: {}", Causes.message(e));
        }
    }

    /** How a replay ended: {@link ReplayOutcome#STOPPED} until {@link #run()} returns at its window's end. */
    public ReplayOutcome replayOutcome() {
        return replayOutcome;
    }

    /** Thread-safe: makes {@link #run()} commit what was delivered and return. */
    public void stop() {
        running = false;
        stopping.countDown();
        if (feed instanceof Feed.Live live) {
            live.rejoin().stop();
        }
        consumer.wakeup();
        search.stop();
    }

    /**
     * For /healthz: the loop polled recently (it polls at least every 200 ms, paused or not; a poll under way, whose
     * rebalance callbacks may wait on Kafka, may last {@link #POLL_MAY_WAIT} past the bound), and neither Kafka has
     * been unreachable or refusing the polls, nor delivery paused (Wazuh or the dead-letter topic refusing), nor every
     * commit failed, nor the events topic gone, for longer than the bound.
     */
    public boolean healthy() {
        long now = clock.getAsLong();
        long polling = pollingSinceNanos;
        boolean moving = polling != Long.MIN_VALUE ? now - polling < pollStuckNanos
                : now - Math.max(lastPollNanos, polledNanos) < POLL_STALE_NANOS;
        return running && moving
                && !kafkaUnreachable.exceeded(now) && !kafkaRefusing.exceeded(now) && !blocked.exceeded(now)
                && !commitsFailing.exceeded(now) && !topicMissing.exceeded(now);
    }

    private long pollWaitNanos(long now) {
        if (pause.active()) {
            return Math.min(pause.untilRetry(now), MAX_POLL_WAIT_NANOS);
        }
        if (waitHintNanos > 0) {
            return Math.min(waitHintNanos, MAX_POLL_WAIT_NANOS);
        }
        if (pipeline.lettersFull()) {
            return LETTERS_FULL_WAIT_NANOS; // else the loop would spin, asking for room until an acknowledgement
        }
        return pendingCount() > 0 ? 0 : MAX_POLL_WAIT_NANOS;
    }

    /**
     * Takes the polled records up to each partition's first one {@link PollBudget deferred} (over the memory bound),
     * and seeks that partition back to it: it and those after it are fetched again. True when a record was deferred.
     */
    private boolean accept(ConsumerRecords<byte[], byte[]> records) {
        boolean deferred = false;
        for (TopicPartition tp : records.partitions()) {
            PartitionProgress progress = partitions.computeIfAbsent(tp, k -> new PartitionProgress());
            List<ConsumerRecord<byte[], byte[]>> fetched = records.records(tp);
            int taken = 0;
            progress.deferred(0);
            for (ConsumerRecord<byte[], byte[]> record : fetched) {
                if (budget.deferred(record)) {
                    // By offset alone: with its leader epoch, the consumer validates the position against the log
                    // first, a round trip before the partition is fetched again, at every deferral of a backlog.
                    consumer.seek(tp, record.offset());
                    progress.fetchedTo(record.offset());
                    metrics.deferred(fetched.size() - taken);
                    progress.deferred(PollBudget.size(record));
                    deferred = true;
                    break;
                }
                progress.fetchedTo(record.offset() + 1);
                taken++;
                record = UnreadableRecord.orItself(record); // not held: a heap holds a few at most
                if (!(feed instanceof Feed.Replay replay) || replay.window().accepts(record)
                        || record instanceof UnreadableRecord) { // a replay counts it as skipped
                    progress.add(record);
                }
            }
            metrics.consumed(taken);
        }
        return deferred;
    }

    private void deliver(long now) {
        waitHintNanos = 0;
        if (!pause.due(now)) {
            return;
        }
        pause.roundStarted();
        try {
            deliverDue(now);
        } finally {
            pipeline.flush();
        }
        if (pause.active()) {
            long over = clock.getAsLong();
            long paused = pause.roundOver(over, nothingLeft());
            if (paused >= 0) {
                changes.resumed(paused, over);
            }
        }
    }

    /**
     * Nothing to try the Wazuh queue with: no record held, no datagram the outbox has yet to write, and every
     * partition's lag known and 0. A partition whose fetching the pause stopped keeps its records in Kafka: after the
     * refused record's partition was revoked, a round with nothing to try ended the pause, which the next record
     * fetched started again.
     */
    private boolean nothingLeft() {
        if (pendingCount() > 0 || pipeline.written() != pipeline.submitted() || pipeline.stateAlertsQueued() > 0) {
            return false;
        }
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isEmpty() || lag.getAsLong() > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Turns go round: the partitions and the queued host-state alerts each send up to {@link #PER_PARTITION_TURN}
     * in a turn, and a round starts after the last one that sent. Paced, a round sends a few datagrams only: always
     * starting with the first partition gave it every one while it had a backlog, and the host-state alerts, always
     * first, took them all while a writer of forged heartbeats kept them coming. (Starting one further on each round
     * was not fair either: a round starting at an idle participant fell to the next busy one, which so had the
     * turns of all the idle ones before it.) What Kafka lost or a start skipped is said first, though.
     */
    private void deliverDue(long now) {
        AlertPipeline.Step held = pipeline.retryHeld();
        // The failed letters are sent again only at a pause's retry, not in the round that starts the pause.
        AlertPipeline.Step letters = pipeline.retryLetters(pause.active());
        // What still refuses is said first: the pause ends only once neither the outbox nor the letters refuse.
        boolean go = !(held instanceof AlertPipeline.Step.Blocked) || proceed(held);
        go &= !(letters instanceof AlertPipeline.Step.Blocked) || proceed(letters);
        if (held instanceof AlertPipeline.Step.Done) {
            through(AlertPipeline.Refuser.OUTBOX);
        }
        if (letters instanceof AlertPipeline.Step.Done) {
            through(AlertPipeline.Refuser.LETTERS);
        }
        if (!go) {
            return;
        }
        pipeline.checkHosts();
        List<Map.Entry<TopicPartition, PartitionProgress>> turns = new ArrayList<>(partitions.entrySet());
        int participants = turns.size() + 1; // the last: the host-state alerts
        int first = pipeline.noticesQueued() ? participants - 1 : nextTurn % participants;
        long deadline = now + DELIVER_SLICE_NANOS;
        boolean progressed = true;
        while (progressed && clock.getAsLong() < deadline) {
            progressed = false;
            for (int k = 0; k < participants; k++) {
                int index = (first + k) % participants;
                Turn turn = index == participants - 1 ? stateAlertsTurn() : partitionTurn(turns.get(index), now);
                if (turn.sent) {
                    nextTurn = index + 1; // the next round starts after the last one that sent
                }
                if (turn.stopped) {
                    return; // what waits stays as it is for the next attempt
                }
                progressed |= turn.sent;
            }
        }
    }

    /** How a participant's turn went: whether it sent anything, whether delivery may go on (paced, blocked). */
    private enum Turn {
        IDLE(false, false), SENT(true, false), STOPPED_IDLE(false, true), STOPPED(true, true);

        final boolean sent;
        final boolean stopped;

        Turn(boolean sent, boolean stopped) {
            this.sent = sent;
            this.stopped = stopped;
        }

        static Turn of(boolean sent, boolean stopped) {
            return stopped ? (sent ? STOPPED : STOPPED_IDLE) : (sent ? SENT : IDLE);
        }
    }

    private Turn stateAlertsTurn() {
        int queued = pipeline.stateAlertsQueued();
        AlertPipeline.Step step = pipeline.sendStateAlerts(PER_PARTITION_TURN);
        return Turn.of(pipeline.stateAlertsQueued() < queued, step != null && !proceed(step));
    }

    /** One partition's turn: up to {@link #PER_PARTITION_TURN} of its records. */
    private Turn partitionTurn(Map.Entry<TopicPartition, PartitionProgress> entry, long now) {
        PartitionProgress progress = entry.getValue();
        boolean sent = false;
        try {
            for (int turn = 0; turn < PER_PARTITION_TURN && progress.waiting() > 0; turn++) {
                // A run of alerts formatted ahead, as many as the pacer lets go now (at least the head).
                progress.routeAhead(pipeline, Math.max(1, Math.min(PER_PARTITION_TURN - turn,
                        pipeline.sendableNow())));
                AlertPipeline.Route route = progress.next();
                AlertPipeline.Step step = pipeline.deliver(route);
                if (step instanceof AlertPipeline.Step.Later) {
                    break; // its turn ends; the record stays first
                }
                if (!proceed(step)) {
                    return Turn.of(sent, true); // the routed records wait, as they are
                }
                if (route instanceof AlertPipeline.Route.Alert alert && step instanceof AlertPipeline.Step.Done done
                        && done.datagram() && feed instanceof Feed.Live) {
                    floods.delivered(entry.getKey(), alert.host(), alert.timeNano(), now);
                }
                progress.done(pipeline.submitted(), pipeline.written(), pipeline.lettersSent(),
                        pipeline.lettersAcknowledged());
                sent = true;
            }
            return Turn.of(sent, false);
        } finally {
            progress.settle(pipeline.written(), pipeline.lettersAcknowledged());
        }
    }

    /** What {@code refuser} held went through: the pause ends if nothing else refuses. */
    private void through(AlertPipeline.Refuser refuser) {
        long now = clock.getAsLong();
        long paused = pause.through(refuser, now);
        if (paused >= 0) {
            changes.resumed(paused, now);
        }
    }

    /** Applies a pipeline step to the loop's state; true when delivery may go on. */
    private boolean proceed(AlertPipeline.Step step) {
        long now = clock.getAsLong();
        if (step instanceof AlertPipeline.Step.Done done) {
            if (!done.datagram()) {
                return true; // says nothing about the Wazuh queue
            }
            long paused = pause.ended(now);
            if (paused >= 0) {
                changes.resumed(paused, now);
            }
            return true;
        }
        if (step instanceof AlertPipeline.Step.Wait wait) {
            waitHintNanos = wait.nanos();
            return false;
        }
        AlertPipeline.Step.Blocked refused = (AlertPipeline.Step.Blocked) step;
        Refusal refusal = refused.refusal();
        switch (pause.refused(refused.by(), refusal.cause(), now)) {
            case STARTED -> {
                changes.paused(refusal, pendingCount(), now);
                // Its start, not only the once-a-second look: a pause of under a second falls between two looks
                floods.interrupted(now);
            }
            case CAUSE_CHANGED -> changes.pausedFor(refusal);
            case NONE -> { } // the same cause, its words perhaps not (a state file's numbers): said at its start
        }
        return false;
    }

    /**
     * Pauses fetching where records would only pile up: every partition while delivery is paused and records wait
     * or from the records held meeting the memory bound until a fetch's worth is free ({@link PollBudget#full}), a
     * partition with {@code maxPending} waiting or whose deferred record would not fit yet (else each poll would
     * fetch it again; one larger than the bound pauses the others, for it is taken only first in a poll and with
     * nothing held), a replay's partition whose window is fetched. While paused with nothing waiting (the refused
     * record's partition was revoked), partitions fetch again: else no record would ever come to retry with, and
     * delivery would stay paused for good.
     */
    private void adjustPauses(boolean deferred) {
        Set<TopicPartition> assignment = consumer.assignment();
        Set<TopicPartition> want = new HashSet<>();
        long held = heldBytes();
        boolean holding = budget.full(held, deferred) || pause.active() && pendingCount() > 0;
        TopicPartition alone = loneRecord(); // a record over the bound goes alone: the others wait for it
        for (TopicPartition tp : assignment) {
            PartitionProgress progress = partitions.get(tp);
            int waiting = progress == null ? 0 : progress.waiting();
            if (holding || waiting >= maxPending || (alone != null && !alone.equals(tp))
                    || (progress != null && progress.awaitsRoom(budget.maxBytes() - held, held == 0))
                    || (feed instanceof Feed.Replay replay && replay.window().exhausted(consumer, tp))) {
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

    /** The partition whose deferred record is larger than the bound, which a poll takes only first and alone. */
    private TopicPartition loneRecord() {
        for (Map.Entry<TopicPartition, PartitionProgress> entry : partitions.entrySet()) {
            if (entry.getValue().awaitsRoom(budget.maxBytes(), false)) {
                return entry.getKey();
            }
        }
        return null;
    }

    /** What the records held and the dead letters in flight take, against {@code --max-pending-bytes}. */
    private long heldBytes() {
        long n = pipeline.lettersBytes();
        for (PartitionProgress progress : partitions.values()) {
            n += progress.bytes();
        }
        return n;
    }

    private int pendingCount() {
        int n = 0;
        for (PartitionProgress progress : partitions.values()) {
            n += progress.waiting();
        }
        return n;
    }

    /**
     * The periodic commit, asynchronous: a synchronous one stopped delivery for a round trip to the group coordinator
     * every interval, which under a busy broker was the largest part of the forwarder's latency tail. The callback
     * runs in a later poll on this thread; a failed one is covered by the next (offsets only move forward), and the
     * commits on revocation and at exit stay synchronous.
     */
    private void commit(long now) {
        if (now - lastCommitNanos < commitIntervalNanos) {
            return;
        }
        lastCommitNanos = now;
        Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted(partitions.keySet(), false);
        if (offsets.isEmpty()) {
            commitsFailing.observe(false, now); // all delivered is committed (a revocation's commit, perhaps)
            commitAnswered(null); // nothing left for a refusal to hold: as for the failures, else 503 for good
            return;
        }
        consumer.commitAsync(offsets, (done, e) -> {
            commitsFailing.observe(e != null, clock.getAsLong());
            commitAnswered(e);
            if (e == null) {
                changes.committed();
                done.forEach((tp, o) -> {
                    PartitionProgress progress = partitions.get(tp);
                    if (progress != null) { // still ours: not revoked while the commit was in flight
                        progress.committed(o.offset());
                    }
                });
            } else {
                changes.commitFailed(e.getMessage());
            }
        });
    }

    /**
     * The offsets of {@code owned} to commit, those that moved, or all ({@code evenUnmoved}: a partition's last commit
     * here, at its revocation or the stop, says what its next owner is to know even when the offset did not move).
     * None of a partition still handed over: its previous owner's mark stands ({@link PartitionProgress#uncommitted}).
     */
    private Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<TopicPartition> owned,
                                                               boolean evenUnmoved) {
        return uncommitted(owned, evenUnmoved, pipeline.written());
    }

    private Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<TopicPartition> owned,
                                                               boolean evenUnmoved, long written) {
        long acknowledged = pipeline.lettersAcknowledged();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : owned) {
            PartitionProgress progress = partitions.get(tp);
            if (progress != null) {
                progress.uncommitted(written, acknowledged, evenUnmoved).ifPresent(next -> offsets.put(tp,
                        new OffsetAndMetadata(next.offset(), next.leaderEpoch(), mark(tp))));
            }
        }
        return offsets;
    }

    /**
     * Commits the delivered position of {@code owned}, once the sending thread has written what it took (or is
     * held, or the wait is over) and the dead letters sent are acknowledged (or that wait is over); a failure is
     * logged, the records come again later.
     */
    private void commit(Collection<TopicPartition> owned) {
        awaitWritten();
        commitWritten(owned, pipeline.written());
    }

    /** Waits for the sending thread to write what it took (or for the wait's end: then said). */
    private void awaitWritten() {
        if (!pipeline.awaitWritten(WRITTEN_WAIT)) {
            log.info("committing what was written; {} datagrams not written and {} dead letters not acknowledged yet:"
                    + " their records will be delivered again", pipeline.submitted() - pipeline.written(),
                    pipeline.lettersSent() - pipeline.lettersAcknowledged());
        }
    }

    /** Commits the position of {@code owned} delivered by the {@code written} first datagrams. */
    private void commitWritten(Collection<TopicPartition> owned, long written) {
        Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted(owned, true, written);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            if (running) {
                consumer.commitSync(offsets);
            } else {
                consumer.commitSync(offsets, COMMIT_WAIT);
            }
            offsets.forEach((tp, o) -> partitions.get(tp).committed(o.offset()));
            commitsFailing.observe(false, clock.getAsLong());
            commitAnswered(null);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            metrics.commitFailed();
            commitAnswered(e);
            log.warn("commit failed ({}); the uncommitted records will be delivered again after a rebalance",
                    e.getMessage());
        }
    }

    /**
     * Whether Kafka refused a commit ({@code failure} an authorization among its causes) or took one (null): a
     * refusal is one of Kafka's, as a poll's is (the gauge, /healthz after the bound, an ERROR naming the grant).
     */
    private void commitAnswered(Exception failure) {
        Throwable refused = failure == null ? null : Causes.find(failure, t -> t instanceof AuthorizationException);
        KafkaRefusal kind = refused == null ? null : KafkaRefusal.of((AuthorizationException) refused);
        if (kind == commitRefusal || failure != null && kind == null) {
            return; // unchanged, or a failure of another kind (said as such)
        }
        commitRefusal = kind;
        commitRefusalLine = kind == null ? null : kind.line(refused.getMessage());
        if (kind != null && refusal == null && kind != KafkaRefusal.TOPIC) {
            sayCommitRefusal();
        } else if (kind == null && commitRefusalSaid) {
            changes.commitsAccepted();
            commitRefusalSaid = false;
        }
        kafkaRefusing.observe(refusal != null || commitRefusal != null, clock.getAsLong());
        metrics.kafkaRefused(refusal != null || commitRefusal != null);
    }

    private void sayCommitRefusal() {
        changes.commitsRefused(commitRefusalLine);
        commitRefusalSaid = true;
    }

    private void finalCommit() {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                commit(List.copyOf(partitions.keySet()));
                return;
            } catch (WakeupException e) {
                // the stop() wake-up was still pending; the second attempt goes through
            }
        }
    }

    private void updateLag(long now) {
        if (now - lastLagNanos < LAG_INTERVAL_NANOS) {
            return;
        }
        lastLagNanos = now;
        changes.pauseTick(now);
        pipeline.deadLettersDue(now);
        clientThreads.observe();
        if (clientThreads.died() != null) {
            throw new IllegalStateException("a Kafka client's network thread ended (its ERROR line above says why): "
                    + "nothing it sends would go; exiting, to start again whole");
        }
        // A refusal is an answer: taken for none, Kafka was said unreachable and reachable again every 15 s, sending
        // the operator to the network instead of the ACLs.
        boolean answered = kafkaAnswered(now);
        observeKafka(answered || refusal != null, now);
        long lag = pendingCount();
        Set<TopicPartition> assignment = consumer.assignment();
        if (feed instanceof Feed.Live live) {
            live.openTransactions().watch(assignment);
            if (!assignment.isEmpty() || topic.watched()) { // a topic gone takes the assignment with it
                int count = topicCount(live.topic(), false, now);
                if (!assignment.isEmpty()) {
                    Set<Integer> mine = new HashSet<>();
                    assignment.forEach(tp -> mine.add(tp.partition()));
                    pipeline.partitionCount(count, mine, now); // a count of 0 or less says nothing there
                }
                observeTopic(live.topic(), count, !assignment.isEmpty(), now);
            }
        } else if (feed instanceof Feed.Replay replay && topicLost(replay.window(), now)) {
            // Its consumer waited for the partitions to come back, for good: a script running it never ended.
            endAtTopicLoss(replay.window());
        }
        Set<Integer> unwritable = new HashSet<>();
        Map<TopicPartition, OptionalLong> waiting = new HashMap<>();
        for (TopicPartition tp : assignment) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag += l.getAsLong();
            }
            PartitionProgress progress = partitions.get(tp);
            int fetched = progress == null ? 0 : progress.waiting();
            waiting.put(tp, l.isPresent() ? OptionalLong.of(l.getAsLong() + fetched) : OptionalLong.empty());
            if (progress != null && progress.handingOver()) {
                progress.positionAt(position(tp), pipeline, tp.partition());
            }
            // Live: everything of it delivered and Wazuh taking datagrams, so time without records is silence.
            boolean live = answered && !pause.active() && (progress == null || progress.waiting() == 0)
                    && l.isPresent() && l.getAsLong() == 0 && !heldBack(tp);
            // One that takes no writes has its time run on as a live one's, its hosts' silences standing still,
            // live or not: not live (a listener's transaction the outage keeps open, its markers refused too; the
            // consumer's lag unknown once the leader moved), its time stood still and the first heartbeat after the
            // outage was a leap its host's own clock bore out: reported silent, then back (a CI run's
            // ReplicatedClusterFailoverTest). Nothing new can be written there, so no time of it is anyone's silence.
            boolean takesNoWrites = feed instanceof Feed.Live f && f.openTransactions().unwritable(tp);
            pipeline.live(tp.partition(), live || takesNoWrites, now);
            if (takesNoWrites) {
                unwritable.add(tp.partition());
            }
        }
        pipeline.unwritable(unwritable, now);
        if (feed instanceof Feed.Live) {
            if (pause.active()) {
                floods.interrupted(now); // Wazuh refusing: no time of delivery's pace
            }
            for (FloodingHosts.Change flood : floods.judge(waiting, now)) {
                changes.flood(flood);
                pipeline.partitionChanged(flood);
            }
            metrics.flooded(floods.flooded());
        }
        metrics.lag(lag);
    }

    /** The consumer's position in {@code tp}, -1 when it has none now (not sought yet). */
    private long position(TopicPartition tp) {
        try {
            return consumer.position(tp, Duration.ZERO);
        } catch (KafkaException e) {
            return -1;
        }
    }

    /**
     * The topic's partition count in the consumer's metadata: 0 when the topic is not there (a zero wait asks the
     * broker, whose answer it cannot have yet: a timeout), {@link TopicPresence#UNKNOWN} when the metadata could not be
     * read (an authorization refused: a topic one may not describe is absent from it too). Its absence alone is no
     * deletion: the metadata loses the topic while Kafka is unreachable too ({@link #topicCount}).
     */
    private int partitionCount(String topic) {
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ZERO);
            return infos == null ? 0 : infos.size();
        } catch (TimeoutException e) {
            return 0;
        } catch (WakeupException e) {
            throw e; // a stop (a KafkaException too): taken here, the look-ups after it would not be woken
        } catch (KafkaException e) {
            return TopicPresence.UNKNOWN;
        }
    }

    /**
     * The topic's partition count for {@link TopicPresence}: the consumer's metadata's; absent from it, 0 only on
     * positive evidence that the topic does not exist: a broker answered a look-up so ({@link #ABSENCE_LOOKUP_WAIT}),
     * asked only while Kafka is reachable (some connection, fetches answered lately) and not refusing, once per change
     * (the topic seen again, Kafka reachable again, a revocation), else again after 30 s; otherwise {@link
     * TopicPresence#UNDECIDED}, which changes nothing. A broker outage, the metadata emptied by it, is no deletion: it
     * was taken for one, an ERROR and at the stop a commit skipped and records reported lost.
     *
     * @param revoking a revocation's: whatever was asked before, it asks (its commit and any loss depend on it)
     */
    private int topicCount(String name, boolean revoking, long now) {
        int count = partitionCount(name);
        if (count != 0) {
            absenceAsked = false; // in the metadata (or unreadable): its next absence is asked about at once
            return count;
        }
        if (topic.gone() || !topic.watched()) {
            return 0; // confirmed gone already (back once the metadata has it), or an absence that judges nothing
        }
        if (refusal != null || kafkaAway || connectionCount() == 0
                || !revoking && absenceAsked && now - absenceAskedNanos < ABSENCE_LOOKUP_AGAIN_NANOS) {
            return TopicPresence.UNDECIDED;
        }
        int answered = askedPartitionCount(name);
        absenceAsked = answered != 0;
        absenceAskedNanos = now;
        return answered;
    }

    /**
     * The topic's partition count as a broker answers it within {@link #ABSENCE_LOOKUP_WAIT}: 0 when it answered that
     * the topic does not exist (UNKNOWN_TOPIC_OR_PARTITION: the consumer's look-up returns no partitions), {@link
     * TopicPresence#UNDECIDED} when no answer came (a timeout) or the look-up failed (refused, the consumer closing).
     */
    private int askedPartitionCount(String name) {
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(name, ABSENCE_LOOKUP_WAIT);
            return infos == null ? 0 : infos.size();
        } catch (WakeupException e) {
            if (running) {
                throw e; // as partitionCount's
            }
            return TopicPresence.UNDECIDED; // a stop's: its commit goes, with COMMIT_WAIT
        } catch (RuntimeException e) {
            return TopicPresence.UNDECIDED;
        }
    }

    /**
     * Whether the events topic is gone from the metadata ({@code count} partitions in it now; assigned some or not),
     * said when it goes, comes back, or comes back with fewer partitions; the gauge and /healthz follow. While Kafka
     * refuses the polls, the metadata leaves out what the forwarder may no longer describe: not judged.
     */
    private void observeTopic(String name, int count, boolean assigned, long now) {
        topic.observe(refusal != null ? TopicPresence.UNKNOWN : count, assigned)
                .ifPresent(change -> changes.topic(name, change));
        metrics.topicMissing(topic.gone());
        topicMissing.observe(topic.gone(), now);
    }

    /**
     * Whether the topic a replay reads is gone from Kafka (deleted), or was made again since (fewer partitions), judged
     * as the live forwarder judges it: either way the window's records not read yet are gone.
     */
    private boolean topicLost(ReplayWindow window, long now) {
        return !window.gone() && topic.observe(topicCount(window.topic(), false, now), true).isPresent();
    }

    /** Ends a replay's window where it was read to, its topic lost: what was fetched is still delivered. */
    private void endAtTopicLoss(ReplayWindow window) {
        changes.replayTopicGone(window.topic(), window.topicDeleted(consumer));
    }

    /**
     * Of {@code revoked} (or lost), the partitions the events topic no longer has: it was deleted (the group's
     * assignment drops a topic gone from the leader's metadata), or made again with fewer partitions. Their offsets
     * cannot be committed (the broker retries a commit to a topic it does not have until the consumer's timeout,
     * 60 s, holding the loop), nor would anyone deliver their records: lost, said below. Only on a deletion confirmed
     * by a broker's answer ({@link #topicCount}): revoked while Kafka is unreachable (a stop during an outage), or with
     * no answer, every partition is committed as before and nothing is said lost.
     */
    private List<TopicPartition> goneWithTopic(Collection<TopicPartition> revoked) {
        if (!(feed instanceof Feed.Live live) || revoked.isEmpty() || !topic.watched()) {
            return List.of();
        }
        long now = clock.getAsLong();
        observeTopic(live.topic(), topicCount(live.topic(), true, now), true, now);
        return revoked.stream().filter(tp -> topic.lacks(tp.partition())).toList();
    }

    /**
     * The records of {@code gone} that this forwarder knew of and had not delivered (fetched, or counted in the lag:
     * not those written since its last fetch, nor past a transaction open then), reported as deleted before delivery,
     * as retention's are. Partitions whose delivered offset or position is not known here say nothing.
     */
    private void lostWithTopic(List<TopicPartition> gone) {
        lostWithTopic(gone, pipeline.written());
    }

    /** @param written the datagrams written, as of before their queued ones were withdrawn (which count as written) */
    private void lostWithTopic(List<TopicPartition> gone, long written) {
        long acknowledged = pipeline.lettersAcknowledged();
        for (TopicPartition tp : gone) {
            PartitionProgress progress = partitions.get(tp);
            long from = progress == null ? -1 : progress.undeliveredFrom(written, acknowledged);
            long position = position(tp);
            if (from < 0 || position < 0) {
                continue;
            }
            long to = Math.max(from, position + consumer.currentLag(tp).orElse(0));
            if (to > from) {
                pipeline.deletedBeforeDelivery(new LiveStart.Deleted(tp, from, to,
                        LiveStart.Deleted.Cause.TOPIC_DELETED));
            }
        }
    }

    /**
     * Whether records are written past the partition's stable end (a transaction open on it): its lag, measured to
     * the stable end, cannot say that they wait. Never for a replay, which has no silent-host watch.
     */
    private boolean heldBack(TopicPartition tp) {
        return feed instanceof Feed.Live live && live.openTransactions().holdBack(tp);
    }

    /**
     * Once a second, with the lag: whether Kafka is reachable: the consumer has a connection to some broker and Kafka
     * answered lately ({@link #kafkaAnswered}). A connection being attempted counts as one, and so does one open to a
     * broker that no longer answers (packets dropped by a firewall, a host gone, a broker hung): cut off so, the count
     * stayed 1 and the forwarder said nothing, /healthz 200, while no record came.
     */
    private void observeKafka(boolean answered, long now) {
        boolean unreachable = connectionCount() == 0 || !answered;
        if (kafkaAway && !unreachable) {
            absenceAsked = false; // reachable again: a topic still absent is asked about at once
        }
        kafkaAway = unreachable;
        metrics.kafkaUnreachable(unreachable);
        if (kafkaUnreachable.observe(unreachable, now)) {
            if (unreachable) {
                changes.kafkaUnreachable(fetching(), acceptedAfter);
            } else {
                changes.kafkaReachable();
            }
        }
    }

    private double connectionCount() {
        double count = ConsumerMetric.CONNECTION_COUNT.of(consumer);
        return Double.isNaN(count) ? 1 : count; // no such metric (a test double): no evidence of an outage
    }

    /**
     * Once a second, with the lag: whether Kafka answered lately. While the consumer fetches, a fetch answered within
     * {@link #FETCH_ANSWERED_NANOS} (a paused or hung broker may keep the connections counted). While it fetches
     * nothing (no partition: more members than partitions; or all paused), any answer within {@link #acceptedAfter}:
     * a group member's heartbeats come every few seconds, and any consumer's metadata at each 30 s refresh (a
     * replay's too: {@link Forwarder#consumerProperties}). Such a member was taken as reachable on its connection
     * count alone: with its brokers hung (accepting connections, never answering) it said nothing and /healthz stayed
     * 200 for as long as they hung.
     */
    private boolean kafkaAnswered(long now) {
        double responses = ConsumerMetric.RESPONSE_TOTAL.of(consumer);
        if (Double.isNaN(responses) || responses != lastResponseTotal) { // NaN: no such metric (a test double)
            lastResponseTotal = responses;
            lastResponseNanos = now;
        }
        boolean fetching = fetching();
        double fetches = ConsumerMetric.FETCH_TOTAL.of(consumer);
        if (Double.isNaN(fetches) || fetches != lastFetchTotal || !fetching) {
            // A new answer, or nothing asked: the window starts again when fetching does.
            lastFetchTotal = fetches;
            lastFetchAnsweredNanos = now;
        }
        if (fetching) {
            return now - lastFetchAnsweredNanos <= FETCH_ANSWERED_NANOS;
        }
        return now - lastResponseNanos <= acceptedAfterNanos;
    }

    /** Whether the consumer asks for records: some partition assigned and not paused. */
    private boolean fetching() {
        Set<TopicPartition> assigned = consumer.assignment();
        return !assigned.isEmpty() && !consumer.paused().containsAll(assigned);
    }

    /** Places the partitions without a committed offset ({@link LiveStart}), and says what each start skipped. */
    private void place(LiveStart liveStart, Collection<TopicPartition> assigned) {
        LiveStart.Placement placement = liveStart.position(consumer, assigned);
        // Each start is committed at the next interval, whatever is delivered: a restart starts there, neither
        // skipping as old what waited for Wazuh nor reporting a skip again.
        placement.starts().forEach((tp, start) -> partitions.computeIfAbsent(tp, k -> new PartitionProgress())
                .skippedTo(start));
        placement.skipped().forEach(pipeline::historySkipped);
        placement.handedOver().forEach((tp, sought) -> {
            PartitionProgress progress = partitions.computeIfAbsent(tp, k -> new PartitionProgress());
            progress.handOver(sought.committed());
            progress.fetchedTo(sought.from()); // read again from there after a poll out of memory
            pipeline.handingOver(tp.partition(), WatchHandover.Mark.of(sought.committed()));
        });
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final LiveStart liveStart;
        private final StaticRejoin rejoin;

        Rebalance(LiveStart liveStart, StaticRejoin rejoin) {
            this.liveStart = liveStart;
            this.rejoin = rejoin;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            List<TopicPartition> gone = goneWithTopic(revoked);
            List<TopicPartition> kept = new ArrayList<>(revoked);
            kept.removeAll(gone);
            awaitWritten(); // what the sending thread took, whose datagrams count as delivered
            // Their datagrams still queued taken back before the commit, and the commit counts what was written then:
            // committed first, the thread went on writing theirs during the commit's round trip, delivered but not
            // committed, and their new owner delivered them again (31 of 250 in a slow Wazuh's review run).
            Outbox.Withdrawn withdrawn = pipeline.withdraw(numbers(revoked));
            long written = withdrawn.writtenBefore() < 0 ? pipeline.written() : withdrawn.writtenBefore();
            commitWritten(kept, written);
            // Theirs withdrawn count as written once the thread passes them: what was written before says what the
            // deleted topic took undelivered.
            lostWithTopic(gone, written);
            forget(revoked, withdrawn);
            if (!revoked.isEmpty()) {
                log.info("partitions revoked: {}", revoked);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            lostWithTopic(goneWithTopic(lost));
            forget(lost);
            log.warn("partitions lost (their records will be delivered by their new owner): {}", lost);
        }

        /**
         * Called at the end of every rebalance with the cooperative protocol, even with nothing added. Its end does not
         * say that a partition count the metadata showed before is reflected in the assignment: the leader computed
         * it from metadata of its own ({@link SilentHostWatch#partitionCount}).
         */
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            rejoin.joined();
            if (!assigned.isEmpty() && feed instanceof Feed.Live live) {
                // The topic is there (the group's leader assigned it): back, or made again with fewer partitions, is
                // said now, before its records are delivered. The next second's look said it after the first event
                // made again was delivered, and nothing but "partitions assigned" was logged by then.
                long now = clock.getAsLong();
                observeTopic(live.topic(), topicCount(live.topic(), false, now), true, now);
            }
            if (!assigned.isEmpty()) {
                log.info("partitions assigned: {}", assigned);
            }
            place(liveStart, assigned);
        }

        private void forget(Collection<TopicPartition> gone) {
            forget(gone, pipeline.withdraw(numbers(gone)));
        }

        /** As {@link #forget}, their datagrams still queued taken back already ({@code withdrawn}). */
        private void forget(Collection<TopicPartition> gone, Outbox.Withdrawn withdrawn) {
            for (TopicPartition tp : gone) {
                partitions.remove(tp);
            }
            pipeline.forget(numbers(gone));
            if (!withdrawn.unwritten().isEmpty()) {
                log.info("{} datagrams of those partitions not written: their new owner delivers them",
                        withdrawn.unwritten().size());
            }
        }

        private static List<Integer> numbers(Collection<TopicPartition> gone) {
            return gone.stream().map(TopicPartition::partition).toList();
        }
    }
}
