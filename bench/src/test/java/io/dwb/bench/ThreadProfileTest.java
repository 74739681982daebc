package io.dwb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The notes' per-thread profiles: by wake-ups for an idle interval, by CPU for a flood; idle threads left out. */
class ThreadProfileTest {
    private final ThreadProfile profile = new ThreadProfile(Map.of(
            "engine-events", new ProcessTasks.Activity(210, 40),
            "java", new ProcessTasks.Activity(150, 900),
            "Monitor Deflati", new ProcessTasks.Activity(0, 7),
            "Reference Handl", new ProcessTasks.Activity(0, 0)), 100);

    @Test
    void wakeupsListTheThreadsThatWokeMostFirst() {
        assertThat(profile.wakeups())
                .isEqualTo("java 900 (1.50 s), engine-events 40 (2.10 s), Monitor Deflati 7 (0.00 s)");
    }

    @Test
    void cpuListsTheThreadsThatRanMostCpuFirst() {
        assertThat(profile.cpu()).isEqualTo("engine-events 2.10 s, java 1.50 s");
    }
}
