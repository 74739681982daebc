package io.dwb.listener;

import io.dwb.listener.EngineConnection.EngineUnavailable;
import io.dwb.listener.EventStream.End;
import io.dwb.listener.EventStream.EndReason;
import io.dwb.listener.TransactionalPublisher.Fenced;
import io.dwb.listener.TransactionalPublisher.KafkaUnavailable;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EpochNanos;
import io.dwb.schemas.Gap;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.StateSnapshot;
import io.dwb.runtime.Backoff;
import io.dwb.runtime.Causes;
import io.dwb.runtime.ClientTimeouts;
import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.InterruptOnStop;
import io.dwb.runtime.KafkaConfigFile;
import io.dwb.runtime.KafkaUnreachable;
import io.dwb.runtime.LogText;
import io.dwb.runtime.TopicProvisioner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.SplittableRandom;
import io.dwb.listener.TransactionPump.GapCause;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The listener's main loop, on the calling thread: connect to the engine, take the Kafka transactional id, then
 * subscribe from the checkpoint and publish in transactions, forever. Any Kafka failure rebuilds the producer,
 * re-reads the committed checkpoint and publishes again what it read and Kafka did not commit ({@link Uncommitted}),
 * then goes on with the same subscription, which kept reading meanwhile; any engine failure drains what was read,
 * then reconnects from the last event read with backoff.
 */
public final class CaptureLoop {
    private static final Logger log = LoggerFactory.getLogger(CaptureLoop.class);
    /** A little before "now" on a first start: the engine writes the response headers before it subscribes. */
    private static final long FIRST_START_LOOKBACK_NANOS = 2_000_000_000L;
    /**
     * The first wait, in seconds, before a new producer after a Kafka failure (a transaction that failed, timed out or
     * was refused, a producer that could not be built or made ready); it doubles up to {@link
     * #KAFKA_RETRY_MAX_SECONDS} while Kafka keeps failing and starts again from here once a transaction commits, not
     * once a producer is ready ({@link KafkaRetryWait}). Kafka's own: the engine's reconnection settings ({@code
     * --reconnect-max-wait}, or the wodle's fixed {@code interval}, 60 s by default) are for an engine that is away.
     * Taken from them, a wodle-run listener waited a whole interval after any Kafka failure, publishing no heartbeat
     * (its host reported silent after 90 s) while the subscription filled the queue. Constants of the language, so
     * that {@code --help} ({@link CaptureOptions}) names them too.
     */
    static final long KAFKA_RETRY_FIRST_SECONDS = 1;
    /** The longest wait, in seconds, between two producers while Kafka keeps failing. */
    static final long KAFKA_RETRY_MAX_SECONDS = 30;

    private final ListenerSettings settings;
    /** The user's Kafka client properties as read at start. */
    private final Properties kafka;
    /** The {@code --kafka-config} file, read again before each new producer ({@link KafkaClientSettings}). */
    private final KafkaConfigFile kafkaFile;
    private final ListenerMetrics metrics;
    private final EventQueue queue;
    /**
     * Longer events become stand-ins: Kafka would refuse them. The producer's bound at first (a bad
     * {@code max.request.size} is refused at once), lowered to the events topic's once its settings are read, and
     * follows them when they are read again after a refusal ({@link EventsTopicLimits}).
     */
    private int maxEventBytes;
    /** One for the whole run: its log lines are rate-limited across subscriptions. */
    private final StandInReport standIns;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    /**
     * The waits on Kafka before a producer is ready (the topics' check, {@code initTransactions}, the checkpoint
     * lookup), up to {@code --kafka-timeout} each: a stop cuts them short, none of them being a commit it owes.
     */
    private final InterruptOnStop kafkaWaits = new InterruptOnStop();
    private final LongSupplier nanoClock;
    private final LongSupplier epochNanos;
    private final TransactionalPublisher.ProducerSource producerSource;
    private volatile boolean kafkaReady;
    /**
     * Kafka took this listener's transactional id once in this process (a producer's {@code initTransactions}): a
     * refusal before that is said as an ERROR (the ACL may be missing), and any is retried.
     */
    private boolean transactionalIdTaken;
    /** The ERROR of a transactional id refused before Kafka ever took it was said. */
    private boolean idRefusedSaid;
    /** The ERROR of a transaction timeout the brokers refuse was said in this outage. */
    private boolean timeoutRefusedSaid;
    private volatile EventStream currentStream;

    /**
     * The start of a first start's watch, kept so a reconnect before the first event was read does not skip ahead,
     * and checks what the engine kept since ({@link ContinuityCheck#sinceWatchStart}).
     */
    private Watch watch;
    /** The watch's mark on the checkpoints topic, while no event was read: a start after a stop resumes it. */
    private final WatchMarks watchMarks = new WatchMarks(this::watchToMark);
    /** The subscription under way, before any event was read: the watch that begins once its check decided. */
    private NextWatch nextWatch;
    /** Why the next subscription might not prove continuity: the gap reason code if it does not. */
    private final PendingGapCause gapCause = new PendingGapCause();
    private HeartbeatClock heartbeats;
    /** Where in its interval this process's heartbeats fall, at random: a fleet started together spreads out. */
    private final SplittableRandom heartbeatPhases = new SplittableRandom();
    /** Null in a process whose heap is not the listener's alone (the standalone's, with a broker in it). */
    private final IdleCollection idleCollection;
    /** What was read since the last commit, kept across producers: a failed transaction's records are sent again. */
    private final Uncommitted uncommitted = new Uncommitted(null);
    private final TransactionBudget budget;
    /** The subscription Kafka failed during, kept reading while the producer is rebuilt; null when none. */
    private OpenSubscription kept;
    /** Set when the committed checkpoint could not be read: a gap is published with the next subscription. */
    private CheckpointStore.Unreadable unreadableCheckpoint;
    /** The unreadable checkpoint whose gap this process held: its value is not reported again. */
    private CheckpointStore.Unreadable reportedUnreadable;
    private int subscriptions;
    /** What the log says of Kafka outages: each once, however many producers it takes. */
    private final KafkaOutageReport outage;
    /** Said by each subscription's reading thread: a queue that keeps filling is said every 10 min at most. */
    private final QueueFullReport queueFull;
    /** The wait before the next producer after a Kafka failure: started over by a commit, as an outage is ended. */
    private final KafkaRetryWait kafkaRetries = new KafkaRetryWait(Duration.ofSeconds(KAFKA_RETRY_FIRST_SECONDS),
            Duration.ofSeconds(KAFKA_RETRY_MAX_SECONDS), new SplittableRandom()::nextDouble);

