package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.dwb.runtime.KafkaConfigFile;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.SharedKafka.Broker;
import io.dwb.schemas.testing.TestEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A young transaction the broker refuses as in an invalid state (seen once in BurstTest on Kafka 4.2.2: the broker's
 * own abort and another listener's takeover get the same answer): the capture loop in this JVM against the real
 * engine and broker (topics, checkpoint), its producers Kafka's MockProducer, since no broker refuses on demand. One
 * refusal costs a new producer and nothing of what was read; a second one soon after is a takeover, and the listener
 * exits as fenced.
 */
@ExtendWith(SharedKafka.class)
class RefusedTransactionTest {
    private final ExecutorService loopThread = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopLoop() {
        loopThread.shutdownNow();
    }

    /**
     * A MockProducer whose commits of events are refused while {@code refusing} (a heartbeat's alone, as at the
     * start, goes through); keeps what each refused commit held.
     */
    private static final class RefusingProducer extends MockProducer<byte[], byte[]> {
        private final boolean refusing;
        private final Supplier<RuntimeException> refusal;
        final List<ProducerRecord<byte[], byte[]>> refused = new CopyOnWriteArrayList<>();
        /** When it first refused a commit ({@link System#nanoTime}), 0 before. */
        volatile long firstRefusalNanos;

        RefusingProducer(boolean refusing, Supplier<RuntimeException> refusal) {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            this.refusing = refusing;
            this.refusal = refusal;
        }

        @Override
        public void commitTransaction() {
            if (refusing && !events(uncommittedRecords()).isEmpty()) {
                if (firstRefusalNanos == 0) {
                    firstRefusalNanos = System.nanoTime();
                }
                refused.addAll(uncommittedRecords());
                throw refusal.get();
            }
            super.commitTransaction();
        }
    }

    /** Producers the loop takes, in order: the first {@code refusals} refuse their commits (with {@code refusal}). */
    private static final class Producers implements TransactionalPublisher.ProducerSource {
        /** What a broker answers both a newer producer of the id and its own abort (before KAFKA-20785). */
        static final Supplier<RuntimeException> INVALID_STATE = () -> new InvalidTxnStateException("The producer "
                + "attempted a transactional operation in an invalid state.");
        private final int refusals;
        private final Supplier<RuntimeException> refusal;
        final List<RefusingProducer> built = new CopyOnWriteArrayList<>();
        /** When each was built ({@link System#nanoTime}): the loop asks for the next one once it has waited. */
        final List<Long> builtAtNanos = new CopyOnWriteArrayList<>();

        Producers(int refusals) {
            this(refusals, INVALID_STATE);
        }

        Producers(int refusals, Supplier<RuntimeException> refusal) {
            this.refusals = refusals;
            this.refusal = refusal;
        }

        @Override
        public Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
            RefusingProducer p = new RefusingProducer(built.size() < refusals, refusal);
            builtAtNanos.add(System.nanoTime());
            built.add(p);
            return p;
        }
    }

    /**
     * Producers whose first one's commit gets no answer, the second of which cannot be built (Kafka's server name
     * stopped resolving: a headless service's records go while its brokers are down), then ones that work.
     */
    private static final class UnresolvedOnce implements TransactionalPublisher.ProducerSource {
        final List<MockProducer<byte[], byte[]>> built = new CopyOnWriteArrayList<>();
        private int calls;

        @Override
        public Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
            if (++calls == 2) {
                throw new TransactionalPublisher.KafkaUnavailable("cannot build a Kafka producer: No resolvable "
                        + "bootstrap urls given in bootstrap.servers", null);
            }
            MockProducer<byte[], byte[]> p = calls > 2 ? new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) : new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) {
                        @Override
                        public void commitTransaction() {
                            throw new org.apache.kafka.common.errors.TimeoutException("no answer");
                        }
                    };
            built.add(p);
            return p;
        }
    }

    /**
     * Producers that Kafka takes (initTransactions, the checkpoint lookup is the broker's) and whose commits it fails,
     * the first {@code failing} of them, as when the events topic's ACL was revoked; then ones that work, but for one
     * commit of events once {@link #failOnce} is set.
     */
    private static final class FailingCommits implements TransactionalPublisher.ProducerSource {
        private final int failing;
        final List<MockProducer<byte[], byte[]>> built = new CopyOnWriteArrayList<>();
        /** When each was built ({@link System#nanoTime}): the loop asks for the next one once it has waited. */
        final List<Long> builtAtNanos = new CopyOnWriteArrayList<>();
        /** Set: the next commit with events fails, whichever producer makes it. */
        final AtomicBoolean failOnce = new AtomicBoolean();
        /** When a commit last failed ({@link System#nanoTime}). */
        volatile long failedAtNanos;

        FailingCommits(int failing) {
            this.failing = failing;
        }

        @Override
        public Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
            boolean fails = built.size() < failing;
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) {
                @Override
                public void commitTransaction() {
                    if (fails || !events(uncommittedRecords()).isEmpty() && failOnce.getAndSet(false)) {
                        failedAtNanos = System.nanoTime();
                        throw new KafkaException("Cannot execute transactional method because we are in an error "
                                + "state", new TopicAuthorizationException("Not authorized to access topics: "
                                + "[events]"));
                    }
                    super.commitTransaction();
                }
            };
            builtAtNanos.add(System.nanoTime());
            built.add(p);
            return p;
        }
    }

    /**
     * The transactional id's ACL missing for a while (removed and added again by Terraform, an authorizer that cannot
     * reach its policy server, a move to per-host literal ACLs): the first {@code refusedFirst} producers cannot be
     * made ready (initTransactions refused), then one works whose commits of events are refused, the next one's
     * initTransactions is refused too, and the ones after it work.
     */
    private static final class TransactionalIdRevoked implements TransactionalPublisher.ProducerSource {
        private final int refusedFirst;
        final List<MockProducer<byte[], byte[]>> built = new CopyOnWriteArrayList<>();
        /** What the producer whose commits were refused held. */
        final List<ProducerRecord<byte[], byte[]>> refused = new CopyOnWriteArrayList<>();
        /** When each was built ({@link System#nanoTime}): the loop asks for the next one once it has waited. */
        final List<Long> builtAtNanos = new CopyOnWriteArrayList<>();

        TransactionalIdRevoked(int refusedFirst) {
            this.refusedFirst = refusedFirst;
        }

        @Override
        public Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
            int n = built.size() - refusedFirst;
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) {
                @Override
                public void initTransactions() {
                    if (n < 0 || n == 1) {
                        throw new TransactionalIdAuthorizationException("Transactional Id authorization failed.");
                    }
                    super.initTransactions();
                }

                @Override
                public void commitTransaction() {
                    if (n == 0 && !events(uncommittedRecords()).isEmpty()) {
                        refused.addAll(uncommittedRecords());
                        throw new KafkaException("Cannot execute transactional method because we are in an error "
                                + "state", new TransactionalIdAuthorizationException("Transactional Id "
                                + "authorization failed."));
                    }
                    super.commitTransaction();
                }
            };
            builtAtNanos.add(System.nanoTime());
            built.add(p);
            return p;
        }
    }

    /**
     * A listener that took its transactional id, then had it refused for a while (a commit refused, the next
     * producer's initTransactions refused too) goes on: a WARN says what is refused and which ACL to check, the next
     * producer comes after the Kafka retries' wait, and it publishes what was held, once. Before, the second refusal
     * was a configuration error: exit 2, which systemd does not restart (RestartPreventExitStatus=2), the events held
     * lost, every listener that committed in that window (a heartbeat at least every 30 s) stopped for good.
     */
    @Test
    void aTransactionalIdRefusedForAWhileAfterTheStartIsRetried(Broker broker) throws Exception {
        TransactionalIdRevoked producers = new TransactionalIdRevoked(0);
        LogLines lines = LogLines.of(CaptureLoop.class).attach();
        String volume;
        try (lines) {
            CaptureLoop loop = loop(broker, producers);
            Future<Integer> run = loopThread.submit(loop::run);
            volume = twoEventsOnceSubscribed(loop, run);
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 3
                    && mentions(volume, events(producers.built.get(2).history())) == 2);
            assertThat(run.isDone()).as("the listener still runs").isFalse();
            loop.requestStop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
        }

        List<String> refused = events(producers.refused);
        assertThat(refused).isNotEmpty();
        assertThat(events(producers.built.get(2).history())).startsWith(refused.toArray(String[]::new))
                .doesNotHaveDuplicates();
        assertThat(producers.built).hasSize(3);
        // The refused commit, the first wait (1 s), producer 2 refused, the next wait (2 s), producer 3.
        assertThat(Duration.ofNanos(producers.builtAtNanos.get(2) - producers.builtAtNanos.get(1)))
                .as("from the refused producer to the next").isGreaterThanOrEqualTo(Duration.ofSeconds(
                        CaptureLoop.KAFKA_RETRY_FIRST_SECONDS << 1));
        List<String> warnings = lines.messages(Level.WARN).stream().filter(l -> l.startsWith("Kafka unavailable"))
                .toList();
        assertThat(warnings).hasSize(1).allSatisfy(w -> assertThat(w)
                .contains("TransactionalIdAuthorizationException")
                .contains("Write and Describe on transactional id docker-listener-")
                .contains("docs/security.md"));
    }

    /**
     * Refused from the start, by Kafka that never took the id in this process: the ACL is missing, or gone for a while
     * (ACLs re-applied while the host rebooted). Said as an ERROR naming the grant, and tried again with backoff until
     * Kafka takes it. It was exit 2, which systemd does not restart: a host that restarted in an ACL gap of a few
     * seconds stayed without capture for good.
     */
    @Test
    void aTransactionalIdRefusedFromTheStartIsSaidAndTriedAgainUntilTaken(Broker broker) throws Exception {
        RefusedFromTheStart producers = new RefusedFromTheStart(2);
        LogLines lines = LogLines.of(CaptureLoop.class).attach();
        try (lines) {
            CaptureLoop loop = loop(broker, producers);
            Future<Integer> run = loopThread.submit(loop::run);
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 3
                    && !producers.built.get(2).history().isEmpty());
            assertThat(run.isDone()).as("the listener still runs").isFalse();
            loop.requestStop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
        }
        List<String> errors = lines.messages(Level.ERROR);
        assertThat(errors).as("said once, not at each refusal").singleElement().satisfies(e -> assertThat(e)
                .startsWith("not authorized to use transactional id docker-listener-")
                .contains("Write and Describe").contains("docs/security.md").contains("tried again with backoff"));
    }

    /**
     * Brokers whose transaction.max.timeout.ms is {@link #brokersMax}: from the {@code refuseFrom}-th producer on (0:
     * all), one asking for more (Kafka's default 60 s when its properties say none) has its initTransactions refused,
     * in the words Kafka 4.2's producer gives; the first commit of events of producer {@code failingCommit} times out
     * (a broker restarting), and what it held is kept.
     */
    private static final class TimeoutBound implements TransactionalPublisher.ProducerSource {
        volatile long brokersMax;
        private final int refuseFrom;
        private final int failingCommit;
        final List<MockProducer<byte[], byte[]>> built = new CopyOnWriteArrayList<>();
        /** The transaction.timeout.ms each producer asked for, "null" for Kafka's default. */
        final List<String> asked = new CopyOnWriteArrayList<>();
        /** What the commit that timed out held. */
        final List<ProducerRecord<byte[], byte[]>> held = new CopyOnWriteArrayList<>();

        TimeoutBound(long brokersMax, int refuseFrom, int failingCommit) {
            this.brokersMax = brokersMax;
            this.refuseFrom = refuseFrom;
            this.failingCommit = failingCommit;
        }

        @Override
        public Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
            int n = built.size();
            String timeout = clientConfig.getProperty("transaction.timeout.ms");
            asked.add(String.valueOf(timeout));
            long asks = timeout == null ? TransactionalPublisher.DEFAULT_TRANSACTION_TIMEOUT_MS
                    : Long.parseLong(timeout);
            AtomicBoolean failed = new AtomicBoolean();
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) {
                @Override
                public void initTransactions() {
                    if (n >= refuseFrom && asks > brokersMax) {
                        throw new KafkaException("Unexpected error in InitProducerIdResponse; "
                                + org.apache.kafka.common.protocol.Errors.INVALID_TRANSACTION_TIMEOUT.message());
                    }
                    super.initTransactions();
                }

                @Override
                public void commitTransaction() {
                    if (n == failingCommit && !events(uncommittedRecords()).isEmpty() && !failed.getAndSet(true)) {
                        held.addAll(uncommittedRecords());
                        throw new org.apache.kafka.common.errors.TimeoutException("Timeout expired after 30000ms "
                                + "while awaiting EndTxn(COMMIT)");
                    }
                    super.commitTransaction();
                }
            };
            built.add(p);
            return p;
        }
    }

    /**
     * The brokers' transaction.max.timeout.ms lowered under a user's transaction.timeout.ms while the listener runs (a
     * rolling restart): a commit fails, the next producer's initTransactions is refused for its timeout, and the
     * listener goes on: one ERROR names the setting, it tries again with backoff, and once the brokers take a producer
     * (their maximum raised back, or the file lowered) it publishes what it held, once. Before, the refusal was a
     * configuration error from every producer's init: exit 2, never restarted, the events held lost.
     */
    @Test
    void aTransactionTimeoutRefusedAfterTheStartIsRetriedAndWhatWasHeldPublished(Broker broker, @TempDir Path dir)
            throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), "transaction.timeout.ms=120000\n");
        TimeoutBound producers = new TimeoutBound(60_000, 1, 0); // the first producer was taken before the change
        LogLines lines = LogLines.of(CaptureLoop.class).attach();
        String volume;
        try (lines) {
            CaptureLoop loop = loop(command(broker, "--kafka-config", config.toString()), producers);
            Future<Integer> run = loopThread.submit(loop::run);
            // After the other tests, the first start's look back replays their events: the first commit, which fails,
            // may come before the loop is ever healthy.
            await().atMost(Duration.ofSeconds(60)).until(() -> loop.healthy() || run.isDone()
                    || !producers.held.isEmpty());
            volume = twoEvents();
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() >= 3);
            assertThat(run.isDone()).as("the listener still runs, refused").isFalse();
            producers.brokersMax = Long.MAX_VALUE; // raised back
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || mentions(volume,
                    events(producers.built.get(producers.built.size() - 1).history())) == 2);
            assertThat(run.isDone()).as("the listener still runs").isFalse();
            loop.requestStop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
        }

        List<String> held = events(producers.held);
        assertThat(held).isNotEmpty();
        assertThat(events(producers.built.get(producers.built.size() - 1).history()))
                .startsWith(held.toArray(String[]::new)).doesNotHaveDuplicates();
        assertThat(producers.asked).as("the user's value, never stepped down").containsOnly("120000");
        assertThat(lines.messages(Level.ERROR))
                .as("said once, not at each retry").singleElement().asString()
                .contains("transaction.timeout.ms=120000 ms").contains("transaction.max.timeout.ms")
                .contains("tried again with backoff");
    }

    /**
     * Brokers whose transaction.max.timeout.ms (40 s) is under Kafka's producer default (60 s), which the listener
     * asks for when its configuration sets none: at start its next producer asks for what its transactions need
     * (--transaction-interval 100 ms + max.block.ms 30 s), one WARN says so, and it publishes. Before: exit 2 at
     * every start.
     */
    @Test
    void theListenersDefaultRefusedAtStartIsSteppedDown(Broker broker) throws Exception {
        TimeoutBound producers = new TimeoutBound(40_000, 0, -1);
        LogLines lines = LogLines.of(TransactionalProducers.class).attach();
        try (lines) {
            CaptureLoop loop = loop(broker, producers);
            Future<Integer> run = loopThread.submit(loop::run);
            String volume = twoEventsOnceSubscribed(loop, run);
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 2
                    && mentions(volume, events(producers.built.get(1).history())) == 2);
            assertThat(run.isDone()).as("the listener runs").isFalse();
            loop.requestStop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
        }
        assertThat(producers.asked).containsExactly("null", "30100");
        assertThat(lines.messages(Level.WARN))
                .singleElement().asString().contains("transaction.timeout.ms=60000 ms").contains("ask for 30100 ms");
    }

    /** A value of the user's the brokers refuse at start stays a configuration error (exit 2), naming it. */
    @Test
    void aUsersTransactionTimeoutRefusedAtStartIsAConfigurationError(Broker broker, @TempDir Path dir)
            throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), "transaction.timeout.ms=120000\n");
        TimeoutBound producers = new TimeoutBound(60_000, 0, -1);
        CaptureLoop loop = loop(command(broker, "--kafka-config", config.toString()), producers);
        Future<Integer> run = loopThread.submit(loop::run);

        Throwable failure = catchThrowable(() -> run.get(60, TimeUnit.SECONDS));
        assertThat(failure).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(io.dwb.runtime.ConfigurationError.class)
                .hasMessageContaining("transaction.timeout.ms=120000 ms").hasMessageContaining("set a smaller");
        assertThat(producers.asked).containsExactly("120000");
    }

    /** Producers whose {@code initTransactions} Kafka refuses for the first {@code refused}, then takes. */
    private static final class RefusedFromTheStart implements TransactionalPublisher.ProducerSource {
        private final int refused;
        final List<MockProducer<byte[], byte[]>> built = new CopyOnWriteArrayList<>();

        RefusedFromTheStart(int refused) {
            this.refused = refused;
        }

        @Override
        public Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
            boolean refuse = built.size() < refused;
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) {
                @Override
                public void initTransactions() {
                    if (refuse) {
                        throw new TransactionalIdAuthorizationException("Transactional Id authorization failed.");
                    }
                    super.initTransactions();
                }
            };
            built.add(p);
            return p;
        }
    }

    /**
     * Producers whose commits work until {@code failWith} is set, then fail with what it gives: the last heartbeat's
     * transaction of a stop meets a Kafka gone, or a newer listener's fence.
     */
    private static final class FailingAtStop implements TransactionalPublisher.ProducerSource {
        volatile RuntimeException failWith;
        final List<MockProducer<byte[], byte[]>> built = new CopyOnWriteArrayList<>();

        @Override
        public Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) {
                @Override
                public void commitTransaction() {
                    if (failWith != null) {
                        throw failWith;
                    }
                    super.commitTransaction();
                }
            };
            built.add(p);
            return p;
        }
    }

    /**
     * An idle listener told to stop whose last heartbeat Kafka does not take: no answer (a WARN says its host will be
     * reported silent), or a fence (a listener started before this one stopped speaks for the host now). Either way
     * a requested stop exits 0; a fence at this point exited 1 as a takeover would at any other commit.
     */
    @Test
    void aLastHeartbeatKafkaDoesNotTakeLeavesTheStopClean(Broker broker) throws Exception {
        for (RuntimeException failure : List.of(new org.apache.kafka.common.errors.TimeoutException("no answer"),
                new org.apache.kafka.common.errors.ProducerFencedException("a newer producer took the id"))) {
            FailingAtStop producers = new FailingAtStop();
            LogLines lines = LogLines.of(CaptureLoop.class).attach();
            // An engine with no event: nothing can join the stop's last transaction, which is the heartbeat alone.
            try (lines; ScriptedEngine quiet = new ScriptedEngine(List.of())) {
                CaptureLoop loop = loop(broker, producers, "--docker-host", quiet.dockerHost());
                Future<Integer> run = loopThread.submit(loop::run);
                await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || loop.healthy()
                        && producers.built.get(0).history().stream().anyMatch(r -> isHeartbeat(r)));
                producers.failWith = failure;
                loop.requestStop();
                assertThat(run.get(30, TimeUnit.SECONDS)).as(failure.getClass().getSimpleName()).isZero();
                assertThat(producers.built.get(0).history()).filteredOn(r -> isHeartbeat(r))
                        .as("only the start's heartbeat committed").hasSize(1);
            }
            List<String> said = lines.events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(said).noneMatch(l -> l.startsWith("published the last heartbeat"));
            if (failure instanceof org.apache.kafka.common.errors.TimeoutException) {
                assertThat(said).anyMatch(l -> l.startsWith("could not publish the heartbeat that says this "
                        + "listener is stopping"));
            } else {
                assertThat(said).anyMatch(l -> l.startsWith("stopping: another listener for Docker engine"));
            }
        }
    }

    /**
     * A stop whose last transaction holds events, fenced (a listener started before this one stopped): the stop is
     * left to the newer listener, which resumes from the checkpoint, as a fence at a stop always was. Taken as a
     * first refusal (a coordinator's own abort is answered alike), it was said as Kafka unavailable, the host to be
     * reported silent.
     */
    @Test
    void aFencedLastTransactionOfEventsLeavesTheStopToTheNewerListener(Broker broker) throws Exception {
        FailingAtStop producers = new FailingAtStop();
        LogLines lines = LogLines.of(CaptureLoop.class).attach();
        try (lines) {
            // Events wait in the open transaction: held 10 s (the linger, at most), and the stop before that.
            CaptureLoop loop = loop(broker, producers, "--transaction-linger", "10s", "--heartbeat-interval", "5m");
            Future<Integer> run = loopThread.submit(loop::run);
            String volume = twoEventsOnceSubscribed(loop, run);
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || mentions(volume,
                    events(producers.built.get(producers.built.size() - 1).uncommittedRecords())) == 2);
            producers.failWith = new org.apache.kafka.common.errors.ProducerFencedException("a newer producer took "
                    + "the id");
            loop.requestStop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
        }
        List<String> said = lines.events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(said).as("%s", said).anyMatch(l -> l.startsWith("stopping: another listener for Docker engine"))
                .noneMatch(l -> l.contains("report host") && l.contains("silent"));
    }

    private static boolean isHeartbeat(ProducerRecord<byte[], byte[]> r) {
        return r.headers().lastHeader(HeaderNames.KIND) != null && Arrays.equals(r.headers()
                .lastHeader(HeaderNames.KIND).value(), RecordKind.HEARTBEAT.header().getBytes(StandardCharsets.UTF_8));
    }

    private static CaptureLoop loop(Broker broker, TransactionalPublisher.ProducerSource producers,
                                    String... extra) {
        return loop(command(broker, extra), producers);
    }

    /** The listener command line of these tests, parsed, plus {@code extra} (which wins). */
    private static ListenerCommand command(Broker broker, String... extra) {
        ListenerCommand command = new ListenerCommand();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        List<String> args = new java.util.ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(),
                "--topic", "events-" + tag, "--checkpoint-topic", "checkpoints-" + tag, "--host-name", "refused-" + tag,
                "--transaction-interval", "100ms", "--continuity-wait", "3s", "--reconnect-max-wait", "1s"));
        args.addAll(List.of(extra));
        // A test's own value of an option above wins over it.
        new CommandLine(command).setOverwrittenOptionsAllowed(true).parseArgs(args.toArray(String[]::new));
        return command;
    }

    private static CaptureLoop loop(ListenerCommand command, TransactionalPublisher.ProducerSource producers) {
        ListenerSettings settings = command.settings();
        EventQueue queue = new EventQueue(settings.queueCapacity(), settings.queueBytes());
        KafkaConfigFile kafkaFile = command.kafka.configFile();
        return new CaptureLoop(settings, kafkaFile.load(), kafkaFile, queue, new ListenerMetrics(queue::size),
                null, System::nanoTime, ContractJson::epochNanosNow, producers);
    }

    /** The values of the engine events among {@code records}: not heartbeats (never sent again), not checkpoints. */
    private static List<String> events(List<ProducerRecord<byte[], byte[]>> records) {
        byte[] event = RecordKind.EVENT.header().getBytes(StandardCharsets.UTF_8);
        return records.stream().filter(r -> r.headers().lastHeader(HeaderNames.KIND) != null
                        && Arrays.equals(r.headers().lastHeader(HeaderNames.KIND).value(), event))
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static long mentions(String volume, List<String> events) {
        return events.stream().filter(v -> v.contains("\"" + volume + "\"")).count();
    }

    /**
     * Once the loop is subscribed and its producer ready, makes two events: the first transaction with events holds
     * them, or some of them (after what a first start's look back replays).
     */
    private static String twoEventsOnceSubscribed(CaptureLoop loop, Future<Integer> run) throws IOException {
        await().atMost(Duration.ofSeconds(60)).until(() -> loop.healthy() || run.isDone());
        return twoEvents();
    }

    /** Two events: a volume made and removed. */
    private static String twoEvents() throws IOException {
        String volume = TestEngine.uniqueName("refused");
        try (TestEngine engine = new TestEngine()) {
            engine.client().createVolumeCmd().withName(volume).exec();
            engine.client().removeVolumeCmd(volume).exec();
        }
        return volume;
    }

    /**
     * Kafka loses transactions it had committed (an unclean leader election, a replica's log lost): after a failed
     * commit, the new producer reads a checkpoint older than the one this listener committed. It resumes from it, so
     * the engine's replay publishes again what Kafka lost; the WARN said "another listener of this engine published",
     * which sent the reader after a listener that does not exist.
     */
    @Test
    void aCheckpointThatWentBackInKafkaIsSaidAsKafkasLossAndWhatItLostIsPublishedAgain(Broker broker)
            throws Exception {
        FailingCommits producers = new FailingCommits(0);
        LogLines lines = LogLines.of(CaptureLoop.class).attach();
        ListenerCommand command = command(broker);
        ListenerSettings settings = command.settings();
        try (lines) {
            CaptureLoop loop = loop(command, producers);
            Future<Integer> run = loopThread.submit(loop::run);
            String kept = twoEventsOnceSubscribed(loop, run);
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone()
                    || mentions(kept, events(producers.built.get(0).history())) == 2);
            // The checkpoint of the commit Kafka keeps: its last one so far
            ProducerRecord<byte[], byte[]> keptCheckpoint = producers.built.get(0).history().stream()
                    .filter(r -> r.topic().equals(settings.checkpointsTopic())).reduce((a, b) -> b).orElseThrow();
            String lost = twoEvents();
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone()
                    || mentions(lost, events(producers.built.get(0).history())) == 2);

            // What Kafka has after losing the transactions of `lost`: the checkpoint of `kept`
            try (var producer = broker.producer()) {
                producer.send(new ProducerRecord<>(settings.checkpointsTopic(), keptCheckpoint.key(),
                        keptCheckpoint.value())).get();
            }
            producers.failOnce.set(true);
            String after = twoEvents();
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 2
                    && mentions(after, events(producers.built.get(1).history())) == 2);
            loop.requestStop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(mentions(lost, events(producers.built.get(1).history())))
                    .as("what Kafka lost, published again from the engine's replay").isEqualTo(2);
            assertThat(mentions(kept, events(producers.built.get(1).history())))
                    .as("what Kafka kept, not again").isZero();
        }
        assertThat(lines.messages(Level.WARN, "Kafka's checkpoint")).singleElement().asString()
                .startsWith("Kafka's checkpoint of this host went back, from ")
                .contains("which this listener committed", "Kafka lost transactions it had committed",
                        "resuming from Kafka's checkpoint")
                .doesNotContain("another listener of this engine published");
    }

    @Test
    void aRefusedTransactionIsPublishedAgainByANewProducer(Broker broker) throws Exception {
        aTransactionRefusedOnceIsPublishedAgainByANewProducer(broker, new Producers(1));
    }

    /**
     * A young transaction fenced once: another listener, or the coordinator's own abort as timed out by a clock ahead
     * of the one that began it (a broker's clock stepped forward, the coordinator moved to a broker whose clock is
     * ahead), which Kafka answers alike. Taken as an invalid state is: a new producer, and a second refusal soon after
     * is the other listener. Before, an exit 1 at once ("machines cloned"), every listener that coordinator served.
     */
    @Test
    void aYoungTransactionFencedOnceIsPublishedAgainByANewProducer(Broker broker) throws Exception {
        aTransactionRefusedOnceIsPublishedAgainByANewProducer(broker, new Producers(1,
                () -> new ProducerFencedException("There is a newer producer with the same transactionalId which "
                        + "fences the current one.")));
    }

    private void aTransactionRefusedOnceIsPublishedAgainByANewProducer(Broker broker, Producers producers)
            throws Exception {
        CaptureLoop loop = loop(broker, producers);
        Future<Integer> run = loopThread.submit(loop::run);
        String volume = twoEventsOnceSubscribed(loop, run);
        await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 2
                && mentions(volume, events(producers.built.get(1).history())) == 2);
        loop.requestStop();
        assertThat(run.get(30, TimeUnit.SECONDS)).isZero();

        // The next producer committed first what the refused transaction held, in order, then the rest, each once.
        List<String> refused = events(producers.built.get(0).refused);
        List<String> published = events(producers.built.get(1).history());
        assertThat(refused).isNotEmpty();
        assertThat(published).startsWith(refused.toArray(String[]::new)).doesNotHaveDuplicates();
        assertThat(producers.built).hasSize(2).allSatisfy(p -> assertThat(p.closed()).isTrue());
    }

    /**
     * Run as the wodle (--ossec-conf), whose interval (30 s here, 60 s by default) is the wait between attempts to
     * reach the engine: a refused transaction still gets its new producer after Kafka's own first wait (1 s), and the
     * events it held are committed. Before, Kafka's retries took the engine's reconnection settings, and a wodle-run
     * listener waited the whole interval before its next producer: no heartbeat meanwhile (its host reported silent
     * after 90 s), the subscription filling the queue.
     */
    @Test
    void theWodlesIntervalDoesNotDelayTheNewProducerAfterAKafkaFailure(Broker broker, @TempDir Path dir)
            throws Exception {
        Path ossecConf = dir.resolve("ossec.conf");
        Files.writeString(ossecConf, """
                <ossec_config>
                  <wodle name="docker-listener">
                    <interval>30s</interval>
                    <attempts>5</attempts>
                    <run_on_start>yes</run_on_start>
                    <disabled>no</disabled>
                  </wodle>
                </ossec_config>
                """);
        ListenerCommand command = command(broker, "--ossec-conf", ossecConf.toString());
        assertThat(command.settings().reconnectMax()).as("the engine's wait: the wodle's interval")
                .isEqualTo(Duration.ofSeconds(30));
        Producers producers = new Producers(1);
        CaptureLoop loop = loop(command, producers);
        Future<Integer> run = loopThread.submit(loop::run);
        String volume = twoEventsOnceSubscribed(loop, run);
        await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 2
                && mentions(volume, events(producers.built.get(1).history())) == 2);
        loop.requestStop();
        assertThat(run.get(30, TimeUnit.SECONDS)).isZero();

        Duration waited = Duration.ofNanos(producers.builtAtNanos.get(1) - producers.built.get(0).firstRefusalNanos);
        assertThat(waited).as("from the refused commit to the next producer (the wodle's interval is 30 s)")
                .isPositive().isLessThan(Duration.ofSeconds(10));
        assertThat(events(producers.built.get(1).history()))
                .startsWith(events(producers.built.get(0).refused).toArray(String[]::new)).doesNotHaveDuplicates();
    }

    /** Before, the failure to build the next producer ended the listener, and what it held was lost with it. */
    @Test
    void aKafkaServerNameThatStopsResolvingWhileRunningIsWaitedFor(Broker broker) throws Exception {
        UnresolvedOnce producers = new UnresolvedOnce();
        CaptureLoop loop = loop(broker, producers);
        Future<Integer> run = loopThread.submit(loop::run);
        String volume = twoEventsOnceSubscribed(loop, run);
        await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 2
                && mentions(volume, events(producers.built.get(1).history())) == 2);
        assertThat(run.isDone()).as("the listener still runs").isFalse();
        loop.requestStop();
        assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
    }

    /**
     * Each producer made ready and each of its transactions failed, three times over (a revoked WRITE ACL, a topic
     * whose min.insync.replicas cannot be met): the wait before the next producer doubles (1 s, 2 s, 4 s) until a
     * transaction commits, and the outage is said once, then that Kafka was back, then that it failed again once (the
     * other retries are DEBUG). Once a transaction committed, a failure is a new outage, retried after 1 s again.
     * Before, a producer made ready started the backoff over, so each listener built a producer, asked the
     * transaction coordinator (initTransactions) and looked up its checkpoint every second for as long as the
     * transactions failed: a fleet's thousands a second on the cluster in trouble. (And earlier, it ended the outage
     * in the log too: a WARN and "Kafka ready" for each retry.)
     */
    @Test
    void aKafkaThatTakesEachProducerAndFailsItsTransactionsIsOneOutageRetriedLessAndLessOften(Broker broker)
            throws Exception {
        FailingCommits producers = new FailingCommits(3);
        LogLines lines = LogLines.of(CaptureLoop.class).attach();
        try (lines) {
            CaptureLoop loop = loop(broker, producers);
            Future<Integer> run = loopThread.submit(loop::run);
            String volume = twoEventsOnceSubscribed(loop, run);
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 4
                    && mentions(volume, events(producers.built.get(3).history())) == 2);
            // Kafka works again (the 4th producer committed); one more failure.
            producers.failOnce.set(true);
            String later = twoEventsOnceSubscribed(loop, run);
            await().atMost(Duration.ofSeconds(60)).until(() -> run.isDone() || producers.built.size() == 5
                    && mentions(later, events(producers.built.get(4).history())) == 2);
            loop.requestStop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
        }

        // A failed commit, then the loop's wait, then the next producer: the time between two is at least that wait.
        List<Long> at = producers.builtAtNanos;
        assertThat(at).hasSize(5);
        for (int i = 1; i < 4; i++) {
            assertThat(Duration.ofNanos(at.get(i) - at.get(i - 1))).as("from producer %d to producer %d", i, i + 1)
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(CaptureLoop.KAFKA_RETRY_FIRST_SECONDS << (i - 1)));
        }
        assertThat(Duration.ofNanos(at.get(3) - at.get(0))).as("the 4th producer after the first: 1 + 2 + 4 s")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(7));
        assertThat(Duration.ofNanos(at.get(4) - producers.failedAtNanos))
                .as("the failure after a commit: retried after the first wait, not the 8 s that came next")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(CaptureLoop.KAFKA_RETRY_FIRST_SECONDS))
                .isLessThan(Duration.ofSeconds(5));

        // (MockProducers write no checkpoint to the broker: the last producer's lookup WARNs that it found none.)
        List<String> warnings = lines.messages(Level.WARN).stream().filter(l -> l.startsWith("Kafka unavailable"))
                .toList();
        assertThat(warnings).hasSize(3).allSatisfy(w -> assertThat(w).contains("TopicAuthorizationException"));
        assertThat(warnings.get(0)).startsWith("Kafka unavailable: ");
        assertThat(warnings.get(1)).startsWith("Kafka unavailable again before a transaction committed: ");
        assertThat(warnings.get(2)).as("after a commit, a new outage").startsWith("Kafka unavailable: ");
        // The start's, the first outage's first return, the second outage's return.
        assertThat(lines.messages(Level.INFO)).filteredOn(l -> l.startsWith("Kafka ready at ")).hasSize(3);
    }

    @Test
    void aSecondRefusalSoonAfterEndsTheListenerAsFenced(Broker broker) throws Exception {
        Producers producers = new Producers(Integer.MAX_VALUE);
        CaptureLoop loop = loop(broker, producers);
        Future<Integer> run = loopThread.submit(loop::run);
        twoEventsOnceSubscribed(loop, run);

        Throwable exit = catchThrowable(() -> run.get(60, TimeUnit.SECONDS));
        assertThat(exit).isInstanceOf(ExecutionException.class);
        assertThat(exit.getCause()).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("fenced: another listener for Docker engine refused-")
                .hasMessageContaining("run one listener per engine");
        // The second producer was refused what the first was, and no event was published: the listener exits with
        // those events unpublished, and its next start replays them from the engine (its checkpoint did not move).
        assertThat(producers.built).hasSize(2).allSatisfy(p -> assertThat(events(p.history())).isEmpty());
        List<String> refusedFirst = events(producers.built.get(0).refused);
        assertThat(refusedFirst).isNotEmpty();
        assertThat(events(producers.built.get(1).refused)).startsWith(refusedFirst.toArray(String[]::new));
    }
}
