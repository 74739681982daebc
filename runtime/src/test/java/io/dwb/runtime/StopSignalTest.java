package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The first stop signal stops; the second halts with the shell's code for it (unit: no signal is raised). */
class StopSignalTest {
    private final List<String> done = new ArrayList<>();
    private long now;
    private final StopSignal signal = new StopSignal(() -> done.add("stop"), status -> done.add("halt " + status),
            () -> now);

    @Test
    void theFirstSignalStopsAndTheSecondHaltsWithItsCode() {
        signal.received("SIGINT", 2);
        assertThat(done).containsExactly("stop");

        now += 2_000_000_000L;
        signal.received("SIGTERM", 15);
        assertThat(done).containsExactly("stop", "halt 143");
    }

    /** coreutils' timeout sends SIGTERM to the command, then to its process group: the same stop, twice. */
    @Test
    void aSignalWithinASecondOfTheFirstIsTheSameStop() {
        signal.received("SIGTERM", 15);
        now += 999_000_000L;
        signal.received("SIGTERM", 15);
        assertThat(done).containsExactly("stop");

        now += 1_000_000L;
        signal.received("SIGINT", 2);
        assertThat(done).containsExactly("stop", "halt 130");
    }


    @Test
    void aStopReplacedRunsInsteadAndASignalBeforeCountsAsTheFirst() {
        signal.then(() -> done.add("replaced"));
        signal.received("SIGHUP", 1);
        assertThat(done).containsExactly("replaced");

        StopSignal early = new StopSignal(() -> done.add("early"), status -> done.add("halt " + status), () -> now);
        early.received("SIGINT", 2);
        early.then(() -> done.add("late"));
        now += 5_000_000_000L;
        early.received("SIGINT", 2);
        assertThat(done).containsExactly("replaced", "early", "halt 130");
    }
}
