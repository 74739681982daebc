package io.dwb.forwarder;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What becomes of a record whose alert the socket refuses for what it is, on the thread that writes it (the sending
 * thread's, or the loop's): written to the dead-letter topic, waiting for the topic's acknowledgement (live), or
 * counted as refused (a replay writes no dead letters). The loop's own letters, of records that are invalid, are not
 * waited for ({@link LettersInFlight}); a replay skips those in {@link AlertPipeline}, on the loop's clock.
 */
final class DeadLettering {
    private final AlertPipeline.Mode mode;
    private final StateChanges changes;

    DeadLettering(AlertPipeline.Mode mode, ForwarderMetrics metrics) {
        this.mode = mode;
        this.changes = new StateChanges(metrics);
    }

    /**
     * The record whose alert the socket refused for what it is ({@link DeadLetterReason#REJECTED}, the only letter
     * written here): dead-lettered live; a replay counts and says it refused, apart from the invalid records it skips.
     *
     * @throws DeadLetterQueue.DeadLetterUnavailable the topic cannot take it now: nothing may pass the record
     */
    void rejected(ConsumerRecord<byte[], byte[]> record, String error) throws DeadLetterQueue.DeadLetterUnavailable {
        Classified.Invalid invalid = new Classified.Invalid(DeadLetterReason.REJECTED, error);
        if (!(mode instanceof AlertPipeline.Mode.Live live)) {
            changes.replayRefused(record, invalid.error()); // valid, never delivered: not an invalid one skipped
            return;
        }
        DeadLetterQueue.Omitted omitted = live.deadLetters().publish(record, invalid);
        changes.deadLettered(record, invalid, live.deadLetters().topic(), omitted);
        live.deadLetters().notices().written(record, invalid.reason());
    }
}
