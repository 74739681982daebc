package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.forwarder.UnwritablePartitions.Change;
import io.dwb.forwarder.UnwritablePartitions.Started;
import io.dwb.forwarder.UnwritablePartitions.Stopped;
import io.dwb.forwarder.UnwritablePartitions.InSync;
import io.dwb.forwarder.UnwritablePartitions.Replicas;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Which partitions take no writes, by the brokers' rule, and what Wazuh is told of them (the unit layer under
 * ReplicatedClusterFailoverTest#aPartitionShortOfInSyncReplicasMakesNoHostSilent).
 */
class UnwritablePartitionsTest {
    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);
    private static final TopicPartition P2 = new TopicPartition("events", 2);

    private static final long SECOND = 1_000_000_000L;

    private final UnwritablePartitions unwritable = new UnwritablePartitions();

    /** A partition whose in-sync replicas are brokers 1 to {@code inSync}, of {@code replicas}. */
    private static InSync inSync(int inSync, int replicas) {
        return new InSync(IntStream.rangeClosed(1, inSync).boxed().collect(Collectors.toSet()), replicas);
    }

    /** A reading in which every in-sync broker answered. */
    private static Replicas replicas(Map<TopicPartition, InSync> partitions, Map<String, Integer> minInSync) {
        return new Replicas(partitions, Optional.of(Set.of()), minInSync);
    }

    /** A reading at {@code nowNanos} that found {@code replicas}: what Wazuh is told of it. */
    private List<Change> readAt(Replicas replicas, long nowNanos) {
        return unwritable.update(replicas, Map.of(), nowNanos).toSay();
    }

    /** A reading at {@code nowNanos} that found {@code replicas}: what it changed, for the log. */
    private List<Change> changedAt(Replicas replicas, long nowNanos) {
        return unwritable.update(replicas, Map.of(), nowNanos).all();
    }

    @Test
    void aPartitionShortOfItsTopicsLeastInSyncReplicasTakesNoWritesUntilItHasThemAgain() {
        assertThat(changedAt(replicas(Map.of(P0, inSync(2, 3), P1, inSync(3, 3)),
                Map.of("events", 2)), 0)).as("one replica behind: still taking writes").isEmpty();

        assertThat(changedAt(replicas(Map.of(P0, inSync(1, 3), P1, inSync(3, 3)),
                Map.of("events", 2)), 0)).containsExactly(new Stopped(P0, 1, 0, 2));
        assertThat(unwritable.partitions()).containsExactly(P0);
        assertThat(changedAt(replicas(Map.of(P0, inSync(1, 3), P1, inSync(3, 3)),
                Map.of("events", 2)), 1)).as("a change, said once").isEmpty();

        // All in sync again: the topic's setting is not read then, the least it needed is kept for the line
        assertThat(changedAt(replicas(Map.of(P0, inSync(3, 3), P1, inSync(3, 3)), Map.of()),
                SECOND)).containsExactly(new Started(P0, 3, 2, SECOND));
        assertThat(unwritable.partitions()).isEmpty();
    }

    /**
     * A lost controller quorum leaves the dead brokers in sync as the survivors read it (nothing records them leaving):
     * as many as min.insync.replicas asks, while every write waits for them until it times out. An in-sync broker that
     * has not answered for 3 s makes its partitions take no writes, counted apart, until it answers again.
     */
    @Test
    void anInSyncBrokerThatDoesNotAnswerMakesItsPartitionsTakeNoWritesUntilItAnswers() {
        // P2's in-sync replicas are others: it takes writes
        Map<TopicPartition, InSync> all = Map.of(P0, inSync(3, 3), P1, new InSync(Set.of(1, 3), 3),
                P2, new InSync(Set.of(1, 4), 3));
        Replicas twoGone = new Replicas(all, Optional.of(Set.of(2, 3)), Map.of("events", 2));
        assertThat(changedAt(twoGone, 0)).as("not yet: a busy broker may miss one answer").isEmpty();
        assertThat(changedAt(twoGone, 2 * SECOND)).isEmpty();
        assertThat(changedAt(twoGone, 3 * SECOND)).as("3 in sync, as many as needed and more, two not answering")
                .containsExactly(new Stopped(P0, 3, 2, 2), new Stopped(P1, 2, 1, 2));
        assertThat(unwritable.partitions()).containsExactlyInAnyOrder(P0, P1);
        assertThat(changedAt(twoGone, 4 * SECOND)).as("said once").isEmpty();

        // Broker 2 answers again: P0 still waits for broker 3, as P1 does
        assertThat(changedAt(new Replicas(all, Optional.of(Set.of(3)), Map.of("events", 2)), 5 * SECOND))
                .isEmpty();
        assertThat(unwritable.partitions()).containsExactlyInAnyOrder(P0, P1);
        // Both answer (the quorum back; P1 still one short, which its topic allows)
        assertThat(changedAt(replicas(all, Map.of("events", 2)), 6 * SECOND)).as("with how long it lasted")
                .containsExactly(new Started(P0, 3, 2, 3 * SECOND), new Started(P1, 2, 2, 3 * SECOND));
        assertThat(unwritable.partitions()).isEmpty();
    }

    /**
     * A broker cut off from this forwarder alone (a network split between the two): it does not answer here, but the
     * partitions' leaders have its fetches, so their written ends rise (the high watermark waits for every in-sync
     * replica). Before, those partitions counted as taking no writes, their hosts' silences held and, at 30 s,
     * {@code partition-unwritable} in Wazuh. Once its ends stop rising for
     * {@link UnwritablePartitions#WRITES_SEEN_NANOS} (the broker gone for the cluster too, a quorum lost), the missing
     * answers count again.
     */
    @Test
    void aBrokerThatAnswersTheLeaderButNotThisForwarderLeavesItsRisingPartitionsWritable() {
        Map<TopicPartition, InSync> all = Map.of(P0, inSync(3, 3), P1, inSync(3, 3));
        Replicas threeCutOff = new Replicas(all, Optional.of(Set.of(3)), Map.of("events", 2));
        long end = 100;
        for (int second = 0; second <= 60; second++, end += 5) {
            // P0's leader answers and its end rises; P1's end is not read (its leader does not answer here either)
            assertThat(unwritable.update(threeCutOff, Map.of(P0, end), second * SECOND).all())
                    .as("at %d s", second).allSatisfy(c -> assertThat(c.partition()).isEqualTo(P1));
        }
        assertThat(unwritable.partitions()).as("P1, with nothing to show it takes writes").containsExactly(P1);

        // P0's writes stop (broker 3 gone for its leader too): 30 s after its last rise, it takes no writes
        assertThat(unwritable.update(threeCutOff, Map.of(P0, end), 61 * SECOND).all()).isEmpty();
        assertThat(unwritable.update(threeCutOff, Map.of(P0, end), 90 * SECOND).all()).as("29 s after").isEmpty();
        assertThat(unwritable.update(threeCutOff, Map.of(P0, end), 91 * SECOND).all())
                .containsExactly(new Stopped(P0, 3, 1, 2));
        // A leader that does not answer this reading leaves the last end known: no rise, no proof
        assertThat(unwritable.update(threeCutOff, Map.of(), 92 * SECOND).all()).isEmpty();
        assertThat(unwritable.partitions()).containsExactlyInAnyOrder(P0, P1);
        // It rises again: taking writes
        assertThat(unwritable.update(threeCutOff, Map.of(P0, end + 1), 93 * SECOND).all())
                .containsExactly(new Started(P0, 3, 2, 2 * SECOND));
    }

    /**
     * A broker that dies while it is in sync (a quorum lost keeps it so): the rises stop with it, the last one seen by
     * the reading that first missed its answer, so its partitions take no writes 3 s after, as before, not 30 s after
     * their last rise (a host heartbeating every 10 s would have been reported silent meanwhile).
     */
    @Test
    void aBrokerThatDiesStillCountsAfterThreeSecondsThoughItsPartitionsEndsRoseJustBefore() {
        Map<TopicPartition, InSync> all = Map.of(P0, inSync(3, 3));
        for (int second = 0; second < 10; second++) {
            assertThat(unwritable.update(replicas(all, Map.of("events", 2)), Map.of(P0, 100L + second),
                    second * SECOND).all()).isEmpty();
        }
        Replicas threeDead = new Replicas(all, Optional.of(Set.of(3)), Map.of("events", 2));
        // The reading that first misses broker 3 sees the last records it fetched: that rise proves nothing
        assertThat(unwritable.update(threeDead, Map.of(P0, 120L), 10 * SECOND).all()).isEmpty();
        assertThat(unwritable.update(threeDead, Map.of(P0, 120L), 12 * SECOND).all()).isEmpty();
        assertThat(unwritable.update(threeDead, Map.of(P0, 120L), 13 * SECOND).all())
                .containsExactly(new Stopped(P0, 3, 1, 2));
    }

    /** A partition short of in-sync replicas takes no acks=all writes whatever its end does: no rise clears it. */
    @Test
    void aRisingEndDoesNotClearAPartitionShortOfInSyncReplicas() {
        Replicas short0 = replicas(Map.of(P0, inSync(1, 3)), Map.of("events", 2));
        unwritable.update(short0, Map.of(P0, 10L), 0);
        assertThat(unwritable.update(short0, Map.of(P0, 20L), SECOND).all()).isEmpty();
        assertThat(unwritable.partitions()).containsExactly(P0);
    }

    /**
     * A reading whose brokers could not be listed knows none of their answers: those that did not answer before count
     * as still not answering (a broker counted out stays out, one not yet goes on counting), none newly.
     */
    @Test
    void aReadingThatKnowsNoAnswerKeepsThoseThatDidNotAnswerBefore() {
        Map<TopicPartition, InSync> all = Map.of(P0, inSync(3, 3), P1, inSync(2, 2));
        Replicas unknown = new Replicas(all, Optional.empty(), Map.of("events", 2));
        assertThat(changedAt(new Replicas(all, Optional.of(Set.of(3)), Map.of("events", 2)), 0)).isEmpty();
        assertThat(changedAt(unknown, 2 * SECOND)).isEmpty();
        assertThat(changedAt(unknown, 3 * SECOND)).as("broker 3, unanswered since 0")
                .containsExactly(new Stopped(P0, 3, 1, 2));
        assertThat(changedAt(unknown, 10 * SECOND)).as("P1's brokers never missed an answer").isEmpty();
        assertThat(changedAt(replicas(all, Map.of()), 11 * SECOND)).containsExactly(new Started(P0, 3, 2, 8 * SECOND));
    }

    /** A broker that misses an answer now and then is no outage: its partitions said neither to stop nor to start. */
    @Test
    void aBrokerThatMissesAnAnswerNowAndThenChangesNothing() {
        Map<TopicPartition, InSync> all = Map.of(P0, inSync(3, 3));
        Replicas twoUnanswered = new Replicas(all, Optional.of(Set.of(2)), Map.of("events", 2));
        for (int second = 0; second < 20; second += 3) {
            assertThat(changedAt(twoUnanswered, second * SECOND)).isEmpty();
            assertThat(changedAt(twoUnanswered, (second + 2) * SECOND)).as("unanswered for 2 s").isEmpty();
            assertThat(changedAt(replicas(all, Map.of()), (second + 2) * SECOND + 1)).isEmpty();
        }
        assertThat(unwritable.partitions()).isEmpty();
    }

    /** The broker asks for min(min.insync.replicas, replicas): a topic of one replica takes writes whatever its setting. */
    @Test
    void aTopicOfFewerReplicasThanItsMinInsyncReplicasTakesWritesWhileTheyAreInSync() {
        assertThat(changedAt(replicas(Map.of(P0, inSync(1, 1)), Map.of("events", 2)), 0)).isEmpty();
        assertThat(changedAt(replicas(Map.of(P0, inSync(2, 2)), Map.of("events", 3)), 0)).isEmpty();
        assertThat(changedAt(replicas(Map.of(P0, inSync(1, 2)), Map.of("events", 3)), 0))
                .containsExactly(new Stopped(P0, 1, 0, 2));
    }

    /**
     * Wazuh is told of a partition that takes no writes once that has lasted 30 s, then of its end; of a shorter
     * outage, nothing: a broker restarting in a loop made a pair of alerts a partition at each turn.
     */
    @Test
    void wazuhIsToldOfAnOutageThatLastsThenOfItsEndAndOfAShortOneNothing() {
        Replicas short0 = replicas(Map.of(P0, inSync(1, 3), P1, inSync(3, 3)), Map.of("events", 2));
        Replicas allInSync = replicas(Map.of(P0, inSync(3, 3), P1, inSync(3, 3)), Map.of());
        assertThat(readAt(short0, 0)).isEmpty();
        assertThat(readAt(short0, 29 * SECOND)).as("not yet").isEmpty();
        assertThat(readAt(allInSync, 30 * SECOND)).as("a short outage").isEmpty();

        assertThat(readAt(short0, 40 * SECOND)).isEmpty();
        assertThat(readAt(short0, 70 * SECOND))
                .containsExactly(new Stopped(P0, 1, 0, 2));
        assertThat(readAt(short0, 71 * SECOND)).as("told once").isEmpty();
        assertThat(readAt(allInSync, 80 * SECOND)).as("with how long it lasted")
                .containsExactly(new Started(P0, 3, 2, 40 * SECOND));
    }

    @Test
    void aPartitionNoLongerWatchedIsLeftWithoutAWord() {
        changedAt(replicas(Map.of(P0, inSync(1, 3), P1, inSync(1, 3)), Map.of("events", 2)), 0);
        assertThat(changedAt(replicas(Map.of(P1, inSync(1, 3)), Map.of("events", 2)), 1)).isEmpty();
        assertThat(unwritable.partitions()).containsExactly(P1);
        unwritable.unknown();
        assertThat(unwritable.partitions()).isEmpty();
    }

    /**
     * Replicas unread for a while after Wazuh was told of an outage (brokers gone, DescribeTopics failing): none is
     * taken as taking no writes meanwhile, and the next reading says the end. Before, all was forgotten and Wazuh
     * never had the {@code partition-writable} of the {@code partition-unwritable} it was sent.
     */
    @Test
    void theEndOfAnOutageWazuhWasToldOfIsSaidAfterTheReplicasWereUnread() {
        Replicas short0 = replicas(Map.of(P0, inSync(1, 3), P1, inSync(3, 3)), Map.of("events", 2));
        Replicas allInSync = replicas(Map.of(P0, inSync(3, 3), P1, inSync(3, 3)), Map.of());
        readAt(short0, 0);
        assertThat(readAt(short0, 30 * SECOND))
                .containsExactly(new Stopped(P0, 1, 0, 2));

        unwritable.unknown();
        assertThat(unwritable.partitions()).as("nothing known").isEmpty();
        UnwritablePartitions.Changes changes = unwritable.update(allInSync, Map.of(), 90 * SECOND);
        Change end = new Started(P0, 3, 2, 90 * SECOND);
        assertThat(changes.all()).as("for the log").containsExactly(end);
        assertThat(changes.toSay()).as("for Wazuh").containsExactly(end);
    }

    /**
     * An outage still there once the replicas are read again goes on, counted from its start: Wazuh is not told of it
     * twice (before, forgotten, it was told again 30 s later), and it is said after 30 s of it however long the
     * replicas were unread.
     */
    @Test
    void anOutageStillThereAfterTheReplicasWereUnreadIsNeitherSaidAgainNorCountedAnew() {
        Replicas short0 = replicas(Map.of(P0, inSync(1, 3), P1, inSync(3, 3)), Map.of("events", 2));
        Replicas bothShort = replicas(Map.of(P0, inSync(1, 3), P1, inSync(1, 3)), Map.of("events", 2));
        readAt(short0, 0);
        readAt(bothShort, 20 * SECOND);
        assertThat(readAt(bothShort, 30 * SECOND))
                .containsExactly(new Stopped(P0, 1, 0, 2));

        unwritable.unknown();
        assertThat(changedAt(bothShort, 40 * SECOND)).as("nothing changed").isEmpty();
        assertThat(unwritable.partitions()).containsExactlyInAnyOrder(P0, P1);
        assertThat(readAt(bothShort, 45 * SECOND)).as("P0 told, P1 not 30 s yet").isEmpty();
        assertThat(readAt(bothShort, 50 * SECOND)).containsExactly(new Stopped(P1, 1, 0, 2));
        assertThat(readAt(bothShort, 120 * SECOND)).as("each told once").isEmpty();
    }

    /**
     * A partition revoked during an outage Wazuh was told of: its end is its new owner's to say, not this one's; taken
     * back, still short of replicas, its outage counts anew from then.
     */
    @Test
    void aPartitionRevokedDuringAnOutageIsToldOfAgainOnlyOnceItLastsAnew() {
        Replicas short0 = replicas(Map.of(P0, inSync(1, 3), P1, inSync(3, 3)), Map.of("events", 2));
        Replicas p1Only = replicas(Map.of(P1, inSync(3, 3)), Map.of());
        readAt(short0, 0);
        assertThat(readAt(short0, 30 * SECOND))
                .containsExactly(new Stopped(P0, 1, 0, 2));

        assertThat(readAt(p1Only, 31 * SECOND)).as("revoked").isEmpty();
        assertThat(readAt(short0, 32 * SECOND)).as("taken back").isEmpty();
        assertThat(readAt(short0, 61 * SECOND)).isEmpty();
        assertThat(readAt(short0, 62 * SECOND)).as("30 s after it was taken back")
                .containsExactly(new Stopped(P0, 1, 0, 2));
    }
}
