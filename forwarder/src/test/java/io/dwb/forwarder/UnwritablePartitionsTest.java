package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.forwarder.UnwritablePartitions.Change;
import io.dwb.forwarder.UnwritablePartitions.InSync;
import io.dwb.forwarder.UnwritablePartitions.Replicas;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Which partitions take no writes, by the brokers' rule, and what Wazuh is told of them (the unit layer under
 * ReplicatedClusterFailoverTest#aPartitionShortOfInSyncReplicasMakesNoHostSilent).
 */
class UnwritablePartitionsTest {
    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);

    private final UnwritablePartitions unwritable = new UnwritablePartitions();

    @Test
    void aPartitionShortOfItsTopicsLeastInSyncReplicasTakesNoWritesUntilItHasThemAgain() {
        assertThat(unwritable.update(new Replicas(Map.of(P0, new InSync(2, 3), P1, new InSync(3, 3)),
                Map.of("events", 2)))).as("one replica behind: still taking writes").isEmpty();

        assertThat(unwritable.update(new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(3, 3)),
                Map.of("events", 2)))).containsExactly(new Change(P0, true, 1, 2));
        assertThat(unwritable.partitions()).containsExactly(P0);
        assertThat(unwritable.update(new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(3, 3)),
                Map.of("events", 2)))).as("a change, said once").isEmpty();

        // All in sync again: the topic's setting is not read then, the least it needed is kept for the line
        assertThat(unwritable.update(new Replicas(Map.of(P0, new InSync(3, 3), P1, new InSync(3, 3)), Map.of())))
                .containsExactly(new Change(P0, false, 3, 2));
        assertThat(unwritable.partitions()).isEmpty();
    }

    /** The broker asks for min(min.insync.replicas, replicas): a topic of one replica takes writes whatever its setting. */
    @Test
    void aTopicOfFewerReplicasThanItsMinInsyncReplicasTakesWritesWhileTheyAreInSync() {
        assertThat(unwritable.update(new Replicas(Map.of(P0, new InSync(1, 1)), Map.of("events", 2)))).isEmpty();
        assertThat(unwritable.update(new Replicas(Map.of(P0, new InSync(2, 2)), Map.of("events", 3)))).isEmpty();
        assertThat(unwritable.update(new Replicas(Map.of(P0, new InSync(1, 2)), Map.of("events", 3))))
                .containsExactly(new Change(P0, true, 1, 2));
    }

    /**
     * Wazuh is told of a partition that takes no writes once that has lasted 30 s, then of its end; of a shorter
     * outage, nothing: a broker restarting in a loop made a pair of alerts a partition at each turn.
     */
    @Test
    void wazuhIsToldOfAnOutageThatLastsThenOfItsEndAndOfAShortOneNothing() {
        long second = 1_000_000_000L;
        Replicas short0 = new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(3, 3)), Map.of("events", 2));
        Replicas allInSync = new Replicas(Map.of(P0, new InSync(3, 3), P1, new InSync(3, 3)), Map.of());
        assertThat(unwritable.toSay(unwritable.update(short0), 0)).isEmpty();
        assertThat(unwritable.toSay(unwritable.update(short0), 29 * second)).as("not yet").isEmpty();
        assertThat(unwritable.toSay(unwritable.update(allInSync), 30 * second)).as("a short outage").isEmpty();

        assertThat(unwritable.toSay(unwritable.update(short0), 40 * second)).isEmpty();
        assertThat(unwritable.toSay(unwritable.update(short0), 70 * second))
                .containsExactly(new Change(P0, true, 1, 2));
        assertThat(unwritable.toSay(unwritable.update(short0), 71 * second)).as("told once").isEmpty();
        assertThat(unwritable.toSay(unwritable.update(allInSync), 80 * second))
                .containsExactly(new Change(P0, false, 3, 2));
    }

    @Test
    void aPartitionNoLongerWatchedIsLeftWithoutAWord() {
        unwritable.update(new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(1, 3)), Map.of("events", 2)));
        assertThat(unwritable.update(new Replicas(Map.of(P1, new InSync(1, 3)), Map.of("events", 2)))).isEmpty();
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
        long second = 1_000_000_000L;
        Replicas short0 = new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(3, 3)), Map.of("events", 2));
        Replicas allInSync = new Replicas(Map.of(P0, new InSync(3, 3), P1, new InSync(3, 3)), Map.of());
        unwritable.toSay(unwritable.update(short0), 0);
        assertThat(unwritable.toSay(unwritable.update(short0), 30 * second))
                .containsExactly(new Change(P0, true, 1, 2));

        unwritable.unknown();
        assertThat(unwritable.partitions()).as("nothing known").isEmpty();
        List<Change> changes = unwritable.update(allInSync);
        assertThat(changes).as("for the log").containsExactly(new Change(P0, false, 3, 2));
        assertThat(unwritable.toSay(changes, 90 * second)).as("for Wazuh").containsExactly(new Change(P0, false, 3, 2));
    }

    /**
     * An outage still there once the replicas are read again goes on, counted from its start: Wazuh is not told of it
     * twice (before, forgotten, it was told again 30 s later), and it is said after 30 s of it however long the
     * replicas were unread.
     */
    @Test
    void anOutageStillThereAfterTheReplicasWereUnreadIsNeitherSaidAgainNorCountedAnew() {
        long second = 1_000_000_000L;
        Replicas short0 = new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(3, 3)), Map.of("events", 2));
        Replicas bothShort = new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(1, 3)), Map.of("events", 2));
        unwritable.toSay(unwritable.update(short0), 0);
        unwritable.toSay(unwritable.update(bothShort), 20 * second);
        assertThat(unwritable.toSay(unwritable.update(bothShort), 30 * second))
                .containsExactly(new Change(P0, true, 1, 2));

        unwritable.unknown();
        assertThat(unwritable.update(bothShort)).as("nothing changed").isEmpty();
        assertThat(unwritable.partitions()).containsExactlyInAnyOrder(P0, P1);
        assertThat(unwritable.toSay(List.of(), 45 * second)).as("P0 told, P1 not 30 s yet").isEmpty();
        assertThat(unwritable.toSay(List.of(), 50 * second)).containsExactly(new Change(P1, true, 1, 2));
        assertThat(unwritable.toSay(List.of(), 120 * second)).as("each told once").isEmpty();
    }

    /**
     * A partition revoked during an outage Wazuh was told of: its end is its new owner's to say, not this one's; taken
     * back, still short of replicas, its outage counts anew from then.
     */
    @Test
    void aPartitionRevokedDuringAnOutageIsToldOfAgainOnlyOnceItLastsAnew() {
        long second = 1_000_000_000L;
        Replicas short0 = new Replicas(Map.of(P0, new InSync(1, 3), P1, new InSync(3, 3)), Map.of("events", 2));
        Replicas p1Only = new Replicas(Map.of(P1, new InSync(3, 3)), Map.of());
        unwritable.toSay(unwritable.update(short0), 0);
        assertThat(unwritable.toSay(unwritable.update(short0), 30 * second))
                .containsExactly(new Change(P0, true, 1, 2));

        assertThat(unwritable.toSay(unwritable.update(p1Only), 31 * second)).as("revoked").isEmpty();
        assertThat(unwritable.toSay(unwritable.update(short0), 32 * second)).as("taken back").isEmpty();
        assertThat(unwritable.toSay(unwritable.update(short0), 61 * second)).isEmpty();
        assertThat(unwritable.toSay(unwritable.update(short0), 62 * second)).as("30 s after it was taken back")
                .containsExactly(new Change(P0, true, 1, 2));
    }
}
