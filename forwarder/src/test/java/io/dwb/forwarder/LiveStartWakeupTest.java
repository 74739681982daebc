package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stop's wake-up (a {@link WakeupException}, which is a {@code KafkaException}) thrown by a look-up made at a
 * partition's assignment ends the assignment, as it ends the loop's other blocking calls. Taken for Kafka not
 * answering, it was said in a misleading WARN, and the look-ups after it ran un-woken, up to 30 s each, into the
 * stop's time (systemd's limit).
 */
class LiveStartWakeupTest {
    private static final String TOPIC = "events";
    /** Assigned with a committed offset: its watch is handed over. */
    private static final TopicPartition HANDED_OVER = new TopicPartition(TOPIC, 0);
    /** Assigned without one: its start is looked up. */
    private static final TopicPartition FRESH = new TopicPartition(TOPIC, 1);
    private static final long NOW_MS = 1_764_000_000_000L;

    /** The look-up the stop's wake-up interrupts. */
    private String woken;
    /** The look-ups made, in order. */
    private final List<String> lookUps = new ArrayList<>();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none") {
        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions,
                                                                             Duration timeout) {
            lookUp("committed");
            return super.committed(partitions, timeout);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                                   Duration timeout) {
            lookUp(times.containsKey(HANDED_OVER) ? "offsetsForTimes (hand-over)" : "offsetsForTimes");
            return Map.of(); // no record at or after any time asked

        }

        @Override
        public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions,
                                                                 Duration timeout) {
            lookUp("endOffsets");
            return super.endOffsets(partitions, timeout);
        }

        @Override
        public synchronized long position(TopicPartition partition, Duration timeout) {
            lookUp("position");
            return super.position(partition, timeout);
        }
    };
    @RegisterExtension
    final LogLines logged = LogLines.of(LiveStart.class, WatchHandover.class);

    private void lookUp(String name) {
        lookUps.add(name);
        if (name.equals(woken)) {
            throw new WakeupException();
        }
    }

    @ParameterizedTest(name = "woken in {0}")
    @ValueSource(strings = {"committed", "offsetsForTimes (hand-over)", "offsetsForTimes", "position"})
    void aStopsWakeUpDuringTheAssignmentsLookUpsEndsItUnsaidAsAFailure(String lookUp) {
        woken = lookUp;
        consumer.assign(List.of(HANDED_OVER, FRESH));
        consumer.updateBeginningOffsets(Map.of(HANDED_OVER, 0L, FRESH, 0L));
        consumer.updateEndOffsets(Map.of(HANDED_OVER, 10L, FRESH, 10L));
        consumer.commitSync(Map.of(HANDED_OVER, new OffsetAndMetadata(10,
                new WatchHandover.Mark(NOW_MS, false).metadata())));
        LiveStart start = new LiveStart(Duration.ofHours(1), () -> NOW_MS, OffsetReset.EARLIEST,
                new WatchHandover(Duration.ofMinutes(2), () -> NOW_MS));

        assertThatThrownBy(() -> start.position(consumer, List.of(HANDED_OVER, FRESH)))
                .isInstanceOf(WakeupException.class);
        assertThat(lookUps).as("no look-up after the wake-up").last().isEqualTo(lookUp);
        assertThat(logged.events()).as("no WARN: Kafka answered, the forwarder is stopping")
                .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }
}
