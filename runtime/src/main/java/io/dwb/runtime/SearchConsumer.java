package io.dwb.runtime;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The consumer of a search for offsets no poll can read ({@link UnreadableOffsets}), reading one partition at a
 * time, replaced after each poll out of memory or refused ({@link RefusedFetch}): Kafka's consumer keeps the fetch it
 * failed in, marked corrupt, and
 * answers a poll from that fetch's next offset with a KafkaException instead of reading (a transaction marker just
 * before the record moves that offset past it, and a start there was taken for one that reads).
 */
public final class SearchConsumer implements AutoCloseable {
    private final Supplier<? extends Consumer<byte[], byte[]>> consumers;
    private Consumer<byte[], byte[]> consumer;
    private TopicPartition tp;

    /** @param consumers a new consumer, without a group, taking one record a poll */
    public SearchConsumer(Supplier<? extends Consumer<byte[], byte[]>> consumers) {
        this.consumers = consumers;
        this.consumer = consumers.get();
    }

    /** The consumer now (another after {@link #renew}). */
    public Consumer<byte[], byte[]> consumer() {
        return consumer;
    }

    public void assign(TopicPartition partition) {
        tp = partition;
        consumer.assign(List.of(partition));
    }

    public void seek(long offset) {
        consumer.seek(tp, offset);
    }

    /** After a poll out of memory or refused: a new consumer of the same partition (to be sought). */
    public void renew() {
        consumer.close(Duration.ZERO);
        consumer = consumers.get();
        consumer.assign(List.of(tp));
    }

    /**
     * Whether a poll from {@code start} reads without running out of memory or being refused ({@link RefusedFetch}:
     * a corrupt batch); from {@code end} on there is nothing to read. Another KafkaException (past the end, Kafka
     * away) is taken as reading: not known to fail.
     */
    public boolean readsFrom(long start, long end, Duration wait) {
        if (start >= end) {
            return true;
        }
        seek(start);
        try {
            int polls = 0;
            while (consumer.poll(wait).isEmpty() && consumer.position(tp, wait) < end && ++polls < 3) {
                // nothing yet, before the end: a fetch not back (a new consumer's first connects); polled again
            }
            return true;
        } catch (OutOfMemoryError e) {
            renew();
            return false;
        } catch (KafkaException e) {
            if (RefusedFetch.reason(e).isPresent()) {
                renew();
                return false;
            }
            return true;
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ZERO);
    }
}
