package io.dwb.bench;

import io.dwb.bench.ResultsReport.Row;
import io.dwb.bench.fleet.FleetBench;
import io.dwb.bench.fleet.FleetPlan;
import io.dwb.bench.fleet.FleetReport;
import io.dwb.bench.fleet.FleetSettings;
import io.dwb.bench.jmh.HotPaths;
import io.dwb.bench.jmh.Trimming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every measurement of bin/bench, in one run, into bench/RESULTS.md. Settings come from the environment (bin/bench
 * sets them): DWB_BENCH_JAVA_OPTS (launch.sh's flags), DWB_BENCH_LISTENER_JAR, DWB_BENCH_FORWARDER_JAR,
 * DWB_BENCH_RESULTS, DWB_BENCH_COMMIT, and for short runs DWB_BENCH_DELIVERY_EVENTS (default 1,000,000),
 * DWB_BENCH_CAPTURE_EVENTS (200,000), DWB_BENCH_LATENCY_SECONDS (15), DWB_BENCH_ONLY (a comma-separated subset
 * of delivery,capture,latency,footprint,jmh (footprint: DWB_BENCH_FOOTPRINT_EVENTS, _IDLE_SECONDS, _AFTER_SECONDS),
 * or fleet: the separate fleet run of bin/bench fleet, configured by DWB_BENCH_FLEET_* and writing its own section).
 * A measurement that fails is reported as failed in the table and makes the exit code 1; the others still run.
 */
public final class BenchMain {
    private final Map<String, String> env = System.getenv();
    private final ResultsReport report = new ResultsReport();
    private boolean failed;
    private long listenerPeakKb;
    private long forwarderPeakKb;

    public static void main(String[] args) throws Exception {
        // A subscriber leaving the fake engine's stream is normal here: no stack traces for it.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.eclipse.jetty"))
                .setLevel(ch.qos.logback.classic.Level.OFF);
        // A transaction begun while the last one's markers are being written is retried (CONCURRENT_TRANSACTIONS),
        // as in any transactional producer: one warning per retry would flood the fleet run's output.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "org.apache.kafka.clients.producer.internals.Sender")).setLevel(ch.qos.logback.classic.Level.ERROR);
        System.exit(new BenchMain().run());
    }

    private String setting(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private int run() throws Exception {
        long started = System.nanoTime();
        Machine machine = Machine.now();
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String listenerOpts = setting("DWB_BENCH_LISTENER_JAVA_OPTS", "-XX:+UseSerialGC -Xms16m -Xmx64m");
        String forwarderOpts = setting("DWB_BENCH_FORWARDER_JAVA_OPTS", "-XX:+UseSerialGC -Xms72m -Xmx72m -Xmn40m");
        Set<String> only = Set.of(setting("DWB_BENCH_ONLY", "delivery,capture,latency,footprint,jmh").split(","));
        Path work = Files.createTempDirectory(Path.of("/tmp"), "dwb-bench-");
        Path logs = Path.of(setting("DWB_BENCH_LOGS", "bench/target/bench-logs"));
        say("machine: " + machine + "; logs of the processes in " + logs);
        if (only.contains("delivery") || only.contains("capture") || only.contains("latency")
                || only.contains("footprint")) {
            say("starting the Kafka container");
            String brokerSettings = setting("DWB_BENCH_BROKER_SETTINGS", "");
            try (BenchBroker broker = new BenchBroker(brokerSettings)) {
                if (!brokerSettings.isBlank()) {
                    report.note("The broker ran with these settings added to or replacing the recommended ones "
                            + "(DWB_BENCH_BROKER_SETTINGS): "
                            + brokerSettings + ".");
                }
                BenchContext context = new BenchContext(broker.bootstrapServers(), listenerOpts, forwarderOpts,
                        Path.of(setting("DWB_BENCH_LISTENER_JAR", "listener/target/listener.jar")),
                        Path.of(setting("DWB_BENCH_FORWARDER_JAR", "forwarder/target/forwarder.jar")), work, logs);
                if (only.contains("delivery")) {
                    section("delivery", () -> delivery(context, broker));
                }
                if (only.contains("capture")) {
                    section("capture", () -> capture(context, broker));
                }
                if (only.contains("latency")) {
                    section("latency", () -> latency(context, broker));
                }
                if (only.contains("footprint")) {
                    section("footprint", () -> footprint(context, broker));
                }
            }
            memoryRows();
        }
        if (only.contains("jmh")) {
            section("jmh", () -> micro(forwarderOpts));
        }
        Path results = Path.of(setting("DWB_BENCH_RESULTS", "bench/RESULTS.md"));
        if (only.contains("fleet")) {
            fleet(machine, date, listenerOpts, forwarderOpts, work, logs, results);
            if (only.size() == 1) {
                return failed ? 1 : 0;
            }
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        report.write(results, machine, date, setting("DWB_BENCH_COMMIT", "unknown"), listenerOpts,
                forwarderOpts, seconds);
        say("wrote " + results + " (" + seconds + " s)" + (failed ? "; some measurements FAILED, see the table"
                : ""));
        return failed ? 1 : 0;
    }

    private interface Section {
        void run() throws Exception;
    }

    private void section(String name, Section section) {
        say(name + "...");
        try {
            section.run();
        } catch (Exception | Error e) {
            failed = true;
            say(name + " FAILED: " + e);
            e.printStackTrace();
            report.add(new Row(name, "failed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                    .replace('|', '/'), "", "", "", "**no**"));
        }
    }

    private void delivery(BenchContext context, BenchBroker broker) throws Exception {
        int events = Integer.parseInt(setting("DWB_BENCH_DELIVERY_EVENTS", "1000000"));
        DeliveryBench bench = new DeliveryBench(context, events);
        double prefill = bench.prefill(() -> broker.createTopic(bench.topic(), withoutRetention()));
        say(String.format(Locale.ROOT, "pre-filled %,d events at %,.0f/s", events, prefill));
        double raw = bench.rawLimit();
        say(String.format(Locale.ROOT, "raw datagram limit %,.0f/s", raw));
        // The 10-minute budget: a slower run is cut here and its rate taken over what arrived by then.
        Duration timeout = Duration.ofSeconds(Integer.parseInt(setting("DWB_BENCH_DELIVERY_TIMEOUT", "90")));
        // The default and the sending thread twice each, in the order A B C B A, each taken as the faster of its
        // two: on a shared 2-core machine a run's rate moves by a third from one run to the next, and a setting
        // measured only first or only last would carry the order's effect too.
        DeliveryBench.Outcome dedup1 = delivered(bench, "delivery-dedup-on-1", DELIVERY_DEDUP_WINDOW, timeout);
        DeliveryBench.Outcome threaded1 = delivered(bench, "delivery-sending-thread-1", DELIVERY_DEDUP_WINDOW,
                timeout, "--sending-thread");
        DeliveryBench.Outcome plain = delivered(bench, "delivery-dedup-off", 0, timeout);
        DeliveryBench.Outcome threaded2 = delivered(bench, "delivery-sending-thread-2", DELIVERY_DEDUP_WINDOW,
                timeout, "--sending-thread");
        DeliveryBench.Outcome dedup2 = delivered(bench, "delivery-dedup-on-2", DELIVERY_DEDUP_WINDOW, timeout);
        DeliveryBench.Outcome dedup = faster(dedup1, dedup2);
        DeliveryBench.Outcome threaded = faster(threaded1, threaded2);
        forwarderPeakKb = Math.max(forwarderPeakKb, Math.max(Math.max(dedup.peakRssKb(), plain.peakRssKb()),
                threaded.peakRssKb()));
        String n = String.format(Locale.ROOT, "%,d", events);
        double ratio = dedup.eventsPerSecond() / raw;
        cut("delivery, dedup on", dedup.complete(), dedup.events(), events, timeout);
        cut("delivery, dedup off", plain.complete(), plain.events(), events, timeout);
        cut("delivery, sending thread", threaded.complete(), threaded.events(), events, timeout);
        report.note(String.format(Locale.ROOT, "Delivery runs in their order: dedup on %,.0f, sending thread %,.0f, "
                        + "dedup off %,.0f, sending thread %,.0f, dedup on %,.0f events/s (the rows take the faster "
                        + "of each pair).", dedup1.eventsPerSecond(), threaded1.eventsPerSecond(),
                plain.eventsPerSecond(), threaded2.eventsPerSecond(), dedup2.eventsPerSecond()));
        report.note(String.format(Locale.ROOT, "Delivery: the forwarder's CPU (all threads, first datagram to last) "
                        + "per 100,000 events, runs in their order: %s, %s, %s, %s, %s s.", cpu(dedup1), cpu(threaded1),
                cpu(plain), cpu(threaded2), cpu(dedup2)));
        report.add(new Row(deliveryRowLabel(n), ResultsReport.rate(dedup.eventsPerSecond()),
                "raw datagram loop "
                + ResultsReport.rate(raw), ResultsReport.ratio(ratio), "≥ 0.25×",
                ResultsReport.yesNo(ratio >= 0.25)));
        report.add(new Row("Delivery, dedup off (`--dedup-window 0`)", ResultsReport.rate(plain.eventsPerSecond()),
                "dedup on " + ResultsReport.rate(dedup.eventsPerSecond()),
                ResultsReport.ratio(plain.eventsPerSecond() / raw) + " of raw", "", ""));
        report.add(new Row("Delivery, `--sending-thread` (datagrams written on a thread of their own; dedup on; the "
                + "faster of two runs)",
                ResultsReport.rate(threaded.eventsPerSecond()),
                "one thread " + ResultsReport.rate(dedup.eventsPerSecond()),
                ResultsReport.ratio(threaded.eventsPerSecond() / raw) + " of raw; "
                        + ResultsReport.ratio(threaded.eventsPerSecond() / dedup.eventsPerSecond()) + " of one thread",
                "", ""));
        long peakKb = Math.max(Math.max(dedup.peakRssKb(), plain.peakRssKb()), threaded.peakRssKb());
        report.add(new Row("Forwarder peak RSS, delivery runs (dedup on / off / sending thread)",
                ResultsReport.mb(dedup.peakRssKb()) + " / " + ResultsReport.mb(plain.peakRssKb()) + " / "
                        + ResultsReport.mb(threaded.peakRssKb()), "", "", "≤ 200 MB",
                ResultsReport.yesNo(peakKb <= 200 * 1024)));
        report.note(String.format(Locale.ROOT, "Delivery topic pre-filled at %,.0f events/s by a batching producer "
                + "(linger 20 ms, 512 KiB batches).", prefill));
    }

    private void capture(BenchContext context, BenchBroker broker) throws Exception {
        int events = Integer.parseInt(setting("DWB_BENCH_CAPTURE_EVENTS", "200000"));
        CaptureBench bench = new CaptureBench(context, events,
                broker::createTopic);
        double raw = bench.rawProducer();
        say(String.format(Locale.ROOT, "raw producer %,.0f/s", raw));
        Duration timeout = Duration.ofSeconds(Integer.parseInt(setting("DWB_BENCH_CAPTURE_TIMEOUT", "70")));
        CaptureBench.Outcome standard = bench.listener("capture-interval-default", null, timeout);
        say(String.format(Locale.ROOT, "listener (150ms) %,.0f/s", standard.eventsPerSecond()));
        CaptureBench.Outcome longer = bench.listener("capture-interval-1s", "1s", timeout);
        say(String.format(Locale.ROOT, "listener (1s) %,.0f/s", longer.eventsPerSecond()));
        listenerPeakKb = Math.max(listenerPeakKb, Math.max(standard.peakRssKb(), longer.peakRssKb()));
        String n = String.format(Locale.ROOT, "%,d", events);
        double ratio = standard.eventsPerSecond() / raw;
        cut("capture, 150 ms", standard.complete(), standard.events(), events, timeout);
        cut("capture, 1 s", longer.complete(), longer.events(), events, timeout);
        report.add(new Row("Capture: listener, engine stream → committed records (" + n + " events, default "
                + "`--transaction-interval 150ms`)", ResultsReport.rate(standard.eventsPerSecond()),
                "raw producer " + ResultsReport.rate(raw), ResultsReport.ratio(ratio), "≥ 0.50×",
                ResultsReport.yesNo(ratio >= 0.5)));
        report.add(new Row("Capture, `--transaction-interval 1s`", ResultsReport.rate(longer.eventsPerSecond()),
                "150 ms " + ResultsReport.rate(standard.eventsPerSecond()),
                ResultsReport.ratio(longer.eventsPerSecond() / raw) + " of raw", "", ""));
        report.add(new Row("Listener peak RSS, capture runs (150 ms / 1 s)", ResultsReport.mb(standard.peakRssKb())
                + " / " + ResultsReport.mb(longer.peakRssKb()), "", "", "≤ 150 MB",
                ResultsReport.yesNo(Math.max(standard.peakRssKb(), longer.peakRssKb()) <= 150 * 1024)));
        report.note("Capture subscriptions to the fake engine (a reconnect after a full queue adds one): "
                + standard.subscriptions() + " at 150 ms, " + longer.subscriptions() + " at 1 s.");
    }

    private void latency(BenchContext context, BenchBroker broker) throws Exception {
        broker.createTopic("turnaround-events", Kafka.eventsTopic());
        broker.createTopic("turnaround-checkpoints", Kafka.checkpointsTopic());
        TransactionTurnaround.Steps backToBack = TransactionTurnaround.measure(broker.bootstrapServers(),
                "turnaround-events", "turnaround-checkpoints", 0);
        TransactionTurnaround.Steps spaced = TransactionTurnaround.measure(broker.bootstrapServers(),
                "turnaround-events", "turnaround-checkpoints", TransactionTurnaround.SPACED_MILLIS);
        report.note(String.format(Locale.ROOT, "Latency: the broker's turnaround of %d transactions of an event and "
                + "a checkpoint with the listener's producer settings, before the phases (no engine load): back to "
                + "back, %s; %d ms apart, %s.", TransactionTurnaround.TRANSACTIONS, backToBack.text(),
                TransactionTurnaround.SPACED_MILLIS, spaced.text()));
        say("transaction turnaround: back to back " + backToBack.text() + "; spaced " + spaced.text());
        int seconds = Integer.parseInt(setting("DWB_BENCH_LATENCY_SECONDS", "15"));
        LatencyBench bench = new LatencyBench(context);
        LatencyBench.Outcome outcome = bench.run(Duration.ofSeconds(seconds), Duration.ofSeconds(seconds), broker);
        for (LatencyBench.Phase p : outcome.phases()) {
            say("latency " + p);
            if (p.failedCalls() > 0) {
                report.note(String.format(Locale.ROOT, "Latency, %s: %,d pause/unpause calls failed (last: %s).",
                        p.name(), p.failedCalls(), p.lastFailure().replace('|', '/')));
            }
            report.note(String.format(Locale.ROOT, "Latency, %s: the listener's Kafka commits (its "
                    + "dwb_listener_commit_duration_seconds): %s.", p.name(), p.listener().commitSummary()));
            report.note(String.format(Locale.ROOT, "Latency, %s: in the listener (its histograms, as the bucket "
                    + "bounds the quantiles fall under), %s.", p.name(), p.listener().breakdown()));
            OptionalLong added = p.bridgeAddedP99Micros();
            report.add(new Row("Latency, real engine, " + p.name() + String.format(Locale.ROOT,
                    " (%,d events reported by the engine, %.0f/s; %,d delivered, %,d duplicates)",
                    p.engineCount(), p.generatedPerSecond(), p.delivered(), p.duplicates()),
                    p.datagram().text() + (added.isEmpty() ? "; bridge-added p99: nothing to measure"
                            : String.format(Locale.ROOT, "; bridge-added p99 %.1f ms", added.getAsLong() / 1000.0)),
                    "the engine's own stream: " + p.engine().text() + "; committed in Kafka: " + p.committed().text(),
                    "", "bridge-added p99 ≤ 50 ms, all delivered", ResultsReport.yesNo(added.isPresent()
                    && added.getAsLong() <= 50_000 && p.delivered() >= p.engineCount())));
        }
        listenerPeakKb = Math.max(listenerPeakKb, outcome.listenerRssKb());
        forwarderPeakKb = Math.max(forwarderPeakKb, outcome.forwarderRssKb());
        report.add(new Row("Peak RSS, latency run (listener / forwarder)", ResultsReport.mb(outcome.listenerRssKb())
                + " / " + ResultsReport.mb(outcome.forwarderRssKb()), "", "", "≤ 150 MB / ≤ 200 MB",
                ResultsReport.yesNo(outcome.listenerRssKb() <= 150 * 1024
                        && outcome.forwarderRssKb() <= 200 * 1024)));
    }

    /** bin/bench fleet: its own section of the results, written whatever the rest of the run does. */
    private void fleet(Machine machine, String date, String listenerOpts, String forwarderOpts, Path work, Path logs,
                       Path results) throws Exception {
        long started = System.nanoTime();
        Duration interval = Duration.ofSeconds(Long.parseLong(setting("DWB_BENCH_FLEET_HEARTBEAT_SECONDS", "30")));
        FleetSettings settings = new FleetSettings(
                Integer.parseInt(setting("DWB_BENCH_FLEET_HOSTS", "10000")),
                Integer.parseInt(setting("DWB_BENCH_FLEET_SILENT", "20")),
                Integer.parseInt(setting("DWB_BENCH_FLEET_LISTENERS", "10")),
                Integer.parseInt(setting("DWB_BENCH_FLEET_FORWARDERS", "3")),
                Integer.parseInt(setting("DWB_BENCH_FLEET_PRODUCERS", "4")), interval,
                interval.multipliedBy(FleetPlan.LENGTH_INTERVALS),
                Double.parseDouble(setting("DWB_BENCH_FLEET_LISTENER_RATE", "0.5")),
                Duration.ofSeconds(Long.parseLong(setting("DWB_BENCH_FLEET_BASELINE_SECONDS", "60"))),
                Duration.ofSeconds(Long.parseLong(setting("DWB_BENCH_FLEET_IDLE_SECONDS", "120"))),
                Duration.ofSeconds(Long.parseLong(setting("DWB_BENCH_FLEET_SETTLE_SECONDS", "60"))),
                Duration.ofSeconds(Long.parseLong(setting("DWB_BENCH_FLEET_FORWARDER_START_SECONDS", "60"))),
                Duration.ofSeconds(5), Duration.ofSeconds(Long.parseLong(setting("DWB_BENCH_FLEET_DRAIN_SECONDS",
                "180"))), Path.of(setting("DWB_BENCH_COMPOSE_FILE", "deploy/kafka-cluster.compose.yml")));
        BenchContext context = new BenchContext("", listenerOpts, forwarderOpts,
                Path.of(setting("DWB_BENCH_LISTENER_JAR", "listener/target/listener.jar")),
                Path.of(setting("DWB_BENCH_FORWARDER_JAR", "forwarder/target/forwarder.jar")), work, logs);
        ResultsReport fleetReport = new ResultsReport();
        say("fleet...");
        try {
            FleetBench.Outcome outcome = new FleetBench(settings, context).run();
            if (!FleetReport.add(fleetReport, settings, outcome)) {
                failed = true;
                say("fleet FAILED: events lost, or false or missed silent-host alerts (see " + results + ")");
            }
        } catch (Exception | Error e) {
            failed = true;
            say("fleet FAILED: " + e);
            e.printStackTrace();
            fleetReport.add(new Row("fleet", "failed: " + String.valueOf(e.getMessage()).lines().findFirst()
                    .orElse("").replace('|', '/'), "", "", "", "**no**"));
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        fleetReport.writeSection(results, ResultsReport.FLEET, "Written by `bin/bench fleet` (" + seconds + " s) on "
                + date + ", commit `" + setting("DWB_BENCH_COMMIT", "unknown") + "`, " + machine.cpuModel() + ", "
                + machine.cores() + " cores, load average before the run " + machine.loadAverage() + "; the cluster "
                + "is `deploy/kafka-cluster.compose.yml` (3 brokers, replication 3, min ISR 2) on the same machine. "
                + "What each figure means: [docs/benchmarks.md](../docs/benchmarks.md#fleet).");
        say("wrote the Fleet section of " + results + " (" + seconds + " s)");
    }

    private void footprint(BenchContext context, BenchBroker broker) throws Exception {
        Kafka.warmTransactions(context.bootstrapServers()); // a restart on a cluster in use, also when run alone
        FootprintBench bench = new FootprintBench(context,
                Integer.parseInt(setting("DWB_BENCH_FOOTPRINT_EVENTS", "200000")),
                Duration.ofSeconds(Integer.parseInt(setting("DWB_BENCH_FOOTPRINT_IDLE_SECONDS", "60"))),
                Duration.ofSeconds(Integer.parseInt(setting("DWB_BENCH_FOOTPRINT_AFTER_SECONDS", "60"))),
                broker::createTopic);
        Duration floodTimeout =
                Duration.ofSeconds(Integer.parseInt(setting("DWB_BENCH_FOOTPRINT_FLOOD_TIMEOUT", "90")));
        FootprintBench.Outcome outcome = bench.run(floodTimeout);
        say("footprint " + outcome);
        FloorBench.Outcome floor = new FloorBench(context, outcome.floodEvents(), broker::createTopic)
                .run(floodTimeout);
        say("floor " + floor);
        outcome.rows(floor).forEach(report::add);
        report.note("Footprint: " + outcome.memory() + ".");
        report.note("Footprint's floor (what the runtime and Kafka's client cost before the listener does anything "
                + "of its own): " + floor.summary() + ".");
        report.note("Footprint: wake-ups (context switches) and CPU of the idle listener's threads over the idle "
                + outcome.idle().length().toSeconds() + " s: " + outcome.idle().threads().wakeups() + ".");
        report.note("Footprint: CPU of the listener's threads in the flood (release to last commit): "
                + outcome.floodProfile() + ".");
    }

    /**
     * What the delivery runs with dedup on are given as {@code --dedup-window}: not the forwarder's default (200,000),
     * which the row once said they ran with.
     */
    static final int DELIVERY_DEDUP_WINDOW = 10_000;

    /** The delivery row's label, {@code events} as written: the settings it ran with, the dedup window's above all. */
    static String deliveryRowLabel(String events) {
        int forwarderDefault = forwarderDefaultDedupWindow();
        String settings = DELIVERY_DEDUP_WINDOW == forwarderDefault ? "default settings"
                : String.format(Locale.ROOT, "default settings but `--dedup-window %d` (the forwarder's default: "
                        + "%,d)", DELIVERY_DEDUP_WINDOW, forwarderDefault);
        return "Delivery: forwarder, topic → datagrams (" + events + " events, " + settings
                + "; the faster of two runs)";
    }

    /** The forwarder's {@code --dedup-window} default, as its option declares it. */
    static int forwarderDefaultDedupWindow() {
        try {
            return Integer.parseInt(io.dwb.forwarder.DeliveryOptions.class.getDeclaredField("dedupWindow")
                    .getAnnotation(picocli.CommandLine.Option.class).defaultValue());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DeliveryOptions has no dedupWindow", e);
        }
    }

    private DeliveryBench.Outcome delivered(DeliveryBench bench, String label, int dedupWindow, Duration timeout,
                                            String... extra) throws Exception {
        DeliveryBench.Outcome outcome = bench.forwarder(label, dedupWindow, timeout, extra);
        say(String.format(Locale.ROOT, "forwarder (%s) %,.0f/s, %s s CPU per 100,000", label,
                outcome.eventsPerSecond(), cpu(outcome)));
        return outcome;
    }

    /** The faster run, with the larger peak of the two. */
    private static DeliveryBench.Outcome faster(DeliveryBench.Outcome a, DeliveryBench.Outcome b) {
        DeliveryBench.Outcome best = a.eventsPerSecond() >= b.eventsPerSecond() ? a : b;
        return new DeliveryBench.Outcome(best.events(), best.eventsPerSecond(),
                Math.max(a.peakRssKb(), b.peakRssKb()), best.complete(), best.cpuSecondsPer100k());
    }

    /** The events topic's settings, kept for ever: the delivery topic is read five times, over minutes. */
    private static Map<String, String> withoutRetention() {
        Map<String, String> config = new HashMap<>(Kafka.eventsTopic());
        config.put("retention.ms", "-1");
        return config;
    }

    private static String cpu(DeliveryBench.Outcome outcome) {
        return Double.isNaN(outcome.cpuSecondsPer100k()) ? "not measured (cut)"
                : String.format(Locale.ROOT, "%.2f", outcome.cpuSecondsPer100k());
    }

    private void cut(String run, boolean complete, long done, long total, Duration timeout) {
        if (!complete) {
            report.note(String.format(Locale.ROOT, "The %s run was cut at its %d s budget with %,d of %,d events "
                    + "through; its rate is over those.", run, timeout.toSeconds(), done, total));
        }
    }

    private void memoryRows() {
        if (listenerPeakKb > 0 || forwarderPeakKb > 0) {
            report.add(new Row("Peak RSS over all runs (listener / forwarder)", ResultsReport.mb(listenerPeakKb)
                    + " / " + ResultsReport.mb(forwarderPeakKb), "", "", "≤ 150 MB / ≤ 200 MB",
                    ResultsReport.yesNo(listenerPeakKb <= 150 * 1024 && forwarderPeakKb <= 200 * 1024)));
        }
    }

    private void micro(String javaOpts) throws Exception {
        Options options = new OptionsBuilder().include(HotPaths.class.getName() + ".*")
                .include(Trimming.class.getName() + ".*").forks(1)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .jvmArgs(Arrays.stream(javaOpts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toArray(String[]::new))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            StringBuilder params = new StringBuilder();
            for (String key : r.getParams().getParamsKeys()) {
                params.append(params.length() == 0 ? " (" : ", ").append(key).append('=')
                        .append(r.getParams().getParam(key));
            }
            String label = "`" + name.substring(name.lastIndexOf('.') + 1) + "`"
                    + (params.length() == 0 ? "" : params.append(')'));
            report.micro(label, r.getPrimaryResult().getScore(),
                    r.getPrimaryResult().getScoreError(), r.getPrimaryResult().getScoreUnit());
        }
    }

    private static void say(String message) {
        System.err.println("[bench] " + message);
    }
}