    /** With Kafka client properties of no file (the standalone's, of its own broker). */
    public CaptureLoop(ListenerSettings settings, Properties kafka, EventQueue queue, ListenerMetrics metrics) {
        this(settings, kafka, new KafkaConfigFile(null, null), queue, metrics, null);
    }

    /**
     * @param kafka           the Kafka client properties, {@code kafkaFile}'s as read at start
     * @param kafkaFile       the {@code --kafka-config} file, read again before each new producer
     * @param quietCollection a full collection ({@code System::gc}) to run once the listener is quiet after its heap
     *                        grew ({@link IdleCollection}), so that the listener's own process gives memory back;
     *                        null where the heap is shared (the standalone's broker has its own rhythm)
     */
    public CaptureLoop(ListenerSettings settings, Properties kafka, KafkaConfigFile kafkaFile, EventQueue queue,
                       ListenerMetrics metrics, Runnable quietCollection) {
        this(settings, kafka, kafkaFile, queue, metrics, quietCollection, System::nanoTime,
                ContractJson::epochNanosNow, TransactionalPublisher::producer);
    }

    /**
     * @param nanoClock      monotonic nanoseconds: transaction intervals, heartbeats, waits
     * @param epochNanos     the wall clock, nanoseconds since the epoch: the heartbeats' time
     * @param producerSource builds each transactional producer (Kafka's MockProducer where a test needs a refusal
     *                       no broker makes on demand)
     */
    CaptureLoop(ListenerSettings settings, Properties kafka, KafkaConfigFile kafkaFile, EventQueue queue,
                ListenerMetrics metrics, Runnable quietCollection, LongSupplier nanoClock, LongSupplier epochNanos,
                TransactionalPublisher.ProducerSource producerSource) {
        this.kafkaFile = kafkaFile;
        this.nanoClock = nanoClock;
        this.epochNanos = epochNanos;
        this.producerSource = producerSource;
        this.outage = new KafkaOutageReport(log, nanoClock);
        this.queueFull = new QueueFullReport(LoggerFactory.getLogger(EventStream.class), nanoClock);
        this.idleCollection = quietCollection == null ? null : new IdleCollection(Runtime.getRuntime()::totalMemory,
                () -> {
                    quietCollection.run();
                    metrics.idleCollection();
                }, IdleCollection.QUIET, nanoClock.getAsLong());
        this.settings = settings;
        this.kafka = kafka;
        this.budget = new TransactionBudget(transactionLimit(kafka, settings.kafkaTimeout()));
        this.queue = queue;
        this.metrics = metrics;
        this.maxEventBytes = TransactionalPublisher.maxEventBytes(kafka);
        this.standIns = new StandInReport(metrics::standIn, nanoClock, StandInReport.LOG_INTERVAL);
        metrics.engineConnection(this::engineConnected);
        metrics.heartbeatInterval(settings.heartbeatInterval());
    }

    /** From a signal handler: finish the current transaction with what was read, then return 0 from {@link #run}. */
    public void requestStop() {
        stopSignal.countDown();
        kafkaWaits.stop();
        queue.wake();
    }

    private boolean stopping() {
        return stopSignal.getCount() == 0;
    }

    /** For /healthz: subscribed to the engine and able to commit to Kafka. */
    public boolean healthy() {
        return kafkaReady && engineConnected();
    }

    /** The engine subscription is open ({@code dwb_listener_engine_connected}). */
    private boolean engineConnected() {
        EventStream s = currentStream;
        return s != null && s.connected();
    }

    /** @return the exit code: 0 after a requested stop */
    public int run() {
        if (!settings.startDelay().isZero()) {
            log.info("run_on_start is no: waiting {} before the first connection", settings.startDelay());
            if (waitOrStop(settings.startDelay())) {
                return 0;
            }
        }
        metrics.captureStarted(epochNanos.getAsLong());
        TransactionalPublisher.warnOfIgnoredSettings(kafka);
        KafkaClientSettings clients = new KafkaClientSettings(kafkaFile, kafka, this::withTimeouts);
        Properties kafkaWithTimeouts = clients.inUse();
        // The topics are checked while the engine is identified: neither needs the other.
        try (EarlyTopicCheck topicCheck = EarlyTopicCheck.begin(() -> checkTopics(kafkaWithTimeouts));
             EngineConnection engine = new EngineConnection(settings.engine(), settings.engineProbe())) {
            HostIdentity host = firstConnection(engine);
            if (host == null) {
                return 0;
            }
            try (TransactionalProducers producers = new TransactionalProducers(clients, host, producerSource,
                    settings.commitTiming());
                 CheckpointStore store = new CheckpointStore(clients::inUse, settings.checkpointsTopic(),
                         host.transactionalId())) {
                // Built while the check finishes; their first requests wait for it.
                producers.prepare();
                store.prepare();
                EventsTopic eventsTopic;
                try {
                    eventsTopic = kafkaWaits.during(topicCheck::result);
                } catch (KafkaUnavailable | KafkaUnreachable e) {
                    if (stopping()) {
                        return stoppedBeforeKafka();
                    }
                    throw e;
                }
                // The publishing thread's own report of stand-ins: those made when max.message.bytes was lowered.
                TopicRecords records = new TopicRecords(host, settings.eventsTopic(), settings.checkpointsTopic(),
                        eventsTopic.timestamps(), new StandInReport(metrics::standIn, nanoClock,
                        StandInReport.LOG_INTERVAL), nanoClock);
                EventsTopicLimits topicLimits = new EventsTopicLimits(eventsTopic,
                        () -> kafkaWaits.during(() -> readEventsTopicAgain(clients.inUse())), records,
                        topicMax -> TransactionalPublisher.maxEventBytes(kafka, topicMax));
                int byTopic = topicLimits.maxEventBytes();
                if (byTopic < maxEventBytes) {
                    log.info("topic {} takes records up to {} bytes (max.message.bytes): longer events are "
                            + "published as stand-ins", settings.eventsTopic(), eventsTopic.maxMessageBytes());
                }
                maxEventBytes = byTopic;
                // No lock: the transactional id is one. A second listener of this engine fences this one, which
                // exits.
                return capture(engine, host, producers, store, records, topicLimits);
            }
        }
    }

