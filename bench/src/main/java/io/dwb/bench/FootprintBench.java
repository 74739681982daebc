package io.dwb.bench;

import io.dwb.bench.ResultsReport.Row;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * What one listener costs a host (issue 15): the real listener jar, with the launcher's flags, on a
 * {@link FakeEngine} that has one event at start and then a flood when asked, against the bench's broker:
 * <ol>
 *   <li>start to first event: from just before the process is started to the moment a read_committed consumer
 *       receives the first event's record;</li>
 *   <li>RSS at rest: VmRSS 2 s after that;</li>
 *   <li>idle CPU: utime + stime of the process over a measured idle minute from 7 s after the first event, once
 *       the start's last work (the listener's one collection once quiet) is done, which is reported apart
 *       (heartbeats and engine probes included), with the CPU ticks and wake-ups (context switches) of each thread
 *       name, to say what wakes it, and VmRSS at its end;</li>
 *   <li>RSS after a flood: the engine releases {@code floodEvents} at once; VmRSS {@code afterFlood} after the last
 *       of them is committed.</li>
 *   <li>restart to first event: the listener is stopped (SIGTERM) and started again on the same topics, as the
 *       wodle and every upgrade do; the engine releases one more event as the process starts, and the time is from
 *       just before the start to the moment the consumer receives that event's record (a resume from the
 *       checkpoint, the start users wait for; the first start's topics exist too, made by the bench, but it has no
 *       checkpoint and a transactional id new to the broker).</li>
 * </ol>
 * With {@code -XX:NativeMemoryTracking=summary} in the listener's flags (DWB_BENCH_EXTRA_JAVA_OPTS), the NMT
 * summary at rest (after the idle minute) and after the flood goes to the logs directory.
 */
public final class FootprintBench {
    public static final long REST_GOAL_KB = 48 * 1024;
    public static final long AFTER_FLOOD_GOAL_KB = 64 * 1024;
    public static final double IDLE_CPU_GOAL_SECONDS = 0.1;
    public static final double START_GOAL_SECONDS = 1.0;
    public static final double FLOOD_CPU_GOAL_SECONDS = 1.0;
    public static final double FLOOD_RATE_GOAL = 50_000;
    private static final Duration SETTLE = Duration.ofSeconds(2);
    /**
     * From the first event to the idle interval: the listener's start ends with its one full collection, 5 s after
     * its last event (IdleCollection.QUIET), a cost paid once, not each idle minute; its CPU is reported apart.
     */
    private static final Duration START_SETTLED = Duration.ofSeconds(7);

    /**
     * The idle listener.
     *
     * @param length              the measured interval
     * @param cpuSecondsPerMinute its CPU, all threads, per minute
     * @param threads             what each thread did in it
     * @param endRssKb            VmRSS at its end
     * @param settlingCpuSeconds  CPU from the rest measurement to the interval (the start's last work)
     */
    public record Idle(Duration length, double cpuSecondsPerMinute, ThreadProfile threads, long endRssKb,
                       double settlingCpuSeconds) {}

