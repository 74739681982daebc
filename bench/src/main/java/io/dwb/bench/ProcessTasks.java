package io.dwb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the threads of a process did, from /proc: CPU time (utime + stime, in clock ticks) and context switches
 * (voluntary + involuntary: each one a wake-up) per thread, so that two samples tell what woke an idle process.
 *
 * @param threads per thread id: its name and counters
 */
public record ProcessTasks(Map<Long, Task> threads) {
    /** One thread: its name as /proc shows it (15 characters at most), CPU ticks and context switches. */
    public record Task(String name, long ticks, long switches) {}

    /** A thread name's share of an interval: CPU ticks and wake-ups, summed over the threads of that name. */
    public record Activity(long ticks, long switches) {}

    /** A snapshot of every thread of {@code pid}; threads that end while it is read are left out. */
    public static ProcessTasks of(long pid) {
        Map<Long, Task> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            tasks.forEach(dir -> {
                try {
                    String stat = Files.readString(dir.resolve("stat"));
                    // "tid (comm) state ...": comm may hold spaces and parentheses, so split after the last ')'
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
                    long switches = 0;
                    for (String line : Files.readAllLines(dir.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")
                                || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            switches += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                    threads.put(Long.parseLong(dir.getFileName().toString()), new Task(name, ticks, switches));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the threads of process " + pid + ": " + e.getMessage(), e);
        }
        return new ProcessTasks(threads);
    }

    /** CPU ticks of all threads (a thread that ended before this sample is not counted: use /proc/pid/stat). */
    public long ticks() {
        return threads.values().stream().mapToLong(Task::ticks).sum();
    }

    /** What each thread name did since {@code before} (a thread started meanwhile counts from zero), by name. */
    public Map<String, Activity> since(ProcessTasks before) {
        Map<String, Activity> byName = new TreeMap<>();
        threads.forEach((tid, now) -> {
            Task then = before.threads.get(tid);
            long ticks = now.ticks() - (then == null ? 0 : then.ticks());
            long switches = now.switches() - (then == null ? 0 : then.switches());
            byName.merge(now.name(), new Activity(ticks, switches),
                    (a, b) -> new Activity(a.ticks() + b.ticks(), a.switches() + b.switches()));
        });
        return byName;
    }

    /** utime + stime of the whole process, threads that ended included, in clock ticks (/proc/pid/stat). */
    public static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            throw new IllegalStateException("process " + pid + " is gone: " + e.getMessage(), e);
        }
    }

    /** A field of /proc/pid/status in KiB (VmRSS, VmHWM, RssAnon, RssFile...), -1 when absent. */
    public static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException e) {
            throw new IllegalStateException("process " + pid + " is gone: " + e.getMessage(), e);
        }
    }

    /** The kernel's clock ticks per second (getconf CLK_TCK), 100 when it cannot be read. */
    public static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
