package io.dwb.forwarder;

import io.dwb.runtime.Causes;
import io.dwb.runtime.KafkaClientThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link OpenTransactions} looked at once a second on a thread of its own, so that a slow or hung broker never holds
 * up delivery: each partition's written end (its high watermark) against its stable end, two ListOffsets requests to
 * each leader (an admin client of the forwarder's Kafka settings). A partition whose leader does not answer while
 * others' do is held back too: this process is cut off from that broker, so its consumer's lag for the partition is
 * the last one it read (0, perhaps) and says nothing. When no leader answers, nothing is known; a reading older than
 * {@link #FRESH_NANOS} says nothing. While a partition's leader does not answer, the watch asks with a new admin
 * client every {@link #RENEWED_EVERY_NANOS}: Kafka's keeps each partition's last known leader until that one answers
 * otherwise, and asked a hung leader, fenced and gone from the cluster's metadata, for ever (KAFKA-20673).
 *
 * <p>The same readings show a partition stalled behind a transaction nobody ends ({@link StalledPartitions}): its
 * stable end standing still for {@code --stalled-after} while records are written past it. Its lag, measured to the
 * stable end, reads 0 and nothing else would say that its hosts' alerts wait: a WARN line names it, once a stall, an
 * INFO line says when it moves again ({@link #LINES_PER_MINUTE} a minute each, then a count), and the metrics count
 * the partitions stalled, the longest stall and the records waiting. Each stall, and the end of each one so said, is
 * handed to the delivery loop too ({@link #takeSaid}), which sends it to Wazuh: a security team watches Wazuh, not
 * this process's log; so is each partition that stops or starts taking writes ({@link UnwritablePartitions}).
 */
final class OpenTransactionWatch implements OpenTransactions, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpenTransactionWatch.class);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** The watch's thread's name. */
    static final String THREAD = "open-transactions";
    /** What the watch's admin client adds to the forwarder's {@code client.id}. */
    private static final String CLIENT_ID_SUFFIX = "-open-transactions";
    private static final long INTERVAL_NANOS = INTERVAL.toNanos();
    /** How long one reading may take. */
    private static final Duration TIMEOUT = INTERVAL.multipliedBy(2);
    /**
     * How long a reading is judged by, from when it came back: the wait before the next one and its whole timeout (the
     * next reading's return, when a leader does not answer), and an interval to spare. Three intervals, before, were
     * exactly that return: a partition held back by a hung leader was taken as live for the moments each reading came
     * back late (a loaded CI run's {@code OpenTransactionWatchTest}), its hosts' silences growing then.
     */
    static final long FRESH_NANOS = INTERVAL_NANOS + TIMEOUT.toNanos() + INTERVAL_NANOS;
    /**
     * How often, at most, the watch takes a new admin client while a partition's leader does not answer (its
     * leader looked up again): ten intervals, a bootstrap and a metadata request each.
     */
    static final long RENEWED_EVERY_NANOS = 10 * INTERVAL.toNanos();
    /**
     * Stall lines, and lines of stalls released, a minute at most each: a writer holding transactions open on every
     * partition of a forwarder with hundreds would otherwise make hundreds at once (the metrics count them all).
     */
    static final int LINES_PER_MINUTE = 10;
    /**
     * How long the partitions found taking no writes are still taken so while their replicas cannot be read (a broker
     * down may leave a reading unanswered now and then): then none is, as when nothing is known.
     */
    private static final long UNWRITABLE_KEPT_NANOS = 30 * INTERVAL_NANOS;
    /** Tries, a second apart, to start a thread in place of one that ended: a minute's. */
    private static final int REPLACE_ATTEMPTS = 60;

    /**
     * Partitions a reading found so, and when it came back (monotonic), for {@link #FRESH_NANOS}. Judged from when a
     * reading came back, not when it was asked: a leader that does not answer makes each reading take its whole
     * {@link #TIMEOUT}, and one judged from its start was stale for most of the next one's.
     */
    private record Found(Set<TopicPartition> partitions, long atNanos) {
        static final Found NONE = new Found(Set.of(), Long.MIN_VALUE);

        boolean has(TopicPartition partition, long nowNanos) {
            return nowNanos - atNanos <= FRESH_NANOS && partitions.contains(partition);
        }
    }

    /**
     * How the watch waits between readings for its stop: {@code stop}'s await, which may itself run out of memory
     * (parking allocates the waiter's node) while a poll fills the heap.
     */
    @FunctionalInterface
    interface Wait {
        /** Whether {@code stop} came within {@code nanos}. */
        boolean stopped(CountDownLatch stop, long nanos) throws InterruptedException;
    }

    /** What the leaders answered: each answered partition's ends, those to hold back, those whose leader did not. */
    private record Answers(Map<TopicPartition, StalledPartitions.Ends> ends, Set<TopicPartition> heldBack,
                           Set<TopicPartition> unanswered) {}

    /** A new admin client of the forwarder's settings: after its thread died, the watch takes another. */
    private final Supplier<Admin> admins;
    /** The admin client's network thread, by name: to tell a reading failed because it died. */
    private final String adminThread;
    private volatile Admin admin;
    private KafkaClientThreads adminThreads;
    /** A new admin client could not be made yet (said once). */
    private boolean renewing;
    /** When the admin client was last replaced for a leader that did not answer (monotonic); whether that was said. */
    private long renewedAtNanos;
    private boolean unansweredSaid;
    private final LongSupplier clock;
    /** The watch's thread: another after one ended on what it did not catch ({@link #replace}). */
    private volatile Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Wait wait;
    /** Makes the watch's thread, and each that replaces it. */
    private final ThreadFactory threads;
    private final StalledPartitions stalls;
    private final ForwarderMetrics metrics;
    private final LinesPerMinute stalledLines = new LinesPerMinute(LINES_PER_MINUTE);
    private final LinesPerMinute releasedLines = new LinesPerMinute(LINES_PER_MINUTE);
    /** Threads replaced after an error other than a shortage of memory: a line a minute (a bug would repeat). */
    private final LinesPerMinute replacedLines = new LinesPerMinute(1);
    // The loop's state, the watch's thread's alone, kept across a replacement of that thread
    private boolean failing;
    private boolean skipped;
    private long waitNanos; // the first reading at once
    /** Stalls and the ends of those, writes refused and taken again, for Wazuh, until the delivery loop takes them. */
    private final Queue<PartitionChange> said = new ConcurrentLinkedQueue<>();
    private final UnwritablePartitions unwritable = new UnwritablePartitions();
    /** Whether the partitions' replicas could not be read lately (said once), and when they last were (monotonic). */
    private boolean replicasUnread;
    private long replicasReadAtNanos;
    private volatile Set<TopicPartition> watched = Set.of();
    /** Those with records past their stable end or whose leader did not answer, at the last reading one answered. */
    private volatile Found heldBack = Found.NONE;
    /** Those taking no writes, at the last reading. */
    private volatile Found takingNoWrites = Found.NONE;

    private OpenTransactionWatch(Supplier<Admin> admins, String adminThread, LongSupplier clock,
                                 Duration stalledAfter, ForwarderMetrics metrics, Wait wait, ThreadFactory threads) {
        this.admins = admins;
        this.wait = wait;
        this.threads = threads;
        this.adminThread = adminThread;
        this.admin = admins.get();
        this.adminThreads = KafkaClientThreads.named(Set.of(adminThread)).observe();
        this.clock = clock;
        this.renewedAtNanos = clock.getAsLong();
        this.stalls = new StalledPartitions(stalledAfter.toNanos());
        this.metrics = metrics;
        this.thread = newThread();
    }

    private Thread newThread() {
        Thread t = threads.newThread(this::run);
        t.setDaemon(true);
        t.setUncaughtExceptionHandler(this::replace);
        return t;
    }

    /**
     * Starts the watch with the forwarder's Kafka client settings ({@code client.id} suffixed).
     *
     * @param stalledAfter how long a stable end may stand still, records past it, before its partition is stalled
     * @param metrics      where the stalls are counted
     */
    static OpenTransactionWatch start(Properties kafka, LongSupplier clock, Duration stalledAfter,
                                      ForwarderMetrics metrics) {
        return start(() -> LookupAdmins.open(kafka, CLIENT_ID_SUFFIX, TIMEOUT),
                KafkaClientThreads.admin(clientId(kafka)), clock, stalledAfter, metrics);
    }

    /** The {@code client.id} of the watch's admin client, for the forwarder's Kafka settings {@code kafka}. */
    static String clientId(Properties kafka) {
        return LookupAdmins.clientId(kafka, CLIENT_ID_SUFFIX);
    }

    /**
     * Starts the watch asking the admin clients of {@code admins}, which it closes: another when the network thread
     * of the one it asks, named {@code adminThread}, has died.
     */
    static OpenTransactionWatch start(Supplier<Admin> admins, String adminThread, LongSupplier clock,
                                      Duration stalledAfter, ForwarderMetrics metrics) {
        return start(admins, adminThread, clock, stalledAfter, metrics,
                (stop, nanos) -> stop.await(nanos, TimeUnit.NANOSECONDS));
    }

    /** As above, waiting between readings with {@code wait}. */
    static OpenTransactionWatch start(Supplier<Admin> admins, String adminThread, LongSupplier clock,
                                      Duration stalledAfter, ForwarderMetrics metrics, Wait wait) {
        return start(admins, adminThread, clock, stalledAfter, metrics, wait, r -> new Thread(r, THREAD));
    }

    /** As above, its threads made by {@code threads} (named {@link #THREAD}). */
    static OpenTransactionWatch start(Supplier<Admin> admins, String adminThread, LongSupplier clock,
                                      Duration stalledAfter, ForwarderMetrics metrics, Wait wait,
                                      ThreadFactory threads) {
        OpenTransactionWatch watch = new OpenTransactionWatch(admins, adminThread, clock, stalledAfter, metrics,
                wait, threads);
        watch.thread.start();
        return watch;
    }

    @Override
    public void watch(Set<TopicPartition> partitions) {
        watched = Set.copyOf(partitions);
    }

    @Override
    public List<PartitionChange> takeSaid() {
        if (said.isEmpty()) {
            return List.of(); // asked every delivery round: nothing allocated while nothing is said
        }
        List<PartitionChange> taken = new ArrayList<>();
        for (PartitionChange c = said.poll(); c != null; c = said.poll()) {
            taken.add(c);
        }
        return taken;
    }

    @Override
    public boolean holdBack(TopicPartition partition) {
        return heldBack.has(partition, clock.getAsLong());
    }

    @Override
    public boolean unwritable(TopicPartition partition) {
        return takingNoWrites.has(partition, clock.getAsLong());
    }

    private void run() {
        while (true) {
            try {
                if (wait.stopped(stop, waitNanos)) {
                    return;
                }
                waitNanos = INTERVAL_NANOS;
                if (skipped) {
                    log.warn("readings of the partitions' open transactions were skipped: the heap was full");
                    skipped = false;
                }
                // Before each reading, not only after a failed one: none is made while no partition is watched,
                // the catch does not look once readings fail, and a client that could not be made is tried again here
                if (renewedAdmin()) {
                    continue; // read with the new client at the next interval
                }
                failing = readOnce(failing);
            } catch (OutOfMemoryError e) {
                // The delivery loop's poll of a record too large to read filled the heap for a moment (it survives
                // that: UnreadableRecordSearch): this round is skipped, and said at the next one. Anywhere in it:
                // the wait too, whose parking allocates (a CI run ended the forwarder so). Nothing allocated here (a
                // log line now could run out too); parking this thread allocates nothing, and close() unparks it.
                skipped = true;
                waitNanos = INTERVAL_NANOS;
                LockSupport.parkNanos(INTERVAL_NANOS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The handler of what the watch's thread did not catch: another thread takes its place, its first reading a
     * second later, the stalls and readings kept. The catch in {@link #run} is not enough: a CI run's HeaderBombTest
     * still ended the forwarder with "OutOfMemoryError (thread open-transactions)" after the whole round was inside
     * it (likely HotSpot's deoptimisation, which cannot re-allocate an optimised frame's objects on a full heap and
     * throws past its catch). The watch is not needed to deliver, so its thread's end need not end the forwarder.
     * While the heap is full no thread can be made either: tried each second, and only when none could be started
     * for a minute is the error handled as any vital thread's (OutOfMemoryExit: exit 3).
     */
    private void replace(Thread ended, Throwable error) {
        Throwable failure = error;
        // The heap a poll filled is full for a moment: a new thread cannot be made then (a CI run's HeaderBombTest
        // exited so, on the first try), and is tried again each second, this dying thread parked meanwhile
        for (int attempt = 0; attempt < REPLACE_ATTEMPTS; attempt++) {
            try {
                if (stop.getCount() == 0) {
                    return; // closing: nothing to replace
                }
                if (attempt == 0 && error instanceof OutOfMemoryError) {
                    skipped = true; // said by the next round: a line now could run out too
                } else if (attempt == 0 && replacedLines.take(clock.getAsLong())) {
                    log.error("the open-transaction watch's thread failed, another takes its place (a defect: "
                            + "please report it)", error);
                }
                waitNanos = INTERVAL_NANOS;
                Thread next = newThread();
                thread = next;
                next.start();
                return;
            } catch (Throwable e) {
                failure = e;
                LockSupport.parkNanos(INTERVAL_NANOS); // close() unparks it
            }
        }
        // No thread could be made for a minute: as a vital thread's error, so that its handler ends the process on a
        // shortage (exit 3) rather than run on without the watch
        ended.getThreadGroup().uncaughtException(ended, failure instanceof OutOfMemoryError ? failure : error);
    }

    /**
     * One reading of the watched partitions' ends and in-sync replicas, asked together; returns whether the ends
     * cannot be read (said once, until they are). The replicas are read whether the leaders answer or not: a partition
     * whose leader is gone is the one most likely short of in-sync replicas.
     */
    private boolean readOnce(boolean failing) throws InterruptedException {
        Set<TopicPartition> partitions = watched;
        long askedAt = clock.getAsLong();
        if (partitions.isEmpty()) {
            stalled(stalls.read(Map.of(), partitions, askedAt), askedAt); // none assigned: none stalled here
            return failing;
        }
        long deadline = askedAt + TIMEOUT.toNanos();
        CompletableFuture<UnwritablePartitions.Replicas> replicas = UnwritablePartitions.ask(admin, partitions, clock,
                deadline);
        Answers answers = null;
        ExecutionException unread = null;
        try {
            answers = read(partitions, deadline);
        } catch (ExecutionException e) {
            unread = e;
        }
        Set<TopicPartition> unwritable = unwritable(replicas, answers == null ? Map.of() : written(answers.ends()),
                deadline);
        long readAt = clock.getAsLong();
        takingNoWrites = new Found(unwritable, readAt);
        if (answers == null) { // what is held back stands as the last reading a leader answered left it
            // Again: a thread that died during this reading failed it ("The AdminClient thread has exited"), not Kafka
            if (renewedAdmin()) {
                return failing;
            }
            if (Causes.find(unread, t -> t instanceof AuthorizationException) == null) {
                // A leader refusing (an ACL on the topic) answered: a new client, a new login every 10 s, changed
                // nothing, and "do not answer" sent the operator to the brokers instead of the ACLs.
                renewForUnanswered(partitions, readAt);
            }
            if (!failing) {
                log.warn("the partitions' written and stable ends cannot be read ({}): until they are, "
                        + "the lag alone says whether a quiet partition's records are all read, and a "
                        + "transaction left open can make its hosts look silent", unread.getMessage());
            }
            return true;
        }
        heldBack = new Found(answers.heldBack(), readAt);
        renewForUnanswered(answers.unanswered(), readAt);
        stalled(stalls.read(answers.ends(), partitions, askedAt), askedAt);
        if (failing) {
            log.info("the partitions' open transactions are looked at again");
        }
        return false;
    }

    /**
     * A new admin client while {@code unanswered} is not empty, every {@link #RENEWED_EVERY_NANOS} at most: a leader
     * that does not answer may be one that left, and Kafka's admin client keeps asking the leader it knew (a CI run's
     * forwarder asked a fenced broker for 3 minutes, until the test gave up).
     */
    private void renewForUnanswered(Set<TopicPartition> unanswered, long nowNanos) {
        if (unanswered.isEmpty()) {
            unansweredSaid = false;
            return;
        }
        if (nowNanos - renewedAtNanos < RENEWED_EVERY_NANOS) {
            return;
        }
        if (!unansweredSaid) {
            log.info("the leader(s) of partition(s) {} do not answer the open-transaction watch: it asks with a new "
                    + "admin client every {} s while they do not, which looks their leaders up again (Kafka's admin "
                    + "client asks the last leader it knew, even one that left the cluster)",
                    NamedPartitions.of(List.copyOf(unanswered), TopicPartition::toString),
                    RENEWED_EVERY_NANOS / 1_000_000_000L);
            unansweredSaid = true;
        }
        renewedAtNanos = nowNanos;
        takeNewAdmin();
    }

    /**
     * Whether the admin client's network thread had died (Kafka's threads end on an Error, logging it only: the
     * shortage of memory of a poll of a record too large to read, which the delivery loop survives) and another
     * client was taken: the watch's, which the forwarder does not need to deliver, need not end it.
     */
    private boolean renewedAdmin() {
        String died = adminThreads.died();
        if (died == null) {
            return false;
        }
        if (!renewing) {
            log.warn("the Kafka admin client of the open-transaction watch lost its thread ({}): using a new one",
                    died);
        }
        takeNewAdmin();
        return true;
    }

    /**
     * Replaces the admin client by a new one, made first: when none can be made now (a bootstrap address that does
     * not resolve), the old one is kept and it is tried again at the next interval (said once); thrown, it ended this
     * thread, a vital one.
     */
    private void takeNewAdmin() {
        Admin next;
        try {
            next = admins.get();
        } catch (RuntimeException e) {
            if (!renewing) {
                log.warn("no new admin client for the open-transaction watch now ({}): trying again each second",
                        e.getMessage());
                renewing = true;
            }
            return;
        }
        renewing = false;
        // The new client's thread has the old one's name: the old one, ending as it closes, is not taken for it
        adminThreads = adminThreads.successor().observe();
        admin.close(Duration.ZERO);
        admin = next;
    }

    /** Says what a reading at {@code nowNanos} changed, within {@link #LINES_PER_MINUTE}, and counts the stalls. */
    private void stalled(List<StalledPartitions.Change> changes, long nowNanos) {
        for (StalledPartitions.Change change : changes) {
            if (change instanceof StalledPartitions.Stalled s) {
                // Every stall goes to Wazuh (at most one a partition at a time), whatever the log's limit: so does
                // the end of each (StalledPartitions releases only a partition it said stalled), not a revocation.
                said.add(s);
                if (stalledLines.take(nowNanos)) {
                    TopicPartition tp = s.partition();
                    log.warn("partition {} stalled: its stable end has stood at offset {} for {} s with {} record(s) "
                            + "written past it, which this forwarder (read_committed) cannot read until the "
                            + "transaction open there ends: the alerts of every host of the partition wait, and their "
                            + "silences are not judged meanwhile. A listener that died mid-transaction holds one until "
                            + "its transaction.timeout.ms (60 s unless its Kafka configuration sets more) and the "
                            + "broker's next check; past that, another producer keeps a transaction open there (a "
                            + "listener's credentials used by someone else, a stuck client), or the broker left one "
                            + "hanging: kafka-transactions.sh describe-producers --topic {} "
                            + "--partition {} names it (docs/security.md)", tp, s.stableOffset(),
                            seconds(s.heldNanos()), s.waiting(), tp.topic(), tp.partition());
                }
            } else if (change instanceof StalledPartitions.Released r) {
                if (r.moved()) {
                    said.add(r);
                }
                if (!releasedLines.take(nowNanos)) {
                    continue;
                }
                if (r.moved()) {
                    log.info("partition {} moves again: its stable end, held at offset {} for {} s, is now {} (the "
                            + "transaction open there ended)", r.partition(), r.stableOffset(),
                            seconds(r.heldNanos()), r.nowStable());
                } else {
                    log.info("partition {} is no longer this forwarder's, its stable end held at offset {} for {} s: "
                            + "its new owner says whether it moves", r.partition(), r.stableOffset(),
                            seconds(r.heldNanos()));
                }
            }
        }
        long stalledLeftOut = stalledLines.leftOut(nowNanos);
        long releasedLeftOut = releasedLines.leftOut(nowNanos);
        if (stalledLeftOut > 0 || releasedLeftOut > 0) {
            log.warn("{} more partition(s) stalled and {} more released within a minute than are logged one by one "
                    + "({} a minute each): dwb_forwarder_partitions_stalled counts those stalled now",
                    stalledLeftOut, releasedLeftOut, LINES_PER_MINUTE);
        }
        metrics.stalls(stalls.stalled(), stalls.longestNanos(nowNanos), stalls.waiting());
    }

    private static long seconds(long nanos) {
        return nanos / 1_000_000_000L;
    }

    /**
     * Each answered partition's ends; to hold back: the partitions whose written end is past their stable end, and
     * those whose leaders did not answer in time when others did (a broker this process is cut off from: before, one
     * leader that did not answer failed the whole reading, and the lag alone, 0 for a partition no longer fetched,
     * made every host it leads look silent); fails only when none answered.
     */
    private Answers read(Set<TopicPartition> partitions, long deadline)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        ListOffsetsResult written = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED));
        ListOffsetsResult stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED));
        Set<TopicPartition> heldBack = new HashSet<>();
        Set<TopicPartition> unanswered = new HashSet<>();
        Map<TopicPartition, StalledPartitions.Ends> ends = new HashMap<>();
        Exception failure = null;
        int answered = 0;
        for (TopicPartition tp : partitions) {
            try {
                long w = written.partitionResult(tp).get(left(deadline), TimeUnit.NANOSECONDS).offset();
                long s = stable.partitionResult(tp).get(left(deadline), TimeUnit.NANOSECONDS).offset();
                answered++;
                ends.put(tp, new StalledPartitions.Ends(w, s));
                if (w > s) {
                    heldBack.add(tp);
                }
            } catch (ExecutionException | TimeoutException e) {
                failure = e;
                heldBack.add(tp); // its leader did not answer, or refused
                if (!(e.getCause() instanceof AuthorizationException)) {
                    unanswered.add(tp);
                }
            }
        }
        if (answered == 0) {
            throw new ExecutionException(failure instanceof TimeoutException ? "no leader answered within "
                    + TIMEOUT.toSeconds() + " s" : failure.getMessage(), failure);
        }
        return new Answers(ends, Set.copyOf(heldBack), Set.copyOf(unanswered));
    }

    /**
     * The partitions that take no writes ({@link UnwritablePartitions}; told to the delivery loop, whose silent-host
     * watch stops their hosts' silences growing), what changed said. While their replicas cannot be read (no answer
     * in time, a principal without DescribeConfigs on the topic), those found last, for {@link
     * #UNWRITABLE_KEPT_NANOS}; then none, as before this was read, until a reading says what changed meanwhile.
     */
    private Set<TopicPartition> unwritable(CompletableFuture<UnwritablePartitions.Replicas> replicas,
                                           Map<TopicPartition, Long> writtenEnds, long deadline)
            throws InterruptedException {
        try {
            UnwritablePartitions.Replicas read = replicas.get(left(deadline), TimeUnit.NANOSECONDS);
            long now = clock.getAsLong();
            UnwritablePartitions.Changes changes = unwritable.update(read, writtenEnds, now);
            replicasReadAtNanos = now;
            if (replicasUnread) {
                log.info("the partitions' in-sync replicas are read again");
                replicasUnread = false;
            }
            sayWritability(changes.all());
            said.addAll(changes.toSay()); // in Wazuh too, once it lasts
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            replicas.cancel(false); // a DescribeConfigs not asked yet is not asked
            if (!replicasUnread) {
                log.info("the partitions' in-sync replicas cannot be read ({}): until they are, a partition that "
                        + "takes no writes (fewer in-sync replicas than min.insync.replicas) can make its hosts look "
                        + "silent", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                replicasUnread = true;
            }
            if (clock.getAsLong() - replicasReadAtNanos > UNWRITABLE_KEPT_NANOS) {
                unwritable.unknown();
            }
        }
        metrics.unwritable(unwritable.partitions().size());
        return unwritable.partitions();
    }

    private static void sayWritability(List<UnwritablePartitions.Change> changes) {
        List<UnwritablePartitions.Change> stopped = changes.stream()
                .filter(c -> c instanceof UnwritablePartitions.Stopped).toList();
        List<UnwritablePartitions.Change> started = changes.stream()
                .filter(c -> c instanceof UnwritablePartitions.Started).toList();
        if (!stopped.isEmpty()) {
            log.warn("partition(s) {} take no writes: fewer in-sync replicas than their topic's min.insync.replicas "
                    + "(brokers down or behind), or in-sync replicas that do not answer, which every write waits for "
                    + "until the brokers drop them from the in-sync replicas (seconds after a broker fails; never "
                    + "while the controller quorum is lost: kafka-metadata-quorum.sh describe --status). Every "
                    + "listener's transaction there fails until then (the listeners hold their events and publish "
                    + "them then), and the hosts there are not counted silent meanwhile; kafka-topics.sh --describe "
                    + "--under-min-isr-partitions lists those short of in-sync replicas",
                    NamedPartitions.of(stopped, UnwritablePartitions.Change::described));
        }
        if (!started.isEmpty()) {
            log.info("partition(s) {} take writes again",
                    NamedPartitions.of(started, UnwritablePartitions.Change::described));
        }
    }

    /** The written end of each partition of {@code ends}. */
    private static Map<TopicPartition, Long> written(Map<TopicPartition, StalledPartitions.Ends> ends) {
        Map<TopicPartition, Long> written = new HashMap<>();
        ends.forEach((tp, e) -> written.put(tp, e.written()));
        return written;
    }

    private long left(long deadline) {
        return Math.max(0, deadline - clock.getAsLong());
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            // The one replaced as this closes included: replace() starts no other once stop is counted down
            for (Thread t = thread, last = null; t != last; last = t, t = thread) {
                LockSupport.unpark(t); // parked after a shortage of memory
                t.join(TIMEOUT.multipliedBy(2).toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ZERO); // thread-safe: a reading still waiting fails at once
    }
}