    /**
     * @param floodCommitted events of the flood committed (fewer than floodEvents when its time ran out)
     * @param floodThreads what each thread did from the flood's release to its last event committed
     * @param floodCpuSeconds the listener's CPU (all threads, user and system) from the flood's release to its last
     *                        event committed
     * @param floodSubscriptions subscriptions to the engine during the flood: each one after the first follows a
     *                           full queue, and its reading thread replaces the one that ended
     */
    public record Outcome(double startSeconds, long restRssKb, long restAnonKb, Idle idle, long afterFloodRssKb,
                          long afterFloodAnonKb, long peakRssKb, Duration afterFlood, double floodEventsPerSecond,
                          int floodEvents, long floodCommitted, ThreadProfile floodThreads, double floodCpuSeconds,
                          int floodSubscriptions, double restartSeconds) {
        /** CPU per 100,000 events of the flood, in seconds. */
        public double cpuPer100k() {
            return floodCommitted == 0 ? Double.NaN : floodCpuSeconds * 100_000 / floodCommitted;
        }

        /** The six rows of bench/RESULTS.md, each against its goal and beside its {@code floor}. */
        public List<Row> rows(FloorBench.Outcome floor) {
            return List.of(
                    new Row("Listener start to first event on the topic (process start → record visible, "
                            + "read_committed; a first start: no checkpoint, a transactional id new to the broker)",
                            String.format(Locale.ROOT, "%.2f s", startSeconds), floor.start(), "",
                            "≤ 1 s", ResultsReport.yesNo(startSeconds <= START_GOAL_SECONDS)),
                    new Row("Listener restart to first event on the topic (stopped, started again: the wodle's and "
                            + "an upgrade's start, resuming from its checkpoint)",
                            String.format(Locale.ROOT, "%.2f s", restartSeconds), floor.start(), "",
                            "≤ 1 s", ResultsReport.yesNo(restartSeconds <= START_GOAL_SECONDS)),
                    new Row("Listener RSS at rest (2 s after the first event)", ResultsReport.mb(restRssKb),
                            "anonymous " + ResultsReport.mb(restAnonKb) + "; " + floor.rest(), "", "≤ 48 MB",
                            ResultsReport.yesNo(restRssKb <= REST_GOAL_KB)),
                    new Row(String.format(Locale.ROOT, "Listener RSS %d s after a flood of %,d events%s",
                            afterFlood.toSeconds(), floodEvents, floodCommitted < floodEvents ? String.format(
                                    Locale.ROOT, " (cut at its time budget: %,d committed)", floodCommitted) : ""),
                            ResultsReport.mb(afterFloodRssKb),
                            "peak " + ResultsReport.mb(peakRssKb) + ", flood captured at "
                                    + ResultsReport.rate(floodEventsPerSecond), "", "< 64 MB",
                            ResultsReport.yesNo(afterFloodRssKb < AFTER_FLOOD_GOAL_KB)),
                    new Row(String.format(Locale.ROOT, "Listener CPU while idle (over %d s from %d s after the first "
                                    + "event, heartbeats and engine probes included)", idle.length().toSeconds(),
                                    START_SETTLED.toSeconds()),
                            String.format(Locale.ROOT, "%.2f s per minute", idle.cpuSecondsPerMinute()),
                            String.format(Locale.ROOT, "%.2f s in the %d s before it (the start's last work)",
                                    idle.settlingCpuSeconds(), START_SETTLED.minus(SETTLE).toSeconds()), "",
                            "≤ 0.1 s", ResultsReport.yesNo(idle.cpuSecondsPerMinute() <= IDLE_CPU_GOAL_SECONDS)),
                    new Row("Listener CPU per 100,000 events, and its rate, in the flood (every event read, "
                            + "published and committed exactly once)", String.format(Locale.ROOT,
                            "%.2f s; %s", cpuPer100k(), ResultsReport.rate(floodEventsPerSecond)),
                            String.format(Locale.ROOT, "%.2f s of CPU for %,d events; %s", floodCpuSeconds,
                                    floodCommitted, floor.flood()), "", "≤ 1 s; ≥ 50,000 events/s",
                            ResultsReport.yesNo(cpuPer100k() <= FLOOD_CPU_GOAL_SECONDS
                                    && floodEventsPerSecond >= FLOOD_RATE_GOAL)));
        }

        /**
         * For the notes: the flood's CPU per thread name, and what threads that ended during it used (the process's
         * CPU less that of the threads alive at the end: /proc keeps no ended thread), with the reconnects behind it.
         */
        public String floodProfile() {
            return String.format(Locale.ROOT, "%s; threads that ended during the flood %.2f s (%d subscriptions to the "
                            + "engine: one more after each full queue, whose reading thread ends)", floodThreads.cpu(),
                    Math.max(0, floodCpuSeconds - floodThreads.seconds()), floodSubscriptions);
        }

        /** For the notes: the resident memory over the run. */
        public String memory() {
            return String.format(Locale.ROOT, "RSS at rest %s (anonymous %s), at the end of the idle %d s %s; %d s "
                    + "after the flood %s (anonymous %s), peak %s", ResultsReport.mb(restRssKb),
                    ResultsReport.mb(restAnonKb), idle.length().toSeconds(), ResultsReport.mb(idle.endRssKb()),
                    afterFlood.toSeconds(), ResultsReport.mb(afterFloodRssKb), ResultsReport.mb(afterFloodAnonKb),
                    ResultsReport.mb(peakRssKb));
        }
    }

