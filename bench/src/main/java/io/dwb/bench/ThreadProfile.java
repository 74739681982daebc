package io.dwb.bench;

import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a process's threads did over one interval of a run, by thread name ({@link ProcessTasks#since}): the profile
 * behind a CPU figure, for the report's notes.
 *
 * @param byName         CPU ticks and wake-ups per thread name
 * @param ticksPerSecond the kernel's clock ticks (CLK_TCK)
 */
public record ThreadProfile(Map<String, ProcessTasks.Activity> byName, long ticksPerSecond) {
    /** The threads that woke, most wake-ups first: "name wake-ups (CPU s)". */
    public String wakeups() {
        return byName.entrySet().stream().filter(e -> e.getValue().switches() > 0)
                .sorted(Comparator.comparingLong((Map.Entry<String, ProcessTasks.Activity> e)
                        -> e.getValue().switches()).reversed())
                .map(e -> String.format(Locale.ROOT, "%s %,d (%.2f s)", e.getKey(), e.getValue().switches(),
                        seconds(e.getValue())))
                .collect(Collectors.joining(", "));
    }

    /** The threads that used CPU, most first: "name CPU s". */
    public String cpu() {
        return byName.entrySet().stream().filter(e -> e.getValue().ticks() > 0)
                .sorted(Comparator.comparingLong((Map.Entry<String, ProcessTasks.Activity> e)
                        -> e.getValue().ticks()).reversed())
                .map(e -> String.format(Locale.ROOT, "%s %.2f s", e.getKey(), seconds(e.getValue())))
                .collect(Collectors.joining(", "));
    }

    /** The CPU of all its threads, in seconds. */
    public double seconds() {
        return byName.values().stream().mapToLong(ProcessTasks.Activity::ticks).sum() / (double) ticksPerSecond;
    }

    private double seconds(ProcessTasks.Activity activity) {
        return activity.ticks() / (double) ticksPerSecond;
    }
}
