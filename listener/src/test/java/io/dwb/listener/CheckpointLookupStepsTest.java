package io.dwb.listener;

import static io.dwb.listener.CompactedPartition.checkpoint;
import static io.dwb.listener.CompactedPartition.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.junit.jupiter.api.Test;

/**
 * What a checkpoint lookup costs, against a compacted partition of many offsets held in Kafka's MockConsumer
 * ({@link CompactedPartition}): compaction keeps offsets, so a months-old partition is tens of millions of offsets
 * holding few records (about one a live key, plus the recent, uncompacted tail). A lookup reads it backwards from its
 * stable end, a seek a range: the first range is the last 2,000 offsets, and each range that holds none of the host's
 * values is followed by one twice as long. A host without a checkpoint (a first start) or with one far back (a
 * listener stopped long) read the whole partition back 2,000 offsets at a time: a seek and a fetch for each, 5,000
 * for a partition of 10 million offsets.
 */
class CheckpointLookupStepsTest {
    private static final long STEP = CheckpointStore.STEP;
    private static final long END = 10_000_000;

    private static CompactedPartition fleet() {
        return CompactedPartition.fleet(END);
    }

    @Test
    void aFirstStartOverTenMillionOffsetsTakesLogarithmicallyManySteps() {
        CompactedPartition partition = fleet();

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("new-host"));