    private final BenchContext context;
    private final int floodEvents;
    private final Duration idle;
    private final Duration afterFlood;
    private final BiConsumer<String, Map<String, String>> createTopic;

    /**
     * @param floodEvents events released at once after the idle interval
     * @param idle        how long CPU is measured at rest
     * @param afterFlood  how long after the flood is committed the RSS is read
     * @param createTopic (name, config) creates a one-partition topic
     */
    public FootprintBench(BenchContext context, int floodEvents, Duration idle, Duration afterFlood,
                          BiConsumer<String, Map<String, String>> createTopic) {
        this.context = context;
        this.floodEvents = floodEvents;
        this.idle = idle;
        this.afterFlood = afterFlood;
        this.createTopic = createTopic;
    }

    public Outcome run(Duration floodTimeout) throws Exception {
        String label = "footprint";
        String topic = "bench-footprint-" + UUID.randomUUID().toString().substring(0, 8);
        String checkpoints = topic + "-checkpoints";
        createTopic.accept(topic, Kafka.eventsTopic());
        createTopic.accept(checkpoints, Kafka.checkpointsTopic());
        int total = 1 + floodEvents + 1; // one at start, the flood, one after the restart
        // Times just before now: a first start subscribes with since = now - 2 s, so all of them are replayed.
        EventShapes shapes = new EventShapes(17, EpochClock.nowNanos() - 1_000_000_000L, 1_000L);
        byte[][] json = new byte[total][];
        long[] times = new long[total];
        for (int i = 0; i < total; i++) {
            json[i] = shapes.event(i);
            times[i] = shapes.timeNano(i);
        }
        AtomicLong firstSeen = new AtomicLong();
        AtomicLong seen = new AtomicLong();
        AtomicLong restartEventSeen = new AtomicLong();
        Path socket = context.workDir().resolve(label + "-engine.sock");
        try (FakeEngine engine = new FakeEngine(socket, "bench-" + label, json, times, 1, 1 + floodEvents);
             Kafka.CommittedEventCounter counter = new Kafka.CommittedEventCounter(context.bootstrapServers(), topic,
                     1 + floodEvents, r -> {
                         long now = System.nanoTime();
                         firstSeen.compareAndSet(0, now);
                         if (seen.incrementAndGet() == total) {
                             restartEventSeen.set(now);
                         }
                     })) {
            long started = System.nanoTime();
            String[] arguments = BenchBroker.listenerArguments(engine.dockerHost(), context.bootstrapServers(), topic,
                    checkpoints);
            try (ProcessRun listener = ProcessRun.start(label, context.listenerJavaOpts(), context.listenerJar(),
                    BenchContext.LISTENER_MAIN, Map.of(), context.logDir(), arguments)) {
                long pid = listener.pid();
                double startSeconds = listener.secondsUntilSeen(firstSeen, started, "the first event");
                Thread.sleep(SETTLE.toMillis());
                long restRss = ProcessTasks.statusKb(pid, "VmRSS");
                long restAnon = ProcessTasks.statusKb(pid, "RssAnon");

                long settlingTicks = ProcessTasks.processTicks(pid);
                Thread.sleep(START_SETTLED.minus(SETTLE).toMillis());
                ProcessTasks before = ProcessTasks.of(pid);
                long ticksBefore = ProcessTasks.processTicks(pid);
                long idleStart = System.nanoTime();
                Thread.sleep(idle.toMillis());
                long ticksAfter = ProcessTasks.processTicks(pid);
                long idleEndRss = ProcessTasks.statusKb(pid, "VmRSS");
                long idleNanos = System.nanoTime() - idleStart;
                ProcessTasks after = ProcessTasks.of(pid);
                long hz = ProcessTasks.ticksPerSecond();
                Idle idleOutcome = new Idle(idle, (ticksAfter - ticksBefore) / (double) hz * 60e9 / idleNanos,
                        new ThreadProfile(after.since(before), hz), idleEndRss,
                        (ticksBefore - settlingTicks) / (double) hz);
                nativeMemory(pid, "footprint-at-rest");

                long floodTicksBefore = ProcessTasks.processTicks(pid);
                ProcessTasks floodBefore = ProcessTasks.of(pid);
                long floodStart = System.nanoTime();
                int subscriptionsBefore = engine.subscriptions();
                engine.release();
                long floodEnd;
                long floodDone = floodEvents;
                try {
                    floodEnd = counter.awaitTarget(floodTimeout, () -> {
                        listener.samplePeakRssKb();
                        return listener.alive();
                    });
                } catch (IllegalStateException e) {
                    if (!listener.alive()) {
                        throw new IllegalStateException(e.getMessage() + "\n" + listener.logTail(20), e);
                    }
                    // Out of time (a loaded machine): the memory after what was committed by then.
                    floodEnd = System.nanoTime();
                    floodDone = counter.count() - 1;
                }
                double floodRate = floodDone * 1e9 / (floodEnd - floodStart);
                double floodCpu = (ProcessTasks.processTicks(pid) - floodTicksBefore) / (double) hz;
                ThreadProfile floodThreads = new ThreadProfile(ProcessTasks.of(pid).since(floodBefore), hz);
                int floodSubscriptions = engine.subscriptions() - subscriptionsBefore + 1;
                Thread.sleep(afterFlood.toMillis());
                long afterRss = ProcessTasks.statusKb(pid, "VmRSS");
                long afterAnon = ProcessTasks.statusKb(pid, "RssAnon");
                nativeMemory(pid, "footprint-after-flood");
                listener.close();
                double restartSeconds = restart(label, arguments, engine, restartEventSeen, floodDone == floodEvents);
                return new Outcome(startSeconds, restRss, restAnon, idleOutcome, afterRss, afterAnon,
                        listener.peakRssKb(), afterFlood, floodRate, floodEvents, floodDone, floodThreads, floodCpu,
                        floodSubscriptions, restartSeconds);
            }
        }
    }

