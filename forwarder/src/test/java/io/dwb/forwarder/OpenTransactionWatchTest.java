package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.NamedThread;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListTransactionsResult;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which partitions the open-transaction watch holds back from counting as live (the unit layer under
 * OpenTransactionSilenceTest): an admin client whose leaders answer as scripted. A broker this forwarder is cut off
 * from, while it reaches the others, must hold its partitions back: their lag is the consumer's last one, 0 perhaps,
 * and every host they hold was reported silent after three intervals (about a third of a 3-broker fleet).
 */
class OpenTransactionWatchTest {
    private static final TopicPartition CAUGHT_UP = new TopicPartition("events", 0);
    private static final TopicPartition UNREACHABLE = new TopicPartition("events", 1);
    private static final TopicPartition OPEN = new TopicPartition("events", 2);
    @RegisterExtension
    final LogLines logged = LogLines.of(OpenTransactionWatch.class);

    /** The leader of UNREACHABLE never answers ({@code hung}) or refuses at once; the others answer. */
    /**
     * A watch asking {@code admin} alone, stalls after 2 minutes: where it would take a new client (a leader that does
     * not answer, a dead network thread), it takes the same one again.
     */
    private static OpenTransactionWatch asking(Admin admin, LongSupplier clock, ForwarderMetrics metrics) {
        return OpenTransactionWatch.start(() -> admin, "", clock, Duration.ofMinutes(2), metrics);
    }

    private static Admin leaders(boolean hung) {
        return leaders(hung, new AtomicLong(90), new AtomicInteger());
    }

    /**
     * As above, OPEN's stable end at {@code openStable} (its written end 100) and each call of listOffsets counted in
     * {@code calls} (a reading makes two).
     */
    private static Admin leaders(boolean hung, AtomicLong openStable, AtomicInteger calls) {
        return answering(calls, (tp, committed) -> tp.equals(UNREACHABLE) ? (hung ? HUNG : REFUSED)
                : tp.equals(OPEN) && committed ? openStable.get() : 100); // open at 90
    }

    /** An end for {@link #answering}: the leader never answers. */
    private static final long HUNG = -2;
    /** An end for {@link #answering}: the leader fails the request at once. */
    private static final long REFUSED = -3;
    /** An end for {@link #answering}: the leader refuses this principal the topic (an ACL missing). */
    private static final long NOT_AUTHORIZED = -4;

    /**
     * An admin client whose leaders answer each partition's written end ({@code committed} false) or stable end as
     * {@code end} says ({@link #HUNG}, {@link #REFUSED}: no answer); each call of listOffsets counted in {@code calls}
     * (a reading makes two).
     */
    private static Admin answering(AtomicInteger calls, BiFunction<TopicPartition, Boolean, Long> end) {
        return answering(calls, end, tp -> REPLICAS);
    }

    /** Replicas of each partition of "events" (0 to 2) in {@link #answering}; the topic needs two in sync. */
    private static final int REPLICAS = 3;
    private static final int MIN_IN_SYNC = 2;

    /** As above, each partition's in-sync replicas as {@code inSync} says. */
    private static Admin answering(AtomicInteger calls, BiFunction<TopicPartition, Boolean, Long> end,
                                   Function<TopicPartition, Integer> inSync) {
        return answering(calls, end, inSync, broker -> Presence.ANSWERS);
    }

    /** How a broker answers whether it is there (a ListTransactions, which each answers for itself). */
    private enum Presence {
        ANSWERS,
        /** With an error: there too. */
        REFUSES,
        TIMES_OUT,
        /** Not among the brokers the cluster's metadata lists. */
        UNLISTED
    }

    /** As above, each broker answering whether it is there as {@code presence} says. */
    private static Admin answering(AtomicInteger calls, BiFunction<TopicPartition, Boolean, Long> end,
                                   Function<TopicPartition, Integer> inSync, IntFunction<Presence> presence) {
        return answering(calls, end, inSync, presence, true);
    }

