package io.dwb.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The floor under the footprint run's figures: what the runtime and Kafka's client cost before the listener does
 * anything of its own, measured as the footprint run measures the listener ({@link PublishFloor}: the listener's
 * JVM flags and jar). Where a goal of the footprint run is below its floor, no work inside the listener can meet it
 * on this runtime and client. Without the listener's class archive: it holds the listener's ~6,000 classes and is
 * relocated whole at each start (JDK 17), so it would count them into the floor (the JVM alone: 63 MB with it,
 * 38 MB without, where the JDK's own archive is still used).
 * <ol>
 *   <li>the JVM alone: VmRSS {@code settle} after its start;</li>
 *   <li>Kafka's transactional producer with the listener's settings: start to its first event seen by a
 *       read_committed consumer, VmRSS {@code settle} after that (as "at rest"), then the CPU for a flood of
 *       {@code floodEvents} records published in transactions, and its rate.</li>
 * </ol>
 */
public final class FloorBench {
    private static final Duration SETTLE = Duration.ofSeconds(2);

    /**
     * @param jvmRssKb           the JVM alone, at rest
     * @param startSeconds       the producer's start to its first event on the topic
     * @param restRssKb          the producer at rest
     * @param floodCpuSeconds    the producer's CPU for {@code floodEvents}, all threads
     */
    public record Outcome(long jvmRssKb, double startSeconds, long restRssKb, long restAnonKb, int floodEvents,
                          double floodCpuSeconds, double floodEventsPerSecond) {
        public double cpuPer100k() {
            return floodCpuSeconds * 100_000 / floodEvents;
        }

        /** For the footprint rows' "compared with". */
        public String start() {
            return String.format(Locale.ROOT, "floor %.2f s", startSeconds);
        }

        public String rest() {
            return "floor " + ResultsReport.mb(restRssKb) + " (JVM alone " + ResultsReport.mb(jvmRssKb) + ")";
        }

        public String flood() {
            return String.format(Locale.ROOT, "floor %.2f s at %s", cpuPer100k(),
                    ResultsReport.rate(floodEventsPerSecond));
        }

        /** For the notes. */
        public String summary() {
            return String.format(Locale.ROOT, "the JVM alone (the listener's flags and jar, not its class archive) "
                    + "%s RSS %d s after its start; Kafka's transactional producer with the listener's settings, in "
                    + "that JVM: first event on the topic %.2f s after the start, RSS %s (anonymous %s) %d s after it, "
                    + "%.2f s of CPU per 100,000 events published in transactions of %,d (%,d events at %s)",
                    ResultsReport.mb(jvmRssKb), SETTLE.toSeconds(), startSeconds, ResultsReport.mb(restRssKb),
                    ResultsReport.mb(restAnonKb), SETTLE.toSeconds(), cpuPer100k(),
                    PublishFloor.TRANSACTION_RECORDS, floodEvents, ResultsReport.rate(floodEventsPerSecond));
        }
    }

    private final BenchContext context;
    private final int floodEvents;
    private final BiConsumer<String, Map<String, String>> createTopic;

    /** @param createTopic (name, config) creates a one-partition topic */
    public FloorBench(BenchContext context, int floodEvents, BiConsumer<String, Map<String, String>> createTopic) {
        this.context = context;
        this.floodEvents = floodEvents;
        this.createTopic = createTopic;
    }

    public Outcome run(Duration floodTimeout) throws Exception {
        List<Path> classPath = List.of(context.listenerJar(), floorClasses());
        String javaOpts = context.listenerJavaOpts().replaceAll("-XX:SharedArchiveFile=\\S+", "");
        long jvmRss;
        try (ProcessRun jvm = ProcessRun.start("floor-jvm", javaOpts, classPath,
                PublishFloor.class.getName(), Map.of(), context.logDir(), "jvm")) {
            Thread.sleep(SETTLE.toMillis());
            if (!jvm.alive()) {
                throw new IllegalStateException("the floor's JVM exited\n" + jvm.logTail(20));
            }
            jvmRss = ProcessTasks.statusKb(jvm.pid(), "VmRSS");
        }
        String topic = "bench-floor-" + UUID.randomUUID().toString().substring(0, 8);
        createTopic.accept(topic, Kafka.eventsTopic());
        AtomicLong firstSeen = new AtomicLong();
        try (Kafka.CommittedEventCounter counter = new Kafka.CommittedEventCounter(context.bootstrapServers(), topic,
                1 + floodEvents, r -> firstSeen.compareAndSet(0, System.nanoTime()))) {
            long started = System.nanoTime();
            try (ProcessRun producer = ProcessRun.start("floor-producer", javaOpts, classPath,
                    PublishFloor.class.getName(), Map.of(), context.logDir(), "producer",
                    context.bootstrapServers(), topic)) {
                double startSeconds = producer.secondsUntilSeen(firstSeen, started, "the floor's first event");
                Thread.sleep(SETTLE.toMillis());
                long pid = producer.pid();
                long restRss = ProcessTasks.statusKb(pid, "VmRSS");
                long restAnon = ProcessTasks.statusKb(pid, "RssAnon");
                long ticksBefore = ProcessTasks.processTicks(pid);
                long floodStart = System.nanoTime();
                producer.tell("flood " + floodEvents);
                long floodEnd = counter.awaitTarget(floodTimeout, producer::alive);
                double cpu = (ProcessTasks.processTicks(pid) - ticksBefore) / (double) ProcessTasks.ticksPerSecond();
                return new Outcome(jvmRss, startSeconds, restRss, restAnon, floodEvents, cpu,
                        floodEvents * 1e9 / (floodEnd - floodStart));
            }
        }
    }

    /**
     * A directory holding {@link PublishFloor}'s class file alone, appended to the listener's jar on the class
     * path: the floor's JVM opens no jar but the listener's (the bench's own jar, with every dependency, would add
     * its directory to the heap).
     */
    private Path floorClasses() throws IOException {
        Path dir = context.workDir().resolve("floor-classes");
        String name = PublishFloor.class.getName().replace('.', '/') + ".class";
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        try (InputStream in = PublishFloor.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no class file " + name + " in the bench's class path");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }
}
