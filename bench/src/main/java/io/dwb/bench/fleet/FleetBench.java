package io.dwb.bench.fleet;

import io.dwb.bench.BenchContext;
import io.dwb.bench.DatagramCounter;
import io.dwb.bench.EpochClock;
import io.dwb.bench.EventShapes;
import io.dwb.bench.FakeEngine;
import io.dwb.bench.ProcessRun;
import io.dwb.schemas.EventId;
import io.dwb.runtime.Replication;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The fleet on this machine: the three-broker cluster, broker load measured without clients and with idle real
 * listeners, then the generator's simulated hosts plus the real listeners publishing while three forwarders
 * deliver to Unix datagram receivers, one forwarder SIGKILLed at the plan's kill time and restarted.
 */
public final class FleetBench {
    public static final String EVENTS_TOPIC = "docker-events";
    public static final String CHECKPOINTS_TOPIC = "docker-events-checkpoints";
    public static final String DLQ_TOPIC = "docker-events-dlq";
    static final String GROUP = "dwb-bench-fleet";
    /** The forwarder's default --commit-interval plus a commit's round trip: what a crash may deliver again. */
    static final Duration REDELIVERY_BOUND = Duration.ofSeconds(2);
    /** After the listeners subscribed, before their idle window: their start-up requests are over. */
    static final Duration QUIET = Duration.ofSeconds(10);

    private final FleetSettings settings;
    private final BenchContext context;
    private final List<ProcessRun> forwarders = new ArrayList<>();
    private final List<ProcessRun> listeners = new ArrayList<>();
    private final List<ProcessRun> stopped = new ArrayList<>();
    private String bootstrap;

    /** Everything the report needs. */
    public record Outcome(FleetLedger.Outcome ledger, BrokerLoad none, BrokerLoad idleListeners, BrokerLoad fleet,
                          int idleListenerCount, long generatorEvents, long generatorHeartbeats, long generatorGaps,
                          long generatorTransactions, long listenerEvents, long forwarderPeakKb, long listenerPeakKb,
                          boolean complete, long runSeconds, long fleetSeconds) {}

    public FleetBench(FleetSettings settings, BenchContext context) {
        this.settings = settings;
        this.context = context;
    }

    public Outcome run() throws Exception {
        long started = System.nanoTime();
        FleetPlan plan = FleetPlan.of(settings.hosts(), settings.silent(), settings.interval(), settings.length(),
                0.01, 0.09, 42);
        FleetLedger ledger = new FleetLedger();
        say("starting the three-broker cluster (" + settings.composeFile() + ")");
        try (FleetCluster cluster = FleetCluster.start(settings.composeFile(), context.workDir(), context.logDir(),
                Duration.ofMinutes(4))) {
            bootstrap = cluster.bootstrapServers();
            createTopics(cluster);
            FleetGenerator generator = new FleetGenerator(bootstrap, EVENTS_TOPIC, CHECKPOINTS_TOPIC, plan,
                    settings.producers(), Long.toHexString(System.nanoTime()), ledger,
                    new EventShapes(7, 0, 1));
            List<DatagramCounter> receivers = new ArrayList<>();
            List<FakeEngine> engines = new ArrayList<>();
            try (BrokerMetrics metrics = new BrokerMetrics(cluster.jmxPorts())) {
                generator.initTransactions(); // Kafka's transaction state topic exists before the baseline
                say("broker load without clients (" + settings.baselineWindow().toSeconds() + " s)");
                Thread.sleep(5_000);
                BrokerLoad none = window(metrics, settings.baselineWindow());

                // The engines' events are timed from the start of the fleet phase: fixed now, after the longest
                // the listeners, their idle window and the forwarders may take to get there.
                long mainStart = EpochClock.nowNanos() + settings.settle().toNanos() + settings.idleWindow().toNanos()
                        + settings.forwarderStart().toNanos();
                long listenerEvents = startListeners(bootstrap, mainStart, ledger, engines);
                say(settings.listeners() + " listeners started; broker load with them idle ("
                        + settings.idleWindow().toSeconds() + " s) once all are subscribed to their engine");
                awaitLog(listeners, "subscribed to GET /events", settings.settle());
                Thread.sleep(QUIET.toMillis()); // their start-up requests (topic checks, checkpoint lookup) done
                BrokerLoad idle = window(metrics, settings.idleWindow());
                requireAlive(listeners);

                for (int f = 0; f < settings.forwarders(); f++) {
                    DatagramCounter receiver = new DatagramCounter(context.workDir().resolve("fq-" + f),
                            new AlertReader(f, ledger));
                    receivers.add(receiver);
                    forwarders.add(startForwarder(bootstrap, f, receiver.path(), ""));
                }
                // Forwarders live before the simulated hosts begin: the silences of the first wave must fall in
                // their live reading, not in a backlog they catch up on.
                awaitLog(forwarders, "partitions assigned", Duration.ofNanos(Math.max(0,
                        mainStart - EpochClock.nowNanos())));
                sleepUntilEpoch(mainStart);
                say(String.format(Locale.ROOT, "fleet: %,d simulated hosts and %d listeners publishing for %d s, "
                        + "%d forwarders", settings.hosts(), settings.listeners(), settings.length().toSeconds(),
                        settings.forwarders()));
                BrokerSample fleetFrom = metrics.sample(System.nanoTime());
                generator.start(mainStart);
                long killEpoch = mainStart + plan.killAtNanos();
                long killNanos = fleetPhase(plan, mainStart, killEpoch, generator, receivers);
                BrokerSample fleetTo = metrics.sample(System.nanoTime());
                BrokerLoad fleet = BrokerLoad.between(fleetFrom, fleetTo);
                boolean complete = drain(plan, mainStart, ledger, generator);
                long fleetSeconds = (EpochClock.nowNanos() - mainStart) / 1_000_000_000L;
                if (generator.failure() != null) {
                    throw new IllegalStateException("the generator failed: " + generator.failure(),
                            generator.failure());
                }
                long forwarderPeak = 0;
                for (ProcessRun f : forwarders) {
                    f.close();
                }
                for (ProcessRun f : concat(forwarders, stopped)) {
                    forwarderPeak = Math.max(forwarderPeak, f.peakRssKb());
                }
                long listenerPeak = 0;
                for (ProcessRun l : listeners) {
                    l.close();
                    listenerPeak = Math.max(listenerPeak, l.peakRssKb());
                }
                FleetLedger.Outcome accounting = ledger.outcome(killEpoch + settings.restartDelay().toNanos(),
                        killNanos, REDELIVERY_BOUND.toNanos(),
                        0, plan.silentHostIds());
                return new Outcome(accounting, none, idle, fleet, settings.listeners(), generator.events(),
                        generator.heartbeats(), generator.gaps(), generator.transactions(), listenerEvents,
                        forwarderPeak, listenerPeak, complete, (System.nanoTime() - started) / 1_000_000_000L,
                        fleetSeconds);
            } finally {
                for (ProcessRun p : concat(forwarders, listeners)) {
                    p.close();
                }
                generator.close();
                for (DatagramCounter r : receivers) {
                    r.close();
                }
                for (FakeEngine e : engines) {
                    e.close();
                }
                say("removing the cluster");
            }
        }
    }

