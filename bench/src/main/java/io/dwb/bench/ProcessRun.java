package io.dwb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One listener or forwarder as its own JVM, started as the launchers start it: {@code java <launch.sh's default
 * flags> -cp <module jar> <main class> args}, output to a log file. Reports its peak resident memory (VmHWM).
 */
public final class ProcessRun implements AutoCloseable {
    private final String label;
    private final Process process;
    private final Path log;
    private long peakRssKb;

    private ProcessRun(String label, Process process, Path log) {
        this.label = label;
        this.process = process;
        this.log = log;
    }

    /**
     * @param javaOpts the JVM flags (bin/bench passes launch.sh's, per process)
     * @param env      added to the environment; the bench's own DWB_* variables are removed so that only the
     *                 given options configure the process
     */
    public static ProcessRun start(String label, String javaOpts, Path jar, String mainClass, Map<String, String> env,
                                   Path logDir, String... args) throws IOException {
        return start(label, javaOpts, List.of(jar), mainClass, env, logDir, args);
    }

    /** The same with a class path of several entries, in order. */
    public static ProcessRun start(String label, String javaOpts, List<Path> classPath, String mainClass,
                                   Map<String, String> env, Path logDir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(Arrays.asList(javaOpts.trim().split("\\s+")));
        command.add("-cp");
        command.add(String.join(":", classPath.stream().map(Path::toString).toList()));
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        Files.createDirectories(logDir);
        Path log = logDir.resolve(label + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("DWB_"));
        builder.environment().putAll(env);
        return new ProcessRun(label, builder.start(), log);
    }

    /** Writes one line to the process's standard input. */
    public void tell(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /**
     * Seconds from {@code startedNanos} until {@code seenNanos} is set (System.nanoTime() of a record the bench's
     * consumer saw, set by its thread), while this process lives, within 60 s.
     *
     * @param what the record, for the error
     */
    public double secondsUntilSeen(AtomicLong seenNanos, long startedNanos, String what) throws InterruptedException {
        long deadline = startedNanos + TimeUnit.SECONDS.toNanos(60);
        while (seenNanos.get() == 0) {
            if (!alive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " was not committed within 60 s"
                        + (alive() ? "" : " (" + label + " died)") + "\n" + logTail(20));
            }
            Thread.sleep(1);
        }
        return (seenNanos.get() - startedNanos) / 1e9;
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** VmHWM of the process now (the kernel's high-water mark of its resident set), in KiB; also remembered. */
    public long samplePeakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    peakRssKb = Math.max(peakRssKb, Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone: keep the last sample
        }
        return peakRssKb;
    }

    public long peakRssKb() {
        return peakRssKb;
    }

    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGKILL, as a crash or the OOM killer ends it: nothing committed or flushed. Samples the peak RSS first. */
    public void kill() throws InterruptedException {
        samplePeakRssKb();
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, as a service manager stops it; SIGKILL after 30 s. Samples the peak RSS first. */
    @Override
    public void close() throws InterruptedException {
        samplePeakRssKb();
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    public String label() {
        return label;
    }

}
