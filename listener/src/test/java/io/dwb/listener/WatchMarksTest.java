package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.WatchMark;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** When a listener that has read no event writes its watch mark: once it watches, when it moves, every 5 minutes. */
class WatchMarksTest {
    private static final long SINCE = 1_790_000_000_000_000_000L;
    private static final long MINUTE = 60_000_000_000L;

    private final AtomicReference<OptionalLong> watch = new AtomicReference<>(OptionalLong.empty());
    private final WatchMarks marks = new WatchMarks(watch::get);

    /** A commit at {@code now} that went through: the mark it carried, or null. */
    private WatchMark commit(Uncommitted uncommitted, long now) {
        WatchMark mark = marks.due(uncommitted, now);
        if (mark != null) {
            marks.written(mark, now);
        }
        return mark;
    }

    private static CapturedEvent event(long timeNano) {
        EventIdentity identity = new EventIdentity(String.valueOf(timeNano), timeNano, "container", "start", "c");
        return new CapturedEvent("{}".getBytes(StandardCharsets.UTF_8), identity, identity.id("host"), 0);
    }

    @Test
    void writtenOnceItWatchesThenWhenTheWatchMovesAndAgainAfterFiveMinutes() {
        Uncommitted nothingRead = new Uncommitted(null);
        assertThat(commit(nothingRead, 0)).as("not watching yet").isNull();
        watch.set(OptionalLong.of(SINCE));
        assertThat(commit(nothingRead, MINUTE)).isEqualTo(new WatchMark(SINCE));
        assertThat(commit(nothingRead, 2 * MINUTE)).as("written a minute ago").isNull();
        watch.set(OptionalLong.of(SINCE + 5 * MINUTE)); // a reconnection decided: the watch begins again
        assertThat(commit(nothingRead, 3 * MINUTE)).isEqualTo(new WatchMark(SINCE + 5 * MINUTE));
        assertThat(commit(nothingRead, 7 * MINUTE)).isNull();
        assertThat(commit(nothingRead, 8 * MINUTE)).as("5 minutes after: a quiet host's lookup stays short")
                .isEqualTo(new WatchMark(SINCE + 5 * MINUTE));
    }

    @Test
    void neverOnceAnEventWasReadOrACheckpointFound() {
        watch.set(OptionalLong.of(SINCE));
        Uncommitted read = new Uncommitted(null);
        read.hold(new ProducerRecord<>("events", new byte[0]), event(SINCE + 1));
        assertThat(commit(read, 0)).as("its checkpoint speaks").isNull();
        assertThat(commit(new Uncommitted(new Checkpoint(SINCE, "0".repeat(32))), 0)).isNull();
    }
}