    /**
     * A stop before Kafka was ready (it cut the wait on Kafka short, which lasted up to {@code --kafka-timeout}): the
     * engine was not subscribed to yet, so nothing was read that a commit would owe.
     */
    private int stoppedBeforeKafka() {
        log.info("stopping before Kafka at {} was ready: nothing was read from the Docker engine, so nothing is lost",
                kafka.getProperty("bootstrap.servers"));
        return 0;
    }

    /** A copy of {@code kafka} with the producer's waits ({@code --kafka-timeout}) where it gives none. */
    private Properties withTimeouts(Properties kafka) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(settings.kafkaTimeout().toMillis()));
        return p;
    }

    /**
     * How long a transaction may take: the shorter of the producer's {@code max.block.ms} (its commit's wait;
     * {@code --kafka-timeout} unless the client file sets it) and {@code transaction.timeout.ms}.
     */
    private static Duration transactionLimit(Properties kafka, Duration kafkaTimeout) {
        long blockMs = ClientTimeouts.timeout(kafka, ProducerConfig.MAX_BLOCK_MS_CONFIG, kafkaTimeout).toMillis();
        return Duration.ofMillis(Math.min(blockMs, TransactionalPublisher.transactionTimeoutMs(kafka)));
    }

    /** Creates or checks the topics; returns what the events topic takes. */
    private EventsTopic checkTopics(Properties kafkaWithTimeouts) {
        // The admin client is for the start only: an idle listener keeps just its producer's connections.
        try (Admin admin = TopicProvisioner.admin(kafkaWithTimeouts, settings.kafkaTimeout())) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, kafka.getProperty("bootstrap.servers"),
                    settings.kafkaTimeout());
            provisioner.ensure(settings.topics());
            return EventsTopic.read(admin, provisioner.settingsRead(settings.eventsTopic()),
                    settings.eventsTopic(), settings.kafkaTimeout(), System::currentTimeMillis);
        }
    }

    /**
     * The events topic's settings read again, after the broker refused a record for them ({@link EventsTopicLimits}):
     * an admin client of its own, as at start, each wait bounded by {@code --kafka-timeout}; throws on any failure.
     */
    private EventsTopic readEventsTopicAgain(Properties kafkaWithTimeouts) {
        try (Admin admin = TopicProvisioner.admin(kafkaWithTimeouts, settings.kafkaTimeout())) {
            return EventsTopic.readAgain(admin, settings.eventsTopic(), settings.kafkaTimeout(),
                    System::currentTimeMillis);
        }
    }

    /** Ping and identify the engine, with the configured attempts; null when stopped while waiting. */
    private HostIdentity firstConnection(EngineConnection engine) {
        Backoff backoff = engineBackoff();
        int failures = 0;
        while (!stopping()) {
            try {
                engine.ping();
                HostIdentity host = engine.hostIdentity(settings.hostName());
                log.info("Docker engine at {}: host {} (id {})", engine.host(), LogText.escaped(host.name()),
                        LogText.escaped(host.id()));
                return host;
            } catch (EngineUnavailable e) {
                if (stopping()) {
                    // A stop while the engine did not answer (dockerd restarting behind its socket): a stop, exit 0,
                    // not the engine's failure, exit 1 (systemd marked the unit failed).
                    log.info("stopping: the Docker engine at {} had not answered yet ({}); nothing was read",
                            engine.host(), e.getMessage());
                    return null;
                }
                failures++;
                if (settings.attempts() == 0 || failures >= settings.attempts()) {
                    throw settings.attempts() == 0 ? e : new EngineUnavailable(e.getMessage() + " (gave up after "
                            + failures + " attempts)", e);
                }
                Duration wait = backoff.next();
                log.warn("{}; attempt {} of {}, next in {}", e.getMessage(), failures, settings.attempts(),
                        DurationArgument.text(wait));
                if (waitOrStop(wait)) {
                    return null;
                }
            }
        }
        return null;
    }

    private int capture(EngineConnection engine, HostIdentity host, TransactionalProducers producers,
                        CheckpointStore store, TopicRecords records, EventsTopicLimits topicLimits) {
        heartbeats = HeartbeatClock.startingNow(settings.heartbeatInterval(), nanoClock.getAsLong(), epochNanos,
                1 - heartbeatPhases.nextDouble()); // above 0, at most 1
        EpochRefusals refusals = new EpochRefusals(settings.heartbeatInterval());
        while (!stopping()) {
            try {
                // The producer's build is a Kafka failure too: a server name that stopped resolving (a headless
                // service's records go while its brokers are down) ended the listener, and what it held with it.
                try (TransactionalPublisher publisher = publisher(producers.take(), records)) {
                    metrics.producer(publisher::kafkaMetrics);
                    CheckpointStore.Stored stored = kafkaWaits.during(() -> {
                        publisher.init();
                        transactionalIdTaken = true;
                        producers.initialized();
                        return store.read(host.id());
                    });
                    Optional<Checkpoint> checkpoint = stored.readable();
                    boolean retrying = !uncommitted.isEmpty();
                    Uncommitted.Reconciled outcome = reconcile(stored);
                    // A gap held from before the failure already reports an unreadable checkpoint; and one made
                    // unreadable since this listener committed its own is overwritten by the next commit. Nor is the
                    // value this process reported read again after a Kafka failure (a quiet host commits no
                    // checkpoint over it): its gap was said again at each failure's next subscription, over a time
                    // the listener had captured.
                    unreadableCheckpoint = (retrying && outcome == Uncommitted.Reconciled.KEPT)
                            || outcome == Uncommitted.Reconciled.CHECKPOINT_LOST ? null
                            : notReported(stored.unreadable());
                    boolean watchResumed = stored.watchingSince() != null && watch == null
                            && uncommitted.pending() == null;
                    if (watchResumed) {
                        // Stopped before it read any event: the watch goes on from where it began, so what the engine
                        // made meanwhile is published, or a gap says what it no longer has.
                        watch = Watch.resumed(stored.watchingSince(), nanoClock.getAsLong());
                    }
                    kafkaReady = true; // the retries' wait is started over by a commit, not here
                    log.atLevel(outage.ready()).log("Kafka ready at {}: transactional id {}, {}",
                            kafka.getProperty("bootstrap.servers"), host.transactionalId(), checkpoint.map(c ->
                                    "resuming from checkpoint " + ContractJson.rfc3339(c.timeNano()) + " (event "
                                    + c.eventId() + ")")
                                    .orElse(unreadableCheckpoint != null ? "the checkpoint is unreadable"
                                            : watchResumed ? "no event read yet: watching again since "
                                            + ContractJson.rfc3339(watch.fromNanos())
                                            : watch != null ? "no event read yet: watching since "
                                            + ContractJson.rfc3339(watch.fromNanos())
                                            : "no checkpoint yet (first start)"));
                    if (unreadableCheckpoint != null) {
                        log.warn("the checkpoint of host {} at {} offset {} is not a checkpoint ({}): where capture "
                                + "stopped is unknown; starting from now, after a gap", host.name(),
                                unreadableCheckpoint.partition(), unreadableCheckpoint.offset(),
                                unreadableCheckpoint.why());
                    }
                    subscribeForever(engine, host, publisher, records);
                    return 0;
                } catch (KafkaUnavailable e) {
                    kafkaReady = false;
                    String timeoutRefused = null;
                    if (e instanceof TransactionalPublisher.TransactionTimeoutRefused && !stopping()) {
                        TransactionalProducers.Refused refused = producers.timeoutRefused(e.getMessage(),
                                transactionalIdTaken);
                        switch (refused.outcome()) {
                            case LOWERED -> {
                                continue; // no outage: the next producer asks for less, at once
                            }
                            case CONFIGURATION_ERROR -> throw new ConfigurationError(refused.message(), e);
                            case RETRIED -> timeoutRefused = refused.message();
                        }
                    }
                    boolean idRefused = e instanceof TransactionalPublisher.TransactionalIdRefused;
                    if (idRefused && !transactionalIdTaken && !idRefusedSaid && !stopping()) {
                        // Refused from the start: the ACL is missing, or gone for a while (re-applied while this
                        // host rebooted). Retried as later refusals are: exit 2, which systemd does not restart,
                        // left a host that restarted in an ACL gap without capture for good.
                        log.error("not authorized to use transactional id {} ({}): grant this listener's principal "
                                + "Write and Describe on transactional id {} (a prefixed ACL on docker-listener-, "
                                + "docs/security.md); nothing is published until then, tried again with backoff",
                                host.transactionalId(), Causes.root(e).getMessage(), host.transactionalId());
                        idRefusedSaid = true;
                    }
                    if (e instanceof TransactionalPublisher.EpochRefused refused
                            && (stopping() && refused.fenced() || refusals.again(nanoClock.getAsLong()))) {
                        // Refused again soon after: another listener takes the id back. A fence at a stop: a
                        // listener started before this one stopped (an overlapping restart), as it always was.
                        throw new Fenced(e);
                    }
                    String why = e.getMessage();
                    boolean topicChanged = false;
                    if (e instanceof TransactionalPublisher.TopicRefused refused && !stopping()) {
                        // Before the next attempt: the records it sends again follow the settings as they are now.
                        EventsTopicLimits.Reread reread = topicLimits.refused(refused);
                        why = reread.message();
                        topicChanged = reread.changed();
                        maxEventBytes = topicLimits.maxEventBytes(); // the next subscription's and state's bound
                    }
                    gapCause.kafkaFailed(why);
                    if (stopping() && subscriptions == 0) {
                        return stoppedBeforeKafka();
                    }
                    if (stopping()) {
                        return stoppedWithKafkaUnavailable(host);
                    }
                    TransactionalPublisher.Progress outOfTime = e.outOfTime();
                    if (outOfTime != null && budget.tooSlow(outOfTime)) {
                        log.warn("a transaction of {} records ({} acknowledged by the broker) did not end before {}: "
                                + "the broker took this listener's records more slowly than that (a client quota, a "
                                + "slow link, or Kafka gone meanwhile); the next transactions hold at most {} records, "
                                + "more again once they commit well in time", outOfTime.sent(), outOfTime.acknowledged(),
                                outOfTime.abortedByBroker() ? "the broker aborted it (transaction.timeout.ms)"
                                        : "the producer's wait ran out (max.block.ms)", budget.records());
                    }
                    Duration wait = kafkaRetries.failed();
                    boolean ownWords = e instanceof TransactionalPublisher.TransactionTimedOut
                            || e instanceof TransactionalPublisher.EpochRefused || topicChanged;
                    boolean newFailure;
                    if (ownWords) {
                        log.warn("{}", why);
                        outage.failedInOwnWords();
                        newFailure = true;
                    } else if (timeoutRefused != null && !timeoutRefusedSaid) {
                        // Once an outage, as an ERROR naming the setting: what to change is the brokers' or the
                        // file's. Before, the producer after any failure exited 2 on it, never restarted.
                        log.error("{}", timeoutRefused);
                        timeoutRefusedSaid = true;
                        newFailure = outage.unavailableSaid(KafkaFailureKind.of(e));
                    } else {
                        // A refused transactional id once taken: an ACL removed for a while (re-applied, an
                        // authorizer that cannot reach its policy server), retried as a refused topic ACL is; before,
                        // the next producer's refusal exited 2, which systemd does not restart, for the whole fleet.
                        newFailure = outage.unavailable(idRefused ? e.getMessage() + ": check the ACLs of this "
                                + "listener's principal: Write and Describe on transactional id "
                                + host.transactionalId() + " (docs/security.md)" : why, KafkaFailureKind.of(e), wait);
                    }
                    if (newFailure && (!uncommitted.isEmpty() || kept != null)) {
                        log.info("holding the {} events ({} bytes) read since the last commit until Kafka takes them{}",
                                uncommitted.events(), uncommitted.bytes(), kept == null ? ""
                                        : "; the engine subscription goes on into the queue meanwhile");
                    }
                    waitOrStop(wait);
                }
            } catch (Fenced e) {
                kafkaReady = false;
                endKeptSubscription();
                if (stopping()) {
                    // A listener started before this one stopped took the id (an overlapping restart): not an error.
                    log.info("stopping: another listener for Docker engine {} took over transactional id {} (a "
                            + "restart that overlapped this stop); the {} events read since the last commit are its "
                            + "to publish: it resumes from the checkpoint", host.name(), host.transactionalId(),
                            unpublishedEvents());
                    return 0;
                }
                // The launcher prints this as the one error line.
                throw new IllegalStateException("fenced: another listener for Docker engine " + host.name()
                        + " took over transactional id " + host.transactionalId()
                        + "; exiting without publishing more (run one listener per engine; machines cloned from one "
                        + "image share its engine ID, /var/lib/docker/engine-id: remove it on the clone and restart "
                        + "dockerd, or give each listener --host-name)", e);
            }
        }
        // Stopped while waiting to try Kafka again.
        return subscriptions == 0 ? stoppedBeforeKafka() : stoppedWithKafkaUnavailable(host);
    }

    private TransactionalPublisher publisher(TransactionalProducers.Built built, TopicRecords records) {
        return new TransactionalPublisher(built.producer(), records, nanoClock, epochNanos,
                built.timeout().millis(), this::kafkaCommitted);
    }

    /**
     * A transaction committed, on the publishing thread: Kafka takes them again. The outage is over in the log, and
     * the next failure is retried after the first wait again.
     */
    private void kafkaCommitted() {
        outage.committed();
        timeoutRefusedSaid = false;
        kafkaRetries.committed();
    }

    private int stoppedWithKafkaUnavailable(HostIdentity host) {
        log.warn("stopping with Kafka unavailable: the {} events read since the last commit were not published (the "
                + "next start replays them from the engine if it still has them); forwarders will report host {} "
                + "silent", unpublishedEvents(), host.name());
        endKeptSubscription();
        return 0;
    }

    /** Events read and not committed: held from a failed transaction, and still in the queue. */
    private int unpublishedEvents() {
        return uncommitted.events() + queue.size();
    }

    /**
     * A new producer found {@code stored} committed: keep what is still to publish, or drop what Kafka has or what a
     * listener that published meanwhile makes stale (then the engine's replay from its checkpoint is all there is).
     */
    private Uncommitted.Reconciled reconcile(CheckpointStore.Stored stored) {
        int held = uncommitted.events();
        Checkpoint committedHere = uncommitted.committed();
        Uncommitted.Reconciliation r = uncommitted.reconcile(stored.readable().orElse(null));
        queue.release(r.taken().bytes());
        switch (r.outcome()) {
            case KEPT -> {
            }
            case COMMITTED_LATE -> {
                metrics.published(r.taken().events());
                log.info("the commit that failed went through after all: {} events published, {} still to publish",
                        r.taken().events(), uncommitted.events());
            }
            case CHECKPOINT_LOST -> log.warn("{}", checkpointLost(stored.unreadable(), held));
            case DROPPED -> {
                if (held > 0) {
                    log.warn("dropping the {} events held since the last commit: Kafka's checkpoint moved meanwhile "
                            + "(another listener of this engine published); resuming from it, the engine replays "
                            + "what it still has", held + queue.size());
                }
                endKeptSubscription();
            }
            case ROLLED_BACK -> {
                log.warn("{}", checkpointRolledBack(committedHere, stored.readable().orElseThrow(),
                        held + queue.size()));
                endKeptSubscription();
            }
        }
        return r.outcome();
    }

    /**
     * The WARN of a retry that finds Kafka's checkpoint older than the one this listener committed, {@code held} the
     * events read and not committed, which are dropped.
     */
    static String checkpointRolledBack(Checkpoint committed, Checkpoint found, int held) {
        return "Kafka's checkpoint of this host went back, from " + ContractJson.rfc3339(committed.timeNano())
                + " (event " + committed.eventId() + "), which this listener committed, to "
                + ContractJson.rfc3339(found.timeNano()) + " (event " + found.eventId() + "): Kafka lost transactions "
                + "it had committed (an unclean leader election, a replica's log lost), and their events in the "
                + "events topic may be gone with them (on a swarm manager, another listener of this engine whose last "
                + "event the raft leader stamped earlier reads so too: run one listener per engine); "
                + (held > 0 ? "dropping the " + held + " events held since the last commit and " : "")
                + "resuming from Kafka's checkpoint: the engine replays what it still has from there, so what Kafka "
                + "lost is published again (what it kept too, which the forwarders' duplicate window drops), and a "
                + "gap says what the engine no longer has";
    }

    /**
     * The WARN of a retry that finds no readable checkpoint where this listener committed one, {@code unreadable}
     * the host's value that is not a checkpoint (null when Kafka has none).
     */
    static String checkpointLost(CheckpointStore.Unreadable unreadable, int held) {
        // A value that is there and unreadable is no deleted topic: named, as at start, so the reader looks for it.
        String found = unreadable == null ? "Kafka has no readable checkpoint for this host, where it committed one "
                + "(the checkpoints topic deleted or emptied, or another cluster at the same address)"
                : "Kafka's checkpoint of this host, where it committed one, is unreadable: the value at "
                        + unreadable.partition() + " offset " + unreadable.offset() + " is not a checkpoint ("
                        + unreadable.why() + ")";
        return found + ": publishing the " + held + " events held and writing the checkpoint again with the next "
                + "commit";
    }

    /** Subscriptions, one after the other, until a stop is requested (then returns) or Kafka fails (throws). */
    private void subscribeForever(EngineConnection engine, HostIdentity host, TransactionalPublisher publisher,
                                  TopicRecords records) {
        TransactionPump pump = new TransactionPump(queue, publisher, records, metrics, uncommitted, budget,
                () -> state(engine),
                heartbeats, idleCollection, settings.commitTiming(), settings.continuityWait(), nanoClock,
                epochNanos, this::stopping, this::requestStop, outage, watchMarks);
        Backoff engineBackoff = engineBackoff();
        int failures = 0;
        boolean engineWarned = false;
        // How loudly a subscription's start is said: at DEBUG after a full queue said at DEBUG.
        Level reconnection = Level.INFO;
        while (!stopping()) {
            End end;
            if (kept != null) {
                // Kafka failed during this subscription, which went on reading meanwhile: go on with it.
                log.atLevel(outage.returnLevel()).log("Kafka is back: publishing what was read while it was away, "
                        + "then going on with the same subscription");
                end = runPump(pump, kept);
            } else {
                EventStream stream;
                String since;
                Resume resume;
                try {
                    Checkpoint from = uncommitted.pending(); // the last event read, held or committed
                    if (from != null) {
                        resume = resumeFrom(engine, from);
                        since = sinceParameter(resume.replay().since(from));
                    } else if (watch == null) {
                        long engineNow = engine.engineNowNanos();
                        watch = new Watch(engineNow - FIRST_START_LOOKBACK_NANOS, engineNow, nanoClock.getAsLong());
                        resume = new Resume(ContinuityCheck.Replay.SINCE_CHECKPOINT, null, null, null);
                        since = sinceParameter(watch.fromNanos());
                    } else {
                        resume = resumeWatch(engine);
                        since = sinceParameter(resume.replay().since(null));
                    }
                    EventSplitter splitter = new EventSplitter(host.id(), maxEventBytes, standIns, nanoClock);
                    stream = new EventStream(engine, since, splitter, queue, metrics::read, settings.engineProbe(),
                            queueFull);
                    stream.start();
                } catch (EngineConnection.EngineReplaced e) {
                    // What the first engine's subscriptions read and a failed transaction still holds is published,
                    // and the last heartbeat says its listener stopped: its host is reported stopped, not silent.
                    try {
                        pump.commitHeld();
                        pump.sayStopping();
                    } catch (KafkaUnavailable kafka) {
                        log.warn("could not publish what was held, nor the heartbeat that says this listener is "
                                + "stopping ({}): forwarders will report host {} silent", kafka.getMessage(),
                                host.name());
                    }
                    throw e;
                } catch (EngineUnavailable e) {
                    failures++;
                    if (settings.attempts() > 0 && failures >= settings.attempts()) {
                        throw new EngineGaveUp(e.getMessage() + " (gave up after " + failures + " attempts)", e);
                    }
                    Duration wait = engineBackoff.next();
                    if (!engineWarned) {
                        log.warn("{}; reconnecting with backoff", e.getMessage());
                        engineWarned = true;
                    }
                    pump.commitHeld(); // what a failed transaction held need not wait for the engine
                    reconnection = Level.INFO; // the WARN above said the engine away: its return is said too
                    idle(pump, wait);
                    continue;
                }
                failures = 0;
                engineWarned = false;
                engineBackoff.reset();
                currentStream = stream;
                if (subscriptions++ > 0) {
                    metrics.reconnect();
                }
                log.atLevel(reconnection).log("connected to the Docker engine: subscribed to GET /events?since={}",
                        since);
                if (unreadableCheckpoint != null) {
                    unreadableGap(pump, watch.fromNanos());
                }
                ContinuityCheck check = resume.check() != null ? resume.check()
                        : new ContinuityCheck(uncommitted.pending(), uncommitted.published(), resume.replay());
                nextWatch = resume.next() == null ? null : new NextWatch(check, resume.next());
                end = runPump(pump, new OpenSubscription(stream, check, resume.clockBack(), reconnection));
                if (resume.next() != null && check.decided() && uncommitted.pending() == null) {
                    watch = resume.next(); // still nothing read: what came before is proven or already in a gap
                }
            }
            if (stopping()) {
                break;
            }
            if (end.reason() == EndReason.QUEUE_FULL) {
                // The reading thread said the queue full (or held it back) when it was: this would say it again.
                reconnection = queueFull.reconnectionLevel();
                log.debug("disconnected from the Docker engine: {}", end.detail());
                gapCause.disconnected(new GapCause(GapReason.QUEUE_OVERFLOW,
                        "the listener disconnected because its queue was full (Kafka too slow)"));
            } else {
                reconnection = Level.INFO;
                log.warn("disconnected from the Docker engine: {}", end.detail());
                gapCause.disconnected(new GapCause(GapReason.ENGINE_RESTARTED,
                        "the engine connection was lost (" + end.detail() + ")"));
                idle(pump, engineBackoff.next());
            }
        }
        try {
            pump.sayStopping();
        } catch (KafkaUnavailable e) {
            if (e instanceof TransactionalPublisher.EpochRefused refused && refused.fenced()) {
                // A fence at a stop: a listener started before this one stopped (an overlapping restart), as it was.
                throw new Fenced(e);
            }
            log.warn("could not publish the heartbeat that says this listener is stopping ({}): forwarders will "
                    + "report host {} silent", e.getMessage(), host.name());
            return;
        }
        log.info("published the last heartbeat: forwarders report host {} stopped, not silent, unless it starts "
                + "again within {} s", host.name(),
                Heartbeat.MISSED_INTERVALS * settings.heartbeatInterval().toSeconds());
    }

    /**
     * How to replay from {@code from}: from its time, unless the engine's clock went back past the latest event
     * published (a host clock stepped back while the listener was stopped or disconnected): then the events made
     * since are older than the checkpoint, a replay from its time returns none of them, and the live ones would be
     * taken for published. One GET /info a subscription (some 15 ms), within the probe timeout: without an answer in
     * time, from its time.
     */
    private Resume resumeFrom(EngineConnection engine, Checkpoint from) {
        OptionalLong now = engine.engineNowNanosWithinProbeTimeout();
        if (now.isEmpty()) {
            log.debug("the engine's clock was not read within the probe timeout: replaying from the checkpoint");
            return new Resume(ContinuityCheck.Replay.SINCE_CHECKPOINT, null, null, null);
        }
        long engineNow = now.getAsLong();
        ContinuityCheck.Replay replay = ContinuityCheck.Replay.of(from, uncommitted.published().latestNano(),
                engineNow);
        if (replay == ContinuityCheck.Replay.SINCE_CHECKPOINT) {
            return new Resume(replay, null, null, null);
        }
        long latest = Math.max(from.timeNano(), uncommitted.published().latestNano());
        String back = String.format(Locale.ROOT, "%.3f s", (latest - engineNow) / 1e9);
        log.warn("the engine's clock ({}) is {} behind the latest event published ({}): it went back; replaying the "
                + "engine's whole buffer and placing events by its order, not their times",
                ContractJson.rfc3339(engineNow), back, ContractJson.rfc3339(latest));
        return new Resume(replay, back + " past the latest event published", null, null);
    }

    /**
     * Where a watch mark says the watch began: where the watch that begins once the subscription's check decided
     * begins, when it did, so a later restart's gap, if any, reaches back to it, not to the first start. None while
     * an unreadable checkpoint's gap is not held yet (the mark would replace the value that gap names, and a stop
     * before it was said would lose it), nor for an engine clock outside the contract's 2000-2100.
     */
    private OptionalLong watchToMark() {
        if (watch == null || unreadableCheckpoint != null) {
            return OptionalLong.empty();
        }
        long since = nextWatch != null && nextWatch.check().decided() ? nextWatch.watch().fromNanos()
                : watch.fromNanos();
        return EpochNanos.inRange(since) ? OptionalLong.of(since) : OptionalLong.empty();
    }

    /**
     * How to subscribe again before any event was read: the engine's whole buffer, which proves continuity when it
     * still holds an event from before the watch. Unless the engine's clock is behind where the watch says it should
     * be (it went back): then times cannot tell the events made since from those made before.
     */
    private Resume resumeWatch(EngineConnection engine) {
        OptionalLong now = engine.engineNowNanosWithinProbeTimeout();
        long mono = nanoClock.getAsLong();
        long back = now.isEmpty() ? 0 : watch.engineNowNanos(mono) - now.getAsLong();
        boolean clockWentBack = back > ContinuityCheck.REORDER_NANOS;
        String clockBack = null;
        if (clockWentBack) {
            clockBack = String.format(Locale.ROOT, "%.3f s", back / 1e9);
            log.warn("the engine's clock ({}) is {} behind where it was since the listener began watching ({}): it "
                    + "went back; no event read yet to resume from, so everything the engine kept is published, "
                    + "after a gap", ContractJson.rfc3339(now.getAsLong()), clockBack,
                    ContractJson.rfc3339(watch.fromNanos()));
        }
        return new Resume(ContinuityCheck.Replay.WHOLE_BUFFER,
                clockBack == null ? null : clockBack + " behind where it was since the listener began watching",
                ContinuityCheck.sinceWatchStart(watch.fromNanos(), clockWentBack, uncommitted.published()),
                now.isEmpty() ? null : new Watch(now.getAsLong() - FIRST_START_LOOKBACK_NANOS, now.getAsLong(), mono));
    }

    /** The watch that begins once {@code check}, a subscription's made before any event was read, decided. */
    private record NextWatch(ContinuityCheck check, Watch watch) {}

    /**
     * How a subscription resumes: how far the engine's clock went back when it did, and from what ({@code clockBack},
     * or null); its continuity check when it is not the checkpoint's ({@code check}, else null); and, for one made
     * again before any event was read, the watch that begins with it once its check is decided ({@code next}: the
     * next reconnection's gap, if any, reaches back to it, not to the first start), else null.
     */
    private record Resume(ContinuityCheck.Replay replay, String clockBack, ContinuityCheck check, Watch next) {}

    /**
     * A first start's watch: from when ({@code fromNanos}, the engine's clock less the look-back), and the engine's
     * clock against this process's monotonic one when it began.
     */
    private record Watch(long fromNanos, long startEngineNanos, long startMonoNanos) {
        /**
         * The watch a {@link io.dwb.schemas.WatchMark} says began at {@code fromNanos}: the engine's clock went back
         * when it is behind that now (the process's monotonic clock says nothing of before its start).
         */
        static Watch resumed(long fromNanos, long monoNanos) {
            return new Watch(fromNanos, fromNanos, monoNanos);
        }

        /** Where the engine's clock should be now, had it not been stepped. */
        long engineNowNanos(long monoNanos) {
            return startEngineNanos + (monoNanos - startMonoNanos);
        }
    }

    /**
     * One subscription into the pump until it has ended and what it read is committed; returns why it ended. When
     * Kafka fails, the subscription is kept open ({@link #kept}: the reader goes on filling the queue while the
     * producer is rebuilt) and the failure thrown; anything else ends it.
     */
    private End runPump(TransactionPump pump, OpenSubscription subscription) {
        kept = null;
        try {
            GapCause pending = gapCause.cause();
            GapCause cause = subscription.clockBack() == null ? pending : new GapCause(pending.reason(),
                    pending.detail() + ", the engine's clock having gone back " + subscription.clockBack());
            pump.run(subscription.stream(), subscription.check(), cause, subscription.said());
            return subscription.stream().end();
        } catch (KafkaUnavailable e) {
            kept = subscription;
            throw e;
        } finally {
            if (subscription.check().decided()) {
                gapCause.decided();
            }
            if (kept == null) {
                subscription.stream().stop();
            }
        }
    }

    /** Ends the subscription kept open across a Kafka failure, if any, dropping what it queued. */
    private void endKeptSubscription() {
        OpenSubscription s = kept;
        kept = null;
        if (s == null) {
            return;
        }
        s.stream().stop();
        List<CapturedEvent> rest = new ArrayList<>();
        try {
            while (queue.drainTo(rest, TransactionBudget.MAX_RECORDS, 0) > 0) {
                queue.release(rest);
                rest.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code unreadable}, unless it is the value whose gap this process held (null stays null). */
    private CheckpointStore.Unreadable notReported(CheckpointStore.Unreadable unreadable) {
        return unreadable != null && reportedUnreadable != null
                && unreadable.partition().equals(reportedUnreadable.partition())
                && unreadable.offset() == reportedUnreadable.offset() ? null : unreadable;
    }

    /**
     * The gap of an unreadable checkpoint: from when that value was written (events since the checkpoint before it
     * may be lost too: how far back is unknown) to the start of the subscription; committed with what follows.
     */
    private void unreadableGap(TransactionPump pump, long subscribedFromNanos) {
        CheckpointStore.Unreadable u = unreadableCheckpoint;
        // Within the contract's times, as TransactionPump's gaps: an engine clock before 2000 is no time to it.
        long toNano = EpochNanos.nearest(subscribedFromNanos);
        long fromNano = EpochNanos.nearest(Math.min(u.writtenAtMillis() * 1_000_000L, subscribedFromNanos));
        String from = ContractJson.rfc3339(fromNano);
        String to = ContractJson.rfc3339(toNano);
        Gap gap = new Gap(from, to, fromNano, toNano, GapReason.CHECKPOINT_UNREADABLE.code(),
                "The listener's checkpoint (" + u.partition() + " offset " + u.offset() + ") is not a checkpoint ("
                        + u.why() + "): where capture stopped is unknown, events before " + to + " may be lost, "
                        + "since " + from + " at least.", null);
        log.warn("gap: events between {} and {} may be lost ({}: the checkpoint is unreadable)", from, to,
                gap.reason());
        pump.holdGap(gap); // sent first by the pump's next run, in its transaction
        reportedUnreadable = u; // held until committed (Uncommitted keeps it through a failure)
        unreadableCheckpoint = null;
    }

    /** The engine's containers now, for the state records after a gap; none when they cannot be read. */
    private List<StateSnapshot> state(EngineConnection engine) {
        try {
            return new StateSnapshotter(engine, maxEventBytes).take();
        } catch (RuntimeException e) {
            log.warn("no state snapshot after the gap: {}", e.getMessage());
            return List.of();
        }
    }

    /**
     * Waits while the engine is away, still publishing heartbeats (engineConnected=false), each committed and counted
     * as every transaction is ({@link TransactionPump#heartbeatWhileAway}).
     */
    private void idle(TransactionPump pump, Duration wait) {
        long deadline = nanoClock.getAsLong() + wait.toNanos();
        while (!stopping()) {
            long now = nanoClock.getAsLong();
            long left = deadline - now;
            if (left <= 0) {
                return;
            }
            pump.heartbeatWhileAway(now);
            waitOrStop(Duration.ofNanos(Math.min(left, 1_000_000_000L)));
        }
    }

    /**
     * The engine takes {@code since} as Unix seconds with a nanosecond fraction, in ASCII digits: the default locale's
     * may be others (Thai, Persian), which the engine refused, and the listener reconnected for ever.
     */
    static String sinceParameter(long nanos) {
        return String.format(Locale.ROOT, "%d.%09d", Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L));
    }

    /** Between attempts to reach the engine: the options' backoff, or the wodle's fixed interval. */
    private Backoff engineBackoff() {
        return new Backoff(settings.reconnectInitial(), settings.reconnectMax());
    }

    /** True when a stop was requested during the wait. */
    private boolean waitOrStop(Duration wait) {
        try {
            return stopSignal.await(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * A subscription and the continuity check of its start, which go on together across a Kafka failure;
     * {@code clockBack}: how far the engine's clock had gone back when it was opened, and from what, or null;
     * {@code said}: the level its start is said at (DEBUG after a full queue said at DEBUG).
     */
    private record OpenSubscription(EventStream stream, ContinuityCheck check, String clockBack, Level said) {}

    /** The configured number of consecutive engine connection attempts failed. */
    static final class EngineGaveUp extends RuntimeException {
        EngineGaveUp(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