    /** As above, the topic's settings refused unless {@code settingsReadable} (a principal without DescribeConfigs). */
    private static Admin answering(AtomicInteger calls, BiFunction<TopicPartition, Boolean, Long> end,
                                   Function<TopicPartition, Integer> inSync, IntFunction<Presence> presence,
                                   boolean settingsReadable) {
        List<Node> brokers = List.of(new Node(1, "b1", 9092), new Node(2, "b2", 9092), new Node(3, "b3", 9092));
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "describeTopics" -> {
                        List<TopicPartitionInfo> partitions = new ArrayList<>();
                        for (int p = 0; p < 3; p++) {
                            partitions.add(new TopicPartitionInfo(p, brokers.get(0), brokers,
                                    brokers.subList(0, inSync.apply(new TopicPartition("events", p)))));
                        }
                        yield new DescribeTopicsResult(null, Map.of("events", KafkaFuture.completedFuture(
                                new TopicDescription("events", false, partitions)))) { };
                    }
                    case "describeConfigs" -> {
                        KafkaFutureImpl<Config> settings = new KafkaFutureImpl<>();
                        if (settingsReadable) {
                            settings.complete(new Config(List.of(new ConfigEntry("min.insync.replicas",
                                    String.valueOf(MIN_IN_SYNC)))));
                        } else {
                            settings.completeExceptionally(new TopicAuthorizationException("no DescribeConfigs"));
                        }
                        yield new DescribeConfigsResult(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "events"),
                                settings)) { };
                    }
                    case "listOffsets" -> {
                        calls.incrementAndGet();
                        @SuppressWarnings("unchecked")
                        Map<TopicPartition, OffsetSpec> asked = (Map<TopicPartition, OffsetSpec>) args[0];
                        boolean committed = ((ListOffsetsOptions) args[1]).isolationLevel()
                                == IsolationLevel.READ_COMMITTED;
                        Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> answers =
                                new HashMap<>();
                        for (TopicPartition tp : asked.keySet()) {
                            KafkaFutureImpl<ListOffsetsResult.ListOffsetsResultInfo> answer = new KafkaFutureImpl<>();
                            long at = end.apply(tp, committed);
                            if (at == REFUSED) {
                                answer.completeExceptionally(new TimeoutException("no answer from its leader"));
                            } else if (at == NOT_AUTHORIZED) {
                                answer.completeExceptionally(new org.apache.kafka.common.errors
                                        .TopicAuthorizationException("Not authorized to access topics: [events]"));
                            } else if (at != HUNG) {
                                answer.complete(new ListOffsetsResult.ListOffsetsResultInfo(at, -1, Optional.empty()));
                            }
                            answers.put(tp, answer);
                        }
                        yield new ListOffsetsResult(answers);
                    }
                    case "listTransactions" -> {
                        Map<Integer, KafkaFutureImpl<Collection<TransactionListing>>> byBroker = new HashMap<>();
                        for (Node broker : brokers) {
                            KafkaFutureImpl<Collection<TransactionListing>> answer = new KafkaFutureImpl<>();
                            switch (presence.apply(broker.id())) {
                                case ANSWERS -> answer.complete(List.of());
                                case REFUSES -> answer.completeExceptionally(new UnknownServerException("refused"));
                                case TIMES_OUT -> answer.completeExceptionally(new TimeoutException("Timed out "
                                        + "waiting for a node assignment. Call: listTransactions"));
                                case UNLISTED -> {
                                    continue;
                                }
                            }
                            byBroker.put(broker.id(), answer);
                        }
                        yield transactions(byBroker);
                    }
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Kafka's result of a ListTransactions, each broker's answer in {@code byBroker}: its constructor is its package's. */
    private static ListTransactionsResult transactions(
            Map<Integer, KafkaFutureImpl<Collection<TransactionListing>>> byBroker) throws ReflectiveOperationException {
        Constructor<ListTransactionsResult> made = ListTransactionsResult.class.getDeclaredConstructor(
                KafkaFuture.class);
        made.setAccessible(true);
        return made.newInstance(KafkaFuture.completedFuture(byBroker));
    }

    @Test
    void aPartitionWhoseLeaderDoesNotAnswerWhileTheOthersDoIsHeldBack() {
        for (boolean hung : new boolean[] {true, false}) {
            try (OpenTransactionWatch watch = asking(leaders(hung), System::nanoTime, new ForwarderMetrics())) {
                watch.watch(Set.of(CAUGHT_UP, UNREACHABLE, OPEN));

                await().atMost(Duration.ofSeconds(10)).until(() -> watch.holdBack(OPEN));

                assertThat(watch.holdBack(UNREACHABLE)).as("hung: " + hung).isTrue();
                assertThat(watch.holdBack(CAUGHT_UP)).as("hung: " + hung).isFalse();
            }
        }
    }

    /**
     * The admin client's network thread died (Kafka's threads end on an Error: the shortage of memory of a poll of a
     * record too large to read, which the delivery loop survives): the watch takes another client and reads on.
     * Before, every reading failed for good, and the forwarder exited at its per-second check of that thread. A new
     * client that cannot be made at once (an address that does not resolve now) is tried again, not the thread's end.
     */
    @Test
    void anAdminClientWhoseThreadDiedIsReplaced() throws InterruptedException {
        String threadName = KafkaClientThreads.admin("dwb-forwarder-open-transactions");
        NamedThread network = NamedThread.running(threadName);
        AtomicInteger built = new AtomicInteger();
        Admin dead = answering(new AtomicInteger(), (tp, committed) -> REFUSED); // "The AdminClient thread has exited"
        Admin next = leaders(false);
        Supplier<Admin> admins = () -> switch (built.incrementAndGet()) {
            case 1 -> dead;
            case 2 -> throw new KafkaException("No resolvable bootstrap urls given in bootstrap.servers"); // retried
            default -> next;
        };
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(admins, threadName, System::nanoTime,
                Duration.ofMinutes(2), new ForwarderMetrics())) {
            network.end();
            watch.watch(Set.of(CAUGHT_UP, OPEN));

            await().atMost(Duration.ofSeconds(10)).until(() -> watch.holdBack(OPEN));
            assertThat(built).hasValue(3);
        }
    }

    /**
     * The heap filled by a poll of a record too large to read (which the delivery loop survives) while the watch waits
     * between readings: parking allocates, so the wait itself runs out. The watch skips that round, says so at the
     * next, and reads on. Before, the OutOfMemoryError ended its thread, and the forwarder with it (a CI run's
     * HeaderBombTest: "Terminating due to java.lang.OutOfMemoryError: Java heap space (thread open-transactions)").
     */
    @Test
    void aShortageOfMemoryInTheWaitBetweenReadingsSkipsARoundAndTheWatchReadsOn() {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger waits = new AtomicInteger();
        OpenTransactionWatch.Wait runsOutOnce = (stop, nanos) -> {
            if (waits.incrementAndGet() == 2) { // the first wait after a reading
                throw new OutOfMemoryError("Java heap space");
            }
            return stop.await(nanos, TimeUnit.NANOSECONDS);
        };
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(() -> leaders(false, new AtomicLong(90), calls),
                "", System::nanoTime, Duration.ofMinutes(2), new ForwarderMetrics(), runsOutOnce)) {
            watch.watch(Set.of(CAUGHT_UP, OPEN));
            await().atMost(Duration.ofSeconds(10)).until(() -> waits.get() >= 2);

            awaitReadings(calls, 2);
            assertThat(watch.holdBack(OPEN)).as("read on after the shortage").isTrue();
            assertThat(logged.events()).extracting(ILoggingEvent::getFormattedMessage)
                    .contains("readings of the partitions' open transactions were skipped: the heap was full");
        }
    }

    /**
     * An error the watch's loop does not catch ends its thread (HotSpot can throw an OutOfMemoryError past a catch when
     * it cannot re-allocate a deoptimised frame's objects on a full heap: a CI run's HeaderBombTest ended the forwarder
     * so, its whole round inside the catch). Another thread takes its place and reads on; the error is logged; closing
     * ends the new one. Before, the thread ended: the forwarder with it (exit 3) on an OutOfMemoryError, and readings
     * silently on any other error.
     */
    @Test
    void anErrorThatEndsTheWatchsThreadIsSurvivedByAnotherThread() {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger waits = new AtomicInteger();
        Set<Thread> watchThreads = ConcurrentHashMap.newKeySet();
        OpenTransactionWatch.Wait failsOnce = (stop, nanos) -> {
            watchThreads.add(Thread.currentThread());
            if (waits.incrementAndGet() == 2) {
                throw new StackOverflowError("past the loop's catch");
            }
            return stop.await(nanos, TimeUnit.NANOSECONDS);
        };
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(
                () -> leaders(false, new AtomicLong(90), calls), "", System::nanoTime, Duration.ofMinutes(2),
                new ForwarderMetrics(), failsOnce)) {
            watch.watch(Set.of(CAUGHT_UP, OPEN));
            await().atMost(Duration.ofSeconds(10)).until(() -> waits.get() >= 2);

            awaitReadings(calls, 2);
            assertThat(watch.holdBack(OPEN)).as("read on by another thread").isTrue();
            assertThat(logged.events()).anySatisfy(e -> {
                assertThat(e.getFormattedMessage()).startsWith("the open-transaction watch's thread failed");
                assertThat(e.getThrowableProxy().getMessage()).isEqualTo("past the loop's catch");
            });
        }
        assertThat(watchThreads).as("another thread").hasSize(2)
                .allSatisfy(t -> assertThat(t.getName()).isEqualTo(OpenTransactionWatch.THREAD))
                .as("closed: none left").noneMatch(Thread::isAlive);
    }

    /**
     * The shortage that ended the watch's thread may not have passed when it ends: no new thread can be made then
     * either (a CI run's HeaderBombTest: the first try ran out of memory too, and the forwarder exited 3). The
     * replacement is tried again a second later, and the watch reads on.
     */
    @Test
    void aReplacementThatCannotBeMadeAtOnceIsTriedAgainAndTheWatchReadsOn() {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger waits = new AtomicInteger();
        AtomicInteger made = new AtomicInteger();
        OpenTransactionWatch.Wait failsOnce = (stop, nanos) -> {
            if (waits.incrementAndGet() == 2) {
                throw new StackOverflowError("past the loop's catch");
            }
            return stop.await(nanos, TimeUnit.NANOSECONDS);
        };
        java.util.concurrent.ThreadFactory shortOnce = r -> {
            if (made.incrementAndGet() == 2) { // the first replacement
                throw new OutOfMemoryError("Java heap space");
            }
            return new Thread(r, OpenTransactionWatch.THREAD);
        };
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(() -> leaders(false, new AtomicLong(90), calls),
                "", System::nanoTime, Duration.ofMinutes(2), new ForwarderMetrics(), failsOnce, shortOnce)) {
            watch.watch(Set.of(CAUGHT_UP, OPEN));
            await().atMost(Duration.ofSeconds(10)).until(() -> made.get() >= 3);

            awaitReadings(calls, 2);
            assertThat(watch.holdBack(OPEN)).as("read on by the thread made at the second try").isTrue();
        }
    }

    /** No leader answers: nothing is known, the lag alone judges, as when the ends cannot be read at all. */
    @Test
    void noPartitionIsHeldBackWhenNoLeaderAnswers() {
        try (OpenTransactionWatch watch = asking(leaders(false), System::nanoTime, new ForwarderMetrics())) {
            watch.watch(Set.of(UNREACHABLE));
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> !watch.holdBack(UNREACHABLE));
        }
    }

    /**
     * A leader that does not answer makes each reading take its whole timeout (2 s). A reading judged from when it was
     * asked was stale for two seconds of each three: the partition counted as live, its hosts' silences growing, most
     * of the time. Judged from when it came back, it stays held back from one reading to the next, even when the
     * watch's thread wakes up late for each (300 ms here, as on a loaded machine): judged for three intervals, exactly
     * the time from one such reading's return to the next one's, it was not held back for as long as each was late (a
     * loaded CI run).
     */
    @Test
    void aPartitionWhoseLeaderHangsStaysHeldBackBetweenReadings() {
        OpenTransactionWatch.Wait late = (stop, nanos) -> stop.await(nanos + 300_000_000L, TimeUnit.NANOSECONDS);
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(() -> leaders(true), "", System::nanoTime,
                Duration.ofMinutes(2), new ForwarderMetrics(), late)) {
            watch.watch(Set.of(CAUGHT_UP, UNREACHABLE));
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.holdBack(UNREACHABLE));

            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6))
                    .until(() -> watch.holdBack(UNREACHABLE));
        }
    }

    /**
     * Kafka's admin client keeps each partition's last known leader and asks it until it answers otherwise; a leader
     * that hung, fenced and gone from the cluster's metadata, never does, and a CI run's watch asked one for three
     * minutes (KAFKA-20673): its partition neither read nor found short of in-sync replicas. While a leader does not
     * answer, the watch takes a new client every 10 s, which looks the leaders up again; said once.
     */
    @Test
    void aLeaderThatDoesNotAnswerIsLookedUpAgainWithANewAdminClient() {
        AtomicLong clock = new AtomicLong(1_000 * SECOND);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger built = new AtomicInteger();
        // The first client asks a leader that is gone; the next finds the one that took its place
        Supplier<Admin> admins = () -> built.incrementAndGet() == 1 ? leaders(true, new AtomicLong(90), calls)
                : answering(calls, (tp, committed) -> tp.equals(OPEN) && committed ? 90 : 100L);
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(admins, "", clock::get, Duration.ofMinutes(2),
                new ForwarderMetrics())) {
            watch.watch(Set.of(UNREACHABLE, OPEN));
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.holdBack(UNREACHABLE));
            clock.addAndGet(OpenTransactionWatch.RENEWED_EVERY_NANOS - SECOND);
            awaitReadings(calls, 1);
            assertThat(built).as("within 10 s").hasValue(1);

            clock.addAndGet(SECOND);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(built).hasValue(2));
            awaitReadings(calls, 1);
            assertThat(watch.holdBack(OPEN)).as("a fresh reading").isTrue();
            assertThat(watch.holdBack(UNREACHABLE)).as("its leader answers the new client").isFalse();
            assertThat(logged.events()).extracting(ILoggingEvent::getFormattedMessage).filteredOn(m -> m.contains(
                    "do not answer the open-transaction watch")).singleElement().asString()
                    .startsWith("the leader(s) of partition(s) events-1 do not answer");
        }
    }

    /**
     * Leaders that refuse the principal the topic (Describe removed) answered: no new admin client (a new login) every
     * 10 s and no "do not answer", which sent the operator to the brokers; the ends unread are said once, Kafka's words
     * in it. An ACL review saw both while an ACL was missing.
     */
    @Test
    void leadersThatRefuseThePrincipalAreNotTakenForLeadersThatDoNotAnswer() {
        AtomicLong clock = new AtomicLong(1_000 * SECOND);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger built = new AtomicInteger();
        Supplier<Admin> admins = () -> {
            built.incrementAndGet();
            return answering(calls, (tp, committed) -> NOT_AUTHORIZED);
        };
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(admins, "", clock::get, Duration.ofMinutes(2),
                new ForwarderMetrics())) {
            watch.watch(Set.of(UNREACHABLE, OPEN));
            awaitReadings(calls, 1);
            for (int i = 0; i < 3; i++) {
                clock.addAndGet(OpenTransactionWatch.RENEWED_EVERY_NANOS + SECOND);
                awaitReadings(calls, 1);
            }
            assertThat(built).as("the same client").hasValue(1);
            List<String> lines = logged.events().stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(lines).noneMatch(m -> m.contains("do not answer"));
            assertThat(lines).filteredOn(m -> m.contains("cannot be read")).singleElement().asString()
                    .contains("Not authorized to access topics: [events]");
        }
    }

    /**
     * No leader answers (a hung broker led them all, or the watch asked a gone one): the partitions' in-sync replicas
     * are still read, from any broker. Read only after the ends, a partition short of them was never found while its
     * leader was gone, which is when it is most likely short.
     */
    @Test
    void aPartitionShortOfInSyncReplicasIsFoundWhileNoLeaderAnswers() {
        Admin admin = answering(new AtomicInteger(), (tp, committed) -> HUNG, tp -> 1);
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(() -> admin, "", System::nanoTime,
                Duration.ofMinutes(2), new ForwarderMetrics())) {
            watch.watch(Set.of(CAUGHT_UP));
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.unwritable(CAUGHT_UP));
            assertThat(writabilityLines(logged)).singleElement().asString()
                    .contains("events-0 (1 in sync, at least 2 needed) take no writes");
        }
    }

    /**
     * A stable end that stands still, records written past it, for --stalled-after is said once, in a WARN line naming
     * the partition, where its stable end stands, for how long and how many records wait behind it, and counted in
     * the metrics; when it moves, an INFO line says how long it was held. Before, nothing said it: the lag read 0,
     * /healthz 200, and every host of the partition had its alerts delayed silently.
     */
    @Test
    void aStableEndThatStandsStillPastTheThresholdIsSaidOnceAndCountedUntilItMoves() {
        AtomicLong clock = new AtomicLong(1_000 * SECOND);
        AtomicLong openStable = new AtomicLong(90);
        AtomicInteger calls = new AtomicInteger();
        ForwarderMetrics metrics = new ForwarderMetrics();
        try (OpenTransactionWatch watch = asking(leaders(false, openStable, calls), clock::get, metrics)) {
            watch.watch(Set.of(CAUGHT_UP, UNREACHABLE, OPEN));
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.holdBack(OPEN));

            clock.addAndGet(119 * SECOND);
            awaitReadings(calls, 1);
            assertThat(stallLines(logged)).as("within the threshold").isEmpty();
            assertThat(gauge(metrics, "dwb_forwarder_partitions_stalled")).isZero();

            clock.addAndGet(SECOND);
            await().atMost(Duration.ofSeconds(10)).until(() -> !stallLines(logged).isEmpty());
            assertThat(stallLines(logged)).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).startsWith("partition events-2 stalled: its stable end has stood "
                        + "at offset 90 for 120 s with 10 record(s) written past it").contains(
                        "kafka-transactions.sh describe-producers --topic events --partition 2");
            });
            assertThat(gauge(metrics, "dwb_forwarder_partitions_stalled")).isEqualTo(1);
            assertThat(gauge(metrics, "dwb_forwarder_stalled_records")).isEqualTo(10);
            assertThat(gauge(metrics, "dwb_forwarder_stall_seconds")).isEqualTo(120);

            clock.addAndGet(600 * SECOND);
            awaitReadings(calls, 2);
            assertThat(stallLines(logged)).as("said once a stall, a leader that does not answer none").hasSize(1);
            assertThat(gauge(metrics, "dwb_forwarder_stall_seconds")).isGreaterThanOrEqualTo(720);

            openStable.set(100);
            clock.addAndGet(SECOND);
            await().atMost(Duration.ofSeconds(10)).until(() -> stallLines(logged).size() == 2);
            assertThat(stallLines(logged).get(1)).satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.INFO);
                assertThat(e.getFormattedMessage()).startsWith("partition events-2 moves again: its stable end, held "
                        + "at offset 90 for 721 s, is now 100");
            });
            assertThat(gauge(metrics, "dwb_forwarder_partitions_stalled")).isZero();
            assertThat(gauge(metrics, "dwb_forwarder_stall_seconds")).isZero();
            assertThat(gauge(metrics, "dwb_forwarder_stalled_records")).isZero();
        }
    }

    /**
     * Every stall goes to Wazuh, not only the 10 a minute the log says one by one; and the end of each one that went,
     * not of a partition no longer watched here (its new owner says it). Sharing the log's limit, stalls past it never
     * reached Wazuh, while their ends could.
     */
    @Test
    void everyStallAndTheEndOfEachGoToWazuhWhateverTheLogsLimit() {
        AtomicLong clock = new AtomicLong(1_000 * SECOND);
        AtomicLong stable = new AtomicLong(90);
        AtomicInteger calls = new AtomicInteger();
        Set<TopicPartition> many = new HashSet<>();
        for (int p = 0; p < OpenTransactionWatch.LINES_PER_MINUTE + 3; p++) {
            many.add(new TopicPartition("events", p));
        }
        Admin allOpen = answering(calls, (tp, committed) -> committed ? stable.get() : 100);
        try (OpenTransactionWatch watch = asking(allOpen, clock::get, new ForwarderMetrics())) {
            watch.watch(many);
            awaitReadings(calls, 1);
            clock.addAndGet(120 * SECOND);
            List<PartitionChange> said = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                said.addAll(watch.takeSaid());
                return said.size() >= many.size();
            });
            assertThat(said).allMatch(c -> c instanceof StalledPartitions.Stalled)
                    .extracting(PartitionChange::partition).containsExactlyInAnyOrderElementsOf(many);

            TopicPartition revoked = new TopicPartition("events", 0);
            Set<TopicPartition> kept = new HashSet<>(many);
            kept.remove(revoked);
            watch.watch(kept);
            awaitReadings(calls, 1);
            stable.set(100);
            said.clear();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                said.addAll(watch.takeSaid());
                return said.size() >= kept.size();
            });
            awaitReadings(calls, 1);
            said.addAll(watch.takeSaid());
            assertThat(said).allMatch(c -> c instanceof StalledPartitions.Released r && r.moved())
                    .extracting(PartitionChange::partition).containsExactlyInAnyOrderElementsOf(kept);
        }
    }

    /**
     * A partition with fewer in-sync replicas than its topic's min.insync.replicas takes no writes (every listener's
     * transaction fails) while its leader answers: its lag read 0, it counted as live, and every host of it was reported
     * silent after three intervals, then back. Now it is told apart (the silent-host watch stops its hosts' silences
     * growing), said in a WARN line, counted and handed on for Wazuh, until it takes writes again (an INFO line, and
     * for Wazuh).
     */
    @Test
    void aPartitionWithFewerInSyncReplicasThanItsTopicNeedsIsHeldBackAndSaidUntilItTakesWritesAgain() {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger inSyncOfFirst = new AtomicInteger(REPLICAS);
        ForwarderMetrics metrics = new ForwarderMetrics();
        Admin admin = answering(calls, (tp, committed) -> 100L,
                tp -> tp.equals(CAUGHT_UP) ? inSyncOfFirst.get() : REPLICAS);
        AtomicLong ahead = new AtomicLong(); // the watch's clock, moved on to pass the 30 s before Wazuh is told
        try (OpenTransactionWatch watch = asking(admin, () -> System.nanoTime() + ahead.get(), metrics)) {
            watch.watch(Set.of(CAUGHT_UP, OPEN));
            awaitReadings(calls, 1);
            assertThat(watch.unwritable(CAUGHT_UP)).isFalse();

            inSyncOfFirst.set(MIN_IN_SYNC); // one broker behind: still takes writes
            awaitReadings(calls, 1);
            assertThat(watch.unwritable(CAUGHT_UP)).isFalse();
            assertThat(gauge(metrics, "dwb_forwarder_partitions_unwritable")).isZero();

            inSyncOfFirst.set(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.unwritable(CAUGHT_UP));
            assertThat(watch.unwritable(OPEN)).isFalse();
            assertThat(watch.holdBack(CAUGHT_UP)).as("its time runs on: SilentHostWatch#unwritable").isFalse();
            assertThat(gauge(metrics, "dwb_forwarder_partitions_unwritable")).isEqualTo(1);
            awaitReadings(calls, 2);
            assertThat(writabilityLines(logged)).as("said once").singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).startsWith("partition(s) events-0 (1 in sync, at least 2 needed) "
                        + "take no writes").contains("not counted silent meanwhile", "--under-min-isr-partitions");
            });

            assertThat(watch.takeSaid()).as("not in Wazuh before it lasts").isEmpty();
            ahead.addAndGet(UnwritablePartitions.SAID_AFTER_NANOS);
            List<PartitionChange> said = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> said.addAll(watch.takeSaid()));
            awaitReadings(calls, 1);
            said.addAll(watch.takeSaid());
            assertThat(said).as("for Wazuh too, once").containsExactly(
                    new UnwritablePartitions.Stopped(CAUGHT_UP, 1, 0, MIN_IN_SYNC));

            inSyncOfFirst.set(REPLICAS);
            await().atMost(Duration.ofSeconds(10)).until(() -> !watch.unwritable(CAUGHT_UP));
            assertThat(gauge(metrics, "dwb_forwarder_partitions_unwritable")).isZero();
            assertThat(writabilityLines(logged)).hasSize(2).last().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.INFO);
                // at least the 30 s the watch's clock was moved on, more by the readings' own
                assertThat(e.getFormattedMessage()).matches("partition\\(s\\) events-0 \\(3 in sync, at least 2 "
                        + "needed; none taken for [3-9][0-9] s\\) take writes again");
            });
            said.addAll(watch.takeSaid());
            assertThat(said).hasSize(2).first().isEqualTo(new UnwritablePartitions.Stopped(CAUGHT_UP, 1, 0,
                    MIN_IN_SYNC));
            assertThat(said.get(1)).isInstanceOfSatisfying(UnwritablePartitions.Started.class, end -> {
                assertThat(end).usingRecursiveComparison().ignoringFields("unwritableNanos")
                        .isEqualTo(new UnwritablePartitions.Started(CAUGHT_UP, REPLICAS, MIN_IN_SYNC, 0));
                assertThat(end.unwritableSeconds()).as("how long it took no writes").isBetween(30L, 99L);
            });
        }
    }

    /**
     * A lost controller quorum: the partition's in-sync replicas read as all three, more than its topic needs, while
     * two of them are dead and every write waits for them (seen on a real cluster: ReplicatedClusterFailoverTest).
     * Once they have not answered for 3 s the partition takes no writes, said with how many do not answer, until they
     * answer again.
     */
    @Test
    void aPartitionWhoseInSyncBrokersDoNotAnswerTakesNoWritesUntilTheyDo() {
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean othersAnswer = new AtomicBoolean(true);
        // The watch's clock, standing still but where the test moves it (past the 3 s a broker may not answer)
        AtomicLong now = new AtomicLong();
        Admin admin = answering(calls, (tp, committed) -> 100L, tp -> REPLICAS, broker -> broker == 1
                ? Presence.REFUSES // an error is an answer
                : othersAnswer.get() ? Presence.ANSWERS : broker == 2 ? Presence.TIMES_OUT : Presence.UNLISTED);
        try (OpenTransactionWatch watch = asking(admin, now::get, new ForwarderMetrics())) {
            watch.watch(Set.of(CAUGHT_UP));
            awaitReadings(calls, 1);
            assertThat(watch.unwritable(CAUGHT_UP)).isFalse();

            othersAnswer.set(false);
            awaitReadings(calls, 1);
            assertThat(watch.unwritable(CAUGHT_UP)).as("not answered once: no outage yet").isFalse();
            now.addAndGet(UnwritablePartitions.NOT_ANSWERING_AFTER_NANOS);
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.unwritable(CAUGHT_UP));
            assertThat(writabilityLines(logged)).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).startsWith("partition(s) events-0 (3 in sync, 2 of them not "
                        + "answering, at least 2 needed) take no writes").contains("controller quorum is lost");
            });

            othersAnswer.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !watch.unwritable(CAUGHT_UP));
            assertThat(writabilityLines(logged)).hasSize(2).last().satisfies(e -> assertThat(e.getFormattedMessage())
                    .startsWith("partition(s) events-0 (3 in sync, at least 2 needed; none taken for"));
        }
    }

    /**
     * Two in-sync brokers cut off from this forwarder alone (a network split between them): they do not answer it, but
     * the leader has their fetches, so the partition's written end keeps rising. It takes writes: before, it counted
     * as taking none after 3 s (a WARN, its hosts' silences held) and Wazuh was told at 30 s.
     */
    @Test
    void aPartitionWhoseEndRisesTakesWritesThoughItsInSyncBrokersDoNotAnswerThisForwarder() {
        AtomicInteger calls = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        Admin admin = answering(calls, (tp, committed) -> 100L + calls.get(), tp -> REPLICAS,
                broker -> broker == 1 ? Presence.ANSWERS : Presence.TIMES_OUT);
        try (OpenTransactionWatch watch = asking(admin, now::get, new ForwarderMetrics())) {
            watch.watch(Set.of(CAUGHT_UP));
            awaitReadings(calls, 1);
            now.addAndGet(UnwritablePartitions.NOT_ANSWERING_AFTER_NANOS);
            awaitReadings(calls, 2);
            now.addAndGet(UnwritablePartitions.SAID_AFTER_NANOS);
            awaitReadings(calls, 2);
            assertThat(watch.unwritable(CAUGHT_UP)).isFalse();
            assertThat(writabilityLines(logged)).as("no line").isEmpty();
            assertThat(watch.takeSaid()).as("nothing for Wazuh").isEmpty();
        }
    }

    /**
     * A principal without DescribeConfigs on the topic: a partition waiting for in-sync brokers that do not answer
     * takes no writes whatever its setting, so it is found all the same, the least needed given as its replicas.
     * Before, the refused setting failed the whole reading ("cannot be read"), and the quorum lost went unseen.
     */
    @Test
    void aPartitionWaitingForBrokersIsFoundWithoutItsTopicsSetting() {
        AtomicInteger calls = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        Admin admin = answering(calls, (tp, committed) -> 100L, tp -> REPLICAS,
                broker -> broker == 1 ? Presence.ANSWERS : Presence.TIMES_OUT, false);
        try (OpenTransactionWatch watch = asking(admin, now::get, new ForwarderMetrics())) {
            watch.watch(Set.of(CAUGHT_UP));
            awaitReadings(calls, 1);
            now.addAndGet(UnwritablePartitions.NOT_ANSWERING_AFTER_NANOS);
            await().atMost(Duration.ofSeconds(10)).until(() -> watch.unwritable(CAUGHT_UP));
            assertThat(writabilityLines(logged)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                    .startsWith("partition(s) events-0 (3 in sync, 2 of them not answering, at least 3 needed) "
                            + "take no writes"));
            assertThat(logged.events()).noneMatch(e -> e.getFormattedMessage().contains("cannot be read"));
        }
    }

    private static List<ILoggingEvent> writabilityLines(LogLines logged) {
        return logged.events().stream().filter(e -> e.getFormattedMessage().startsWith("partition(s) ")).toList();
    }

    private static final long SECOND = 1_000_000_000L;

    /** Waits until the watch has made {@code readings} more readings (two calls each) after the present one. */
    private static void awaitReadings(AtomicInteger calls, int readings) {
        int target = (calls.get() / 2 + 1 + readings) * 2;
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= target);
    }

    private static List<ILoggingEvent> stallLines(LogLines logged) {
        return logged.events().stream().filter(e -> e.getFormattedMessage().startsWith("partition ")).toList();
    }

    private static double gauge(ForwarderMetrics metrics, String name) {
        for (MetricSnapshot s : metrics.registry().scrape()) {
            if (s.getMetadata().getPrometheusName().equals(name)) {
                return ((GaugeSnapshot) s).getDataPoints().get(0).getValue();
            }
        }
        throw new AssertionError("no metric " + name);
    }
}
