package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * When the events topic counts as gone from the consumer's metadata, back, or made again with fewer partitions: only
 * once seen with partitions assigned, and never on a count that could not be read.
 */
class TopicPresenceTest {
    private final TopicPresence topic = new TopicPresence();

    @Test
    void aTopicSeenWithPartitionsAssignedIsGoneWhenTheMetadataNoLongerHasItAndBackWhenItHasItAgain() {
        assertThat(topic.observe(12, true)).isEmpty();
        assertThat(topic.observe(0, false)).contains(new TopicPresence.Change(TopicPresence.Kind.GONE, 0, 12));
        assertThat(topic.gone()).isTrue();
        assertThat(topic.lacks(11)).isTrue();
        assertThat(topic.observe(0, false)).as("said once").isEmpty();
        assertThat(topic.observe(TopicPresence.UNKNOWN, false)).as("an unread count changes nothing").isEmpty();
        assertThat(topic.gone()).isTrue();

        assertThat(topic.observe(12, false)).contains(new TopicPresence.Change(TopicPresence.Kind.BACK, 12, 12));
        assertThat(topic.gone()).isFalse();
        assertThat(topic.lacks(11)).isFalse();
    }

    @Test
    void aTopicNeverSeenWithPartitionsAssignedIsNotYetKnownNotGone() {
        assertThat(topic.observe(0, false)).as("a forwarder started before the first listener").isEmpty();
        assertThat(topic.observe(12, false)).isEmpty();
        assertThat(topic.observe(0, false)).as("a standby, never given a partition").isEmpty();
        assertThat(topic.gone()).isFalse();
        assertThat(topic.lacks(0)).isFalse();
    }

    @Test
    void aTopicMadeAgainWithFewerPartitionsIsSaidWhetherItWasSeenGoneOrNot() {
        topic.observe(12, true);
        assertThat(topic.observe(1, true)).contains(new TopicPresence.Change(TopicPresence.Kind.FEWER, 1, 12));
        assertThat(topic.lacks(0)).isFalse();
        assertThat(topic.lacks(1)).isTrue();
        assertThat(topic.observe(1, true)).isEmpty();
        assertThat(topic.observe(12, true)).as("partitions added back: nothing to say").isEmpty();

        topic.observe(0, false);
        assertThat(topic.observe(3, false)).contains(new TopicPresence.Change(TopicPresence.Kind.BACK_FEWER, 3, 12));
    }

    /**
     * The topic absent from the metadata without a broker's answer that it does not exist (Kafka unreachable: the
     * metadata loses it then too): nothing changes, neither gone nor its absence left unjudged.
     */
    @Test
    void anAbsenceNoBrokerConfirmedChangesNothing() {
        topic.observe(12, true);
        assertThat(topic.observe(TopicPresence.UNDECIDED, true)).isEmpty();
        assertThat(topic.gone()).isFalse();
        assertThat(topic.lacks(0)).isFalse();
        assertThat(topic.watched()).as("a deletion confirmed later is still said").isTrue();
        assertThat(topic.observe(0, false)).contains(new TopicPresence.Change(TopicPresence.Kind.GONE, 0, 12));
        assertThat(topic.observe(TopicPresence.UNDECIDED, false)).isEmpty();
        assertThat(topic.gone()).as("gone until seen back").isTrue();
    }

    /**
     * Kafka refusing the polls, or a metadata read refused: a principal that may no longer describe the topic finds it
     * absent from its metadata too. Its absence is not judged until the topic is seen again.
     */
    @Test
    void anUnreadCountOrANewConsumerLeavesAbsenceUnjudgedUntilTheTopicIsSeenAgain() {
        topic.observe(12, true);
        topic.observe(TopicPresence.UNKNOWN, true);
        assertThat(topic.observe(0, true)).isEmpty();
        assertThat(topic.watched()).isFalse();
        topic.observe(12, true);
        assertThat(topic.watched()).isTrue();

        topic.newConsumer(); // its metadata empty until its first answer
        assertThat(topic.observe(0, false)).isEmpty();
        assertThat(topic.gone()).isFalse();
    }
}
