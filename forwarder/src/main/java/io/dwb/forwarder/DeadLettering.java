package io.dwb.forwarder;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What becomes of a record that cannot be an alert: written to the dead-letter topic (live), or passed over (a
 * replay writes no dead letters), waiting for the topic's acknowledgement: for datagrams the socket
 * refuses for what they are, on the thread that writes them (the sending thread's, or the loop's). The loop's own
 * letters, of records that are invalid, are not waited for: {@link LettersInFlight}.
 */
final class DeadLettering {
    private final AlertPipeline.Mode mode;
    private final StateChanges changes;

    DeadLettering(AlertPipeline.Mode mode, ForwarderMetrics metrics) {
        this.mode = mode;
        this.changes = new StateChanges(metrics);
    }

    /** @throws DeadLetterQueue.DeadLetterUnavailable the topic cannot take it now: nothing may pass the record */
    void deadLetter(ConsumerRecord<byte[], byte[]> record, Classified.Invalid invalid)
            throws DeadLetterQueue.DeadLetterUnavailable {
        if (!(mode instanceof AlertPipeline.Mode.Live live)) {
            if (invalid.reason() == DeadLetterReason.REJECTED) {
                changes.replayRefused(record, invalid.error()); // valid, never delivered: not an invalid one skipped
            } else { // none comes here (DatagramWriter refers only REJECTED): counted, as the loop's are
                changes.replaySkipped(record, invalid, System.nanoTime());
            }
            return;
        }
        DeadLetterQueue.Omitted omitted = live.deadLetters().publish(record, invalid);
        changes.deadLettered(record, invalid, live.deadLetters().topic(), omitted);
    }
}
