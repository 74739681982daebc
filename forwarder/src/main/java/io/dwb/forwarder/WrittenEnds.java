package io.dwb.forwarder;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Each partition's written end (its high watermark, where a read_uncommitted reader stops). A read_committed
 * consumer's end offsets are the stable ends: records written past one (a transaction open there) are not read.
 */
@FunctionalInterface
interface WrittenEnds {
    /** How long the admin client's look-up may take: it only says what a replay cannot read. */
    Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * The written ends of {@code partitions} (those whose leader answered).
     *
     * @throws KafkaException when Kafka does not answer
     */
    Map<TopicPartition, Long> of(Collection<TopicPartition> partitions);

    /**
     * ListOffsets, latest, read_uncommitted (as {@link OpenTransactionWatch} reads them), by an admin client of the
     * forwarder's Kafka settings made for the look-up ({@code client.id} suffixed) and closed after it.
     */
    static WrittenEnds admin(Properties kafka) {
        return partitions -> {
            Admin admin = LookupAdmins.open(kafka, "-written-ends", TIMEOUT);
            try {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                ListOffsetsResult written = admin.listOffsets(latest,
                        new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED));
                // Each partition on its own, as OpenTransactionWatch reads them: one leader that does not answer
                // leaves out its partitions, not every one (all() failed them all)
                Map<TopicPartition, Long> ends = new HashMap<>();
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                ExecutionException failed = null;
                for (TopicPartition tp : latest.keySet()) {
                    try {
                        ends.put(tp, written.partitionResult(tp).get(Math.max(0, deadline - System.nanoTime()),
                                TimeUnit.NANOSECONDS).offset());
                    } catch (ExecutionException e) {
                        failed = e;
                    } catch (TimeoutException e) {
                        break; // the time is up for the rest too
                    }
                }
                if (ends.isEmpty()) {
                    throw new KafkaException("the partitions' written ends were not read"
                            + (failed == null ? " within " + TIMEOUT.toSeconds() + " s" : ": " + failed.getMessage()),
                            failed);
                }
                return ends;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while reading the partitions' written ends", e);
            } finally {
                admin.close(Duration.ZERO);
            }
        };
    }
}
