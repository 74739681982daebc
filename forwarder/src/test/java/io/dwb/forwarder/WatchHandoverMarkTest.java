package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** What a commit's metadata tells a partition's next owner, whatever version of the forwarder wrote it. */
class WatchHandoverMarkTest {

    private static WatchHandover.Mark of(String metadata) {
        return WatchHandover.Mark.of(new OffsetAndMetadata(10, metadata));
    }

    @Test
    void aMarkReadsBackAsWritten() {
        for (WatchHandover.Mark mark : new WatchHandover.Mark[] {new WatchHandover.Mark(1_764_000_000_000L, false),
                new WatchHandover.Mark(1_764_000_000_000L, true)}) {
            assertThat(of(mark.metadata())).isEqualTo(mark);
        }
        assertThat(of("")).isEqualTo(WatchHandover.Mark.NONE);
        assertThat(of(null)).isEqualTo(WatchHandover.Mark.NONE);
        assertThat(of("another tool's")).isEqualTo(WatchHandover.Mark.NONE);
    }

    /**
     * A later version may say more after the time: what is known of it is read, the rest passed over. The first
     * version took everything after the prefix for the time, so a later mark read as none, and a rollback lost what
     * the last owner said (its queued silent-host alerts).
     */
    @Test
    void partsOfALaterVersionAreLeftOutAndTheRestRead() {
        assertThat(of("dwb-partition-time-ms=1764000000000;dwb-said-later=3"))
                .isEqualTo(new WatchHandover.Mark(1_764_000_000_000L, false));
        assertThat(of("dwb-partition-time-ms=1764000000000;dwb-said-later;dwb-host-alerts-unsent"))
                .isEqualTo(new WatchHandover.Mark(1_764_000_000_000L, true));
        assertThat(of("dwb-partition-time-ms=x;dwb-host-alerts-unsent")).isEqualTo(WatchHandover.Mark.NONE);
    }
}