    private void createTopics(FleetCluster cluster) {
        // The topics as a listener and a forwarder create them with their defaults (the processes' own code).
        try (Admin admin = cluster.admin()) {
            new TopicProvisioner(admin, cluster.bootstrapServers(), Duration.ofMinutes(1)).ensure(new TopicPlan(
                    List.of(TopicSpec.events(EVENTS_TOPIC, TopicSpec.DEFAULT_EVENTS_PARTITIONS, Duration.ofDays(7),
                                    1L << 30),
                            TopicSpec.checkpoints(CHECKPOINTS_TOPIC, TopicSpec.DEFAULT_CHECKPOINT_PARTITIONS),
                            TopicSpec.deadLetters(DLQ_TOPIC, TopicSpec.DEFAULT_DLQ_PARTITIONS, Duration.ofDays(30))),
                    new Replication(null, null), true));
        }
    }

    private BrokerLoad window(BrokerMetrics metrics, Duration length) throws Exception {
        BrokerSample from = metrics.sample(System.nanoTime());
        Thread.sleep(length.toMillis());
        return BrokerLoad.between(from, metrics.sample(System.nanoTime()));
    }

    /**
     * One fake engine per listener whose events happen from {@code mainStart} on at the listener rate; each event
     * is expected in the ledger. Returns how many events the engines will stream.
     */
    private long startListeners(String bootstrap, long mainStart, FleetLedger ledger, List<FakeEngine> engines)
            throws Exception {
        long step = (long) (1e9 / settings.listenerRate());
        int count = (int) (settings.length().toNanos() / step);
        long total = 0;
        for (int l = 0; l < settings.listeners(); l++) {
            EventShapes shapes = new EventShapes(100 + l, mainStart + l * 1_000_003L, step);
            byte[][] events = new byte[count][];
            long[] times = new long[count];
            FakeEngine engine;
            for (int i = 0; i < count; i++) {
                events[i] = shapes.event(i);
                times[i] = shapes.timeNano(i);
            }
            engine = FakeEngine.paced(context.workDir().resolve("engine-" + l + ".sock"),
                    String.format("fleet-listener-%02d", l), events, times);
            engines.add(engine);
            for (int i = 0; i < count; i++) {
                String[] id = shapes.identity(i);
                ledger.expect(AlertKeys.event(EventId.of(engine.engineId(), String.valueOf(times[i]), id[0], id[1],
                        id[2])), times[i]);
            }
            total += count;
            listeners.add(ProcessRun.start(String.format("fleet-listener-%02d", l), context.listenerJavaOpts(),
                    context.listenerJar(), BenchContext.LISTENER_MAIN, Map.of(), context.logDir(),
                    "--docker-host", engine.dockerHost(), "--bootstrap-servers", bootstrap, "--topic", EVENTS_TOPIC,
                    "--checkpoint-topic", CHECKPOINTS_TOPIC, "--heartbeat-interval",
                    settings.interval().toSeconds() + "s"));
        }
        return total;
    }