        assertThat(lookup.checkpoint()).isEmpty();
        assertThat(lookup.stored().unreadable()).isNull();
        assertThat(lookup.recordsRead()).as("every record once").isEqualTo(partition.records());
        assertThat(partition.seeks).as("ranges read, one seek each: about log2(10,000,000 / 2,000), not 5,000")
                .hasSize(13);
        assertThat(partition.polls).as("a fetch a range, and one a poll of 500 records")
                .isLessThan(13 + partition.records() / CompactedPartition.MAX_POLL_RECORDS + 13);
    }

    @Test
    void aCheckpointInThePartitionsLastStepIsFoundInOneStep() {
        CompactedPartition partition = fleet().put(END - 1_500, "me", 1).put(END - 10, "me", 2);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(2));
        assertThat(partition.seeks).containsExactly(END - STEP);
        assertThat(lookup.recordsRead()).isEqualTo(partition.records(END - STEP, END));
    }

    @Test
    void aCheckpointSomeStepsBackIsFoundInFewerStepsThanBefore() {
        // 7,000 offsets back: a listener idle 5 minutes on a busy partition (fixed steps read 4 ranges).
        CompactedPartition partition = fleet().put(END - 7_000, "me", 3);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(3));
        assertThat(partition.seeks).containsExactly(END - 2_000, END - 6_000, END - 14_000);
        assertThat(lookup.recordsRead()).as("the records of those ranges")
                .isEqualTo(partition.records(END - 14_000, END));
    }

    @Test
    void aCheckpointFarBackIsTheNewestOfTheHostsInTheRangeThatHoldsIt() {
        CompactedPartition partition = fleet().put(1_000, "me", 4).put(3_000, "me", 5);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(5));
        assertThat(partition.seeks).hasSize(13);
    }

    /**
     * A range larger than a step whose poll runs out of memory (a record of a million headers, any key) is not
     * searched one record a poll whole: it is read again in steps of 2,000 offsets, newest first, by a new consumer
     * (Kafka's keeps the fetch that failed, marked corrupt), so the search for unreadable records still covers a
     * step at most. Here the host's checkpoint is in a step after the record's, found without reaching it.
     */
    @Test
    void aGrownRangeOutOfMemoryIsReadAgainInStepsByANewConsumer() {
        CompactedPartition partition = fleet().put(END - 9_000, "me", 6);
        partition.unreadable = END - 12_001; // another host's record, in the range [END - 14,000, END - 6,000)
        partition.put(partition.unreadable, "bomb", 0);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(6));
        assertThat(partition.seeks).containsExactly(END - 2_000, END - 6_000, END - 14_000, END - 8_000,
                END - 10_000);
        assertThat(partition.lookups).as("the first closed, a new one for the steps").hasSize(2);
        assertThat(partition.lookups.get(0).closed()).isTrue();
        assertThat(partition.lookups.get(1).closed()).isTrue();
    }

    /**
     * The grown range out of memory is split, and the step that holds the unreadable record, out of memory too, is
     * searched one record a poll by consumers of the search's own: that step only ([END - 14,000, END - 12,000)), not
     * the grown range. The record cannot be read, nor its key: it is newer than the host's checkpoint, so the host's
     * value is reported unreadable, where it is, not the older checkpoint.
     */
    @Test
    void aStepOfASplitRangeOutOfMemoryIsSearchedAloneAndItsUnreadableRecordReported() {
        CompactedPartition partition = fleet().put(END - 13_000, "me", 8);
        partition.unreadable = END - 12_001; // another host's record, after the host's checkpoint, in the same step
        partition.put(partition.unreadable, "bomb", 0);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).as("an older checkpoint, the record after it unreadable").isEmpty();
        assertThat(lookup.stored().unreadable()).isNotNull();
        assertThat(lookup.stored().unreadable().partition()).isEqualTo(CompactedPartition.TP);
        assertThat(lookup.stored().unreadable().offset()).isEqualTo(END - 12_001);
        assertThat(lookup.stored().unreadable().why()).contains("offset " + (END - 12_001)
                + " cannot be read within the listener's memory");
        assertThat(partition.seeks).as("the grown range [END - 14,000, END - 6,000) split in steps, newest first")
                .containsExactly(END - 2_000, END - 6_000, END - 14_000, END - 8_000, END - 10_000, END - 12_000,
                        END - 14_000);
        assertThat(partition.lookups).as("the first closed after the grown range, a new one for the steps")
                .hasSize(2).allMatch(MockConsumer::closed);
        assertThat(partition.searchSeeks).as("the search: from the step's first offset; past the record, to its end")
                .containsExactly(END - 14_000, END - 12_000);
        assertThat(partition.searchPolls).as("one record a poll up to the unreadable one, which fails")
                .isEqualTo(partition.records(END - 14_000, END - 12_001) + 1);
        assertThat(partition.searches).as("a new consumer after the poll out of memory").hasSize(2)
                .allMatch(MockConsumer::closed);
    }

    /**
     * A range read for longer than the lookup's 30 s in all is not a timeout while its polls move on: a grown range
     * holds many records (here the largest, offsets 74,000 to 137,999, holds 32,000: 64 polls, each a second by the
     * test's clock; the lookup reads 60,000 in over 120 polls). Its 30 s were those of the whole range, as they were
     * of a step of 2,000 offsets: the lookup failed as Kafka unavailable, again at each try.
     */
    @Test
    void aRangeThatKeepsMovingIsNotTimedOutHoweverLongItTakes() {
        CompactedPartition partition = new CompactedPartition(0, 200_000).others("busy", 70_000, 60_000, 2)
                .put(10_000, "me", 7);
        AtomicLong clock = new AtomicLong();
        partition.onPoll = () -> clock.addAndGet(TimeUnit.SECONDS.toNanos(1));

        CheckpointStore.Lookup lookup = partition.store(STEP, clock::get).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(7));
        assertThat(partition.polls).isGreaterThan(120);
    }

    /** A poll that moves nothing for 30 s is Kafka unavailable: the listener tries again with its backoff. */
    @Test
    void aRangeThatStopsMovingFor30SecondsIsKafkaUnavailable() {
        CompactedPartition partition = fleet();
        AtomicLong clock = new AtomicLong();
        partition.onPoll = () -> clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        partition.stalled = true;

        assertThatThrownBy(() -> partition.store(STEP, clock::get).lookup(id("me")))
                .isInstanceOf(TransactionalPublisher.KafkaUnavailable.class)
                .hasMessageContaining("timed out reading checkpoints-0: no record for 30 s at offset " + (END - STEP));
        assertThat(partition.polls).isBetween(30, 32);
    }
}
