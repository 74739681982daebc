package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The first stop signal stops; the second halts with the shell's code for it (unit: no signal is raised). */
class StopSignalTest {
    private final List<String> done = new ArrayList<>();
    private final StopSignal signal = new StopSignal(() -> done.add("stop"), status -> done.add("halt " + status));

    @Test
    void theFirstSignalStopsAndTheSecondHaltsWithItsCode() {
        signal.received("SIGINT", 2);
        assertThat(done).containsExactly("stop");

        signal.received("SIGTERM", 15);
        assertThat(done).containsExactly("stop", "halt 143");
    }

    @Test
    void aStopReplacedRunsInsteadAndASignalBeforeCountsAsTheFirst() {
        signal.then(() -> done.add("replaced"));
        signal.received("SIGHUP", 1);
        assertThat(done).containsExactly("replaced");

        StopSignal early = new StopSignal(() -> done.add("early"), status -> done.add("halt " + status));
        early.received("SIGINT", 2);
        early.then(() -> done.add("late"));
        early.received("SIGINT", 2);
        assertThat(done).containsExactly("replaced", "early", "halt 130");
    }
}