    private ProcessRun startForwarder(String bootstrap, int index, Path socket, String suffix) throws Exception {
        return ProcessRun.start("fleet-forwarder-" + (index + 1) + suffix, context.forwarderJavaOpts(),
                context.forwarderJar(), BenchContext.FORWARDER_MAIN, Map.of(), context.logDir(),
                "--bootstrap-servers", bootstrap, "--topic", EVENTS_TOPIC, "--group", GROUP, "--dlq-topic", DLQ_TOPIC,
                "--wazuh-queue", socket.toString(), "--instance-id", "fleet-forwarder-" + (index + 1));
    }

    /**
     * Until the events end: samples every process's peak RSS each second, SIGKILLs forwarder 1 at the kill time and
     * restarts it after the restart delay. Returns System.nanoTime() of the kill.
     */
    private long fleetPhase(FleetPlan plan, long mainStart, long killEpoch, FleetGenerator generator,
                            List<DatagramCounter> receivers) throws Exception {
        long end = mainStart + plan.eventsNanos();
        long killNanos = 0;
        long restartEpoch = killEpoch + settings.restartDelay().toNanos();
        boolean restarted = false;
        long lastSay = 0;
        while (EpochClock.nowNanos() < end) {
            for (ProcessRun p : concat(forwarders, listeners)) {
                p.samplePeakRssKb();
            }
            long now = EpochClock.nowNanos();
            if (killNanos == 0 && now >= killEpoch) {
                ProcessRun victim = forwarders.get(0);
                victim.kill();
                killNanos = System.nanoTime();
                stopped.add(victim);
                say("SIGKILLed " + victim.label());
            } else if (killNanos != 0 && !restarted && now >= restartEpoch) {
                forwarders.set(0, startForwarder(bootstrap, 0, receivers.get(0).path(), "-restarted"));
                restarted = true;
                say("restarted fleet-forwarder-1");
            }
            if (generator.failure() != null) {
                throw new IllegalStateException("the generator failed: " + generator.failure(), generator.failure());
            }
            if (now - lastSay > 30_000_000_000L) {
                lastSay = now;
                say(String.format(Locale.ROOT, "t=%d s: generator %,d events, %,d heartbeats in %,d transactions; "
                                + "received %s", (now - mainStart) / 1_000_000_000L, generator.events(),
                        generator.heartbeats(), generator.transactions(),
                        receivers.stream().map(r -> String.valueOf(r.count())).toList()));
            }
            Thread.sleep(1_000);
        }
        if (killNanos == 0) {
            throw new IllegalStateException("the run ended before the kill time");
        }
        return killNanos;
    }

    /**
     * Heartbeats go on (otherwise every host would rightly be reported silent) until every expected alert arrived
     * and the last silent host has had time to come back, or the drain timeout.
     */
    private boolean drain(FleetPlan plan, long mainStart, FleetLedger ledger, FleetGenerator generator)
            throws InterruptedException {
        long backBy = mainStart + plan.lastSilenceEndNanos() + 2 * plan.intervalNanos();
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            for (ProcessRun p : concat(forwarders, listeners)) {
                p.samplePeakRssKb();
            }
            if (ledger.complete() && EpochClock.nowNanos() >= backBy) {
                return true;
            }
            Thread.sleep(1_000);
        }
        say(String.format(Locale.ROOT, "drain timeout: %,d of %,d expected alerts arrived", ledger.deliveredCount(),
                ledger.expectedCount()));
        return false;
    }

    /** Waits until every process has logged {@code line}, at most {@code timeout}; fails when one exits. */
    private static void awaitLog(List<ProcessRun> processes, String line, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!processes.stream().allMatch(p -> p.logTail(200).contains(line))) {
            requireAlive(processes);
            if (System.nanoTime() > deadline) {
                say("not every process logged \"" + line + "\" within " + timeout.toSeconds() + " s: going on");
                return;
            }
            Thread.sleep(500);
        }
    }

    private static void requireAlive(List<ProcessRun> processes) {
        for (ProcessRun p : processes) {
            if (!p.alive()) {
                throw new IllegalStateException(p.label() + " exited: " + p.logTail(20));
            }
        }
    }

    private static void sleepUntilEpoch(long epochNanos) throws InterruptedException {
        long wait = epochNanos - EpochClock.nowNanos();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000L);
        }
    }

    private static List<ProcessRun> concat(List<ProcessRun> a, List<ProcessRun> b) {
        List<ProcessRun> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void say(String message) {
        System.err.println("[bench fleet] " + message);
    }
}