    /**
     * Starts the stopped listener again and releases one more event as it starts: seconds from just before the
     * start to that event's record (NaN when the flood was cut short, since then the restart replays its rest).
     */
    private double restart(String label, String[] arguments, FakeEngine engine, AtomicLong eventSeen,
                           boolean floodComplete) throws Exception {
        if (!floodComplete) {
            return Double.NaN;
        }
        long started = System.nanoTime();
        try (ProcessRun listener = ProcessRun.start(label + "-restart", context.listenerJavaOpts(),
                context.listenerJar(), BenchContext.LISTENER_MAIN, Map.of(), context.logDir(), arguments)) {
            engine.release();
            return listener.secondsUntilSeen(eventSeen, started, "the event after the restart");
        }
    }

    /** The NMT summary into the logs directory, when the listener runs with native memory tracking. */
    private void nativeMemory(long pid, String name) throws IOException, InterruptedException {
        if (!context.listenerJavaOpts().contains("NativeMemoryTracking")) {
            return;
        }
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        List<String> command = new ArrayList<>(List.of(jcmd.toString(), String.valueOf(pid),
                "VM.native_memory", "summary"));
        Path out = context.logDir().resolve(name + ".nmt.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        p.waitFor(30, TimeUnit.SECONDS);
    }
}
