package io.dwb.listener;

import io.dwb.listener.TransactionalPublisher.TopicRefused;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * The events topic's settings the listener's records follow ({@link EventsTopic}: the timestamp policy, the longest
 * event published as it is), read at start and read again after the broker refused a record for them ({@link
 * TopicRefused}). An operator may change them while listeners run ({@code kafka-configs.sh --alter}): a
 * {@code message.timestamp.before.max.ms} lowered under the age of an event the engine then replays, a
 * {@code max.message.bytes} lowered under the size of one. Followed as read at start, every retry sent the same
 * record, refused the same way, while the queue filled and gaps followed, until a restart; and the log blamed this
 * host's clock. Read again before the next attempt, the next transaction's records follow the new settings, and the
 * log names the setting that changed. Publishing thread only.
 */
final class EventsTopicLimits {
    /** Reads the topic's settings again, within the Kafka timeout; throws when they cannot be read. */
    @FunctionalInterface
    interface Reader {
        EventsTopic read();
    }

    /** What a refusal came to: what to say of it, and whether the topic's settings changed (the records follow). */
    record Reread(String message, boolean changed) {}

    private final Reader reader;
    private final TopicRecords records;
    /** The longest event published as it is on a topic of this max.message.bytes (the producer's bound too). */
    private final IntUnaryOperator maxEventBytesOf;
    private EventsTopic current;

    /**
     * @param read            the topic's settings read at start
     * @param reader          reads them again (an admin client's DescribeConfigs, bounded by the Kafka timeout)
     * @param records         made by the settings as last read, from now on
     * @param maxEventBytesOf the longest event published as it is, by the topic's {@code max.message.bytes}
     */
    EventsTopicLimits(EventsTopic read, Reader reader, TopicRecords records, IntUnaryOperator maxEventBytesOf) {
        this.reader = reader;
        this.records = records;
        this.maxEventBytesOf = maxEventBytesOf;
        follow(read);
    }

    /** The topic's settings as last read. */
    EventsTopic current() {
        return current;
    }

    /** The longest event published as it is: longer ones become stand-ins. */
    int maxEventBytes() {
        return maxEventBytesOf.applyAsInt(current.maxMessageBytes());
    }

    /**
     * The broker refused a record for the topic's settings: they are read again before the next attempt; changed,
     * the records follow the new ones from the next transaction on, and the message says which changed, old and new,
     * instead of blaming this host's clock. Unchanged, the refusal's own message (for a timestamp, the clock); not
     * read (no answer in time, no DescribeConfigs), the settings read before are kept, and the message says so.
     */
    Reread refused(TopicRefused refusal) {
        EventsTopic read;
        try {
            read = reader.read();
        } catch (RuntimeException e) {
            return new Reread(refusal.getMessage() + "; unless the events topic's settings changed since they were "
                    + "read: they could not be read again (" + e.getMessage() + "), the ones read before are kept",
                    false);
        }
        List<String> changes = read.changesFrom(current);
        if (changes.isEmpty()) {
            return new Reread(refusal.getMessage() + " (the events topic's settings, read again, are unchanged)",
                    false);
        }
        follow(read);
        return new Reread("the broker refused " + refusal.bound().refused() + " (" + refusal.brokerWords() + "): the "
                + "events topic's settings changed since the listener read them: " + String.join(", ", changes)
                + "; the next transaction's records follow the new ones (record timestamps, events longer than "
                + maxEventBytes() + " bytes published as stand-ins)", true);
    }

    private void follow(EventsTopic read) {
        current = read;
        records.limits(read.timestamps(), maxEventBytes());
    }
}
