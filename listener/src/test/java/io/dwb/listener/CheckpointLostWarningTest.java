package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What the WARN says when a new producer finds no readable checkpoint where this listener committed one. */
class CheckpointLostWarningTest {
    /**
     * The host's value is there and is not a checkpoint (written by another writer of the topic, or cut by a poll that
     * ran out of memory): the WARN names it, where it is and why, as the start's does. Before, it said the topic was
     * deleted or emptied, or another cluster answered, and sent the reader looking for the wrong cause.
     */
    @Test
    void anUnreadableValueIsNamedWithWhereItIsAndWhy() {
        CheckpointStore.Unreadable value = new CheckpointStore.Unreadable(
                new TopicPartition("docker-events-checkpoints", 7), 4242, 1_800_000_000_000L, "not JSON");

        String warning = CaptureLoop.checkpointLost(value, 12);

        assertThat(warning).contains("docker-events-checkpoints-7", "offset 4242", "not JSON",
                "publishing the 12 events held").doesNotContain("deleted or emptied");
    }

    /** No value at all: the topic deleted or emptied, or another cluster at the same address. */
    @Test
    void noValueAtAllSaysTheTopicWasDeletedOrAnotherClusterAnswers() {
        assertThat(CaptureLoop.checkpointLost(null, 3)).contains("deleted or emptied",
                "another cluster at the same address", "publishing the 3 events held");
    }
}
