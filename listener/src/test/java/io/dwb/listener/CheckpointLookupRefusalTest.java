package io.dwb.listener;

import static io.dwb.listener.CompactedPartition.checkpoint;
import static io.dwb.listener.CompactedPartition.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A batch on the host's checkpoint partition that Kafka's consumer refuses: its CRC does not match (the partition
 * leader's copy damaged on its disk; brokers check a batch as it is written, not as they serve it), so every poll from
 * that batch on throws a plain KafkaException caused by another ({@link io.dwb.runtime.RefusedFetch}). The lookup took
 * it for Kafka unavailable: the listener tried again with its backoff for ever, never capturing, and so did every
 * listener whose lookup reads that batch. Now a refused poll stands for one out of memory (a record of a million
 * headers): the step is searched one record a poll, the batch's offsets bounded, and reported as the host's value
 * unreadable when the host's newest checkpoint may be among them, passed over when it is after them
 * ({@link CompactedPartition}: Kafka's MockConsumer, answering as a read_committed consumer; CheckpointCorruptBatchTest
 * against a broker whose log file is changed).
 */
class CheckpointLookupRefusalTest {
    private static final long STEP = CheckpointStore.STEP;
    private static final long END = 10_000_000;
    private static final String CRC = "Record batch for partition checkpoints-0 at offset %d is invalid, cause: Record "
            + "is corrupt (stored crc = 1234, computed crc = 5678)";

    @RegisterExtension
    final LogLines logged = LogLines.of(CheckpointStore.class);

    /** Months of a partition: 830 live keys spread over 10 million offsets, then a dense tail of recent ones. */
    private static CompactedPartition fleet() {
        return new CompactedPartition(0, END)
                .others("live", 0, 830, 11_000)
                .others("recent", END - 20_000, 9_000, 2);
    }

    /**
     * The corrupt batch is after the host's checkpoint: its keys cannot be read, so it may hold a newer checkpoint of
     * the host. The host's value is reported unreadable (a checkpoint-unreadable gap, capture from now), never the
     * older checkpoint (from there, events committed after it would be published again).
     */
    @Test
    void aCorruptBatchAfterTheHostsCheckpointIsReportedAsItsValueUnreadable() {
        // Another host's record just before the batch: the search's last read, the batch's offsets from the next one.
        CompactedPartition partition = fleet().put(END - 1_500, "me", 1).put(END - 1_001, "other", 0)
                .corrupt(END - 1_000, END - 998);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).as("an older checkpoint, the batch after it refused").isEmpty();
        CheckpointStore.Unreadable unreadable = lookup.stored().unreadable();
        assertThat(unreadable).isNotNull();
        assertThat(unreadable.partition()).isEqualTo(CompactedPartition.TP);
        assertThat(unreadable.offset()).isEqualTo(END - 1_000);
        assertThat(unreadable.why()).startsWith("offsets " + (END - 1_000) + " to " + (END - 998)
                        + ": Kafka's consumer refuses them (" + CRC.formatted(END - 1_000) + "; a batch damaged on "
                        + "the partition leader's disk")
                .endsWith("this host's newest checkpoint may be among them")
                .doesNotContain("memory");
        assertThat(partition.seeks).as("one step: the refusal is searched, not taken for Kafka away")
                .containsExactly(END - STEP);
        assertThat(partition.searchSeeks).as("the search: from the step's first offset; past the batch, to its end")
                .startsWith(END - STEP).endsWith(END - 997);
        assertThat(partition.searches).as("a new consumer after each refused poll").hasSizeGreaterThan(1)
                .allMatch(MockConsumer::closed);
        assertThat(partition.lookups).allMatch(MockConsumer::closed);
        assertThat(logged.messages(Level.ERROR)).contains("Kafka's consumer refused the checkpoint lookup's "
                + "records of checkpoints-0 offsets " + (END - STEP) + " to " + (END - 1) + " ("
                + CRC.formatted(END - 1_000) + "): reading them again one record at a time, to find what cannot be "
                + "read");
        assertThat(logged.messages(Level.ERROR)).anyMatch(line -> line.startsWith("checkpoints-0 offsets "
                + (END - 1_000) + " to " + (END - 998) + ": Kafka's consumer refuses them (") && line.endsWith(
                "): this host's newest checkpoint may be among them"));
    }

    /** The host's checkpoint is after the corrupt batch: the batch is passed over with a WARN, the checkpoint found. */
    @Test
    void aCorruptBatchBeforeTheHostsCheckpointIsPassedOver() {
        CompactedPartition partition = fleet().put(END - 1_501, "other", 0).corrupt(END - 1_500, END - 1_498)
                .put(END - 1_000, "me", 2);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(2));
        assertThat(lookup.stored().unreadable()).isNull();
        assertThat(lookup.recordsRead()).as("the search's: the step's records but the batch's").isEqualTo(2);
        assertThat(logged.messages(Level.WARN)).anyMatch(line -> line.startsWith("checkpoints-0 offsets "
                + (END - 1_500) + " to " + (END - 1_498) + ": Kafka's consumer refuses them ("
                + CRC.formatted(END - 1_500) + "; a batch damaged on the partition leader's disk") && line.endsWith(
                "): passed over, this host's checkpoint is after them"));
        assertThat(partition.searches).allMatch(MockConsumer::closed);
    }

    /**
     * A range longer than a step (grown after misses) refused is read again in steps of 2,000 offsets, newest first, by
     * a new lookup consumer, as one out of memory: the search covers a step at most. Here the host's checkpoint is in a
     * step after the batch's, found without reaching it.
     */
    @Test
    void aGrownRangeRefusedIsReadAgainInStepsByANewConsumer() {
        CompactedPartition partition = fleet().put(END - 9_000, "me", 6).corrupt(END - 12_001, END - 11_999);

        CheckpointStore.Lookup lookup = partition.store(STEP, System::nanoTime).lookup(id("me"));

        assertThat(lookup.checkpoint()).contains(checkpoint(6));
        assertThat(partition.seeks).containsExactly(END - 2_000, END - 6_000, END - 14_000, END - 8_000,
                END - 10_000);
        assertThat(partition.lookups).as("the first closed, a new one for the steps").hasSize(2)
                .allMatch(MockConsumer::closed);
        assertThat(partition.searches).as("no search: the batch's step is never read").isEmpty();
        assertThat(logged.messages(Level.WARN)).contains("Kafka's consumer refused the checkpoint lookup's "
                + "records of checkpoints-0 offsets " + (END - 14_000) + " to " + (END - 6_001) + " ("
                + CRC.formatted(END - 12_001) + "): reading them again in steps of 2000 offsets, from the newest");
    }

    /**
     * A refusal the search does not meet again (every record of the step reads, one a poll: a fetch damaged on its way,
     * not on the disk) explains nothing: the lookup fails as Kafka unavailable, as before, and the listener tries again
     * with its backoff; its message now carries Kafka's reason, which the outer exception's does not.
     */
    @Test
    void aRefusalTheSearchDoesNotMeetAgainIsKafkaUnavailableAsBefore() {
        CompactedPartition partition = fleet().put(END - 1_500, "me", 1).corrupt(END - 1_000, END - 998);
        partition.corruptInFlight = true;

        assertThatThrownBy(() -> partition.store(STEP, System::nanoTime).lookup(id("me")))
                .isInstanceOf(TransactionalPublisher.KafkaUnavailable.class)
                .hasMessageStartingWith("cannot read the checkpoint from checkpoints: Received exception when "
                        + "fetching the next record from checkpoints-0")
                .hasMessageEndingWith("(" + CRC.formatted(END - 1_000) + ")");
        assertThat(partition.searchPolls).as("the step read again, one record a poll")
                .isGreaterThanOrEqualTo(partition.records(END - STEP, END));
        assertThat(partition.searches).allMatch(MockConsumer::closed);
        assertThat(partition.lookups).allMatch(MockConsumer::closed);
        assertThat(logged.messages(Level.WARN)).contains("every record of checkpoints-0 offsets " + (END - STEP)
                + " to " + (END - 1) + " reads again one at a time: nothing explains Kafka's refusal (a fetch damaged "
                + "on its way, not on the partition leader's disk); the lookup fails as Kafka unavailable and is "
                + "tried again");
    }

    /**
     * A codec whose native library cannot load (zstd's copy in a noexec /tmp) fails a poll in a refusal's shape: it is
     * still said as the configuration error it is (exit 2 naming the fix; 1 when its directory is full), not searched
     * and passed over as a corrupt batch (whose gap would have hidden it at every start).
     */
    @Test
    void aCodecThatCannotLoadIsNotTakenForACorruptBatch() {
        CompactedPartition partition = fleet().put(END - 1_500, "me", 1).corrupt(END - 1_000, END - 998);
        partition.refusal = () -> new KafkaException("Received exception when fetching the next record from "
                + "checkpoints-0. If needed, please seek past the record to continue consumption.",
                new KafkaException(new ExceptionInInitializerError("Cannot unpack libzstd-jni-1.5.6-10: noexec")));

        assertThatThrownBy(() -> partition.store(STEP, System::nanoTime).lookup(id("me")))
                .isNotInstanceOf(TransactionalPublisher.KafkaUnavailable.class)
                .hasMessageStartingWith("cannot decompress the records of the checkpoints topic checkpoints: ");
        assertThat(partition.searches).as("not searched").isEmpty();
    }
}
