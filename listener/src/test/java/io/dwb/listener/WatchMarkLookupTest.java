package io.dwb.listener;

import static io.dwb.listener.CompactedPartition.checkpoint;
import static io.dwb.listener.CompactedPartition.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.WatchMark;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A host whose listener has published no event yet has a {@link WatchMark} on the checkpoints topic: its lookup finds
 * it as a checkpoint is found (its newest value, read back from the end), where it read the whole partition at each
 * start and after each Kafka failure; the host's first checkpoint replaces it; a mark of no time is unreadable.
 */
class WatchMarkLookupTest {
    private static final long END = 10_000_000;
    private static final long SINCE = 1_790_000_000_000_000_000L;

    private static CompactedPartition fleet() {
        return CompactedPartition.fleet(END);
    }

    @Test
    void aWatchMarkIsFoundInTheStepsOfACheckpointNotByReadingThePartitionWhole() {
        CompactedPartition partition = fleet().putValue(END - 100, "quiet", ContractJson.write(new WatchMark(SINCE)));

        CheckpointStore.Lookup lookup = partition.store(CheckpointStore.STEP, System::nanoTime).lookup(id("quiet"));

        assertThat(lookup.stored().watchingSince()).isEqualTo(SINCE);
        assertThat(lookup.checkpoint()).isEmpty();
        assertThat(lookup.stored().unreadable()).isNull();
        assertThat(partition.seeks).as("one range, not the 13 of a host with no value").hasSize(1);
    }

    @Test
    void theHostsFirstCheckpointReplacesItsWatchMark() {
        CompactedPartition partition = fleet().putValue(END - 100, "me", ContractJson.write(new WatchMark(SINCE)))
                .put(END - 10, "me", 7);

        CheckpointStore.Lookup lookup = partition.store(CheckpointStore.STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(7));
        assertThat(lookup.stored().watchingSince()).isNull();
    }

    @Test
    void aWatchMarkOfNoTimeIsUnreadableNotAWatch() {
        for (String value : new String[] {"{\"watchingSince\":12}", "{\"watchingSince\":\"soon\"}",
            "{\"watchingSince\":1.5e18}"}) {
            CompactedPartition partition = fleet().putValue(END - 100, "odd", value.getBytes(StandardCharsets.UTF_8));

            CheckpointStore.Lookup lookup = partition.store(CheckpointStore.STEP, System::nanoTime).lookup(id("odd"));

            assertThat(lookup.stored().watchingSince()).as(value).isNull();
            assertThat(lookup.stored().unreadable()).as(value).isNotNull();
            assertThat(lookup.stored().unreadable().why()).as(value)
                    .contains("watchingSince must be a time from 2000 to 2100");
        }
    }
}
