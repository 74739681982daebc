package io.dwb.forwarder;

import java.util.Collections;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What becomes of a record that cannot be an alert: written to the dead-letter topic (live), or passed over (a
 * replay: it was dead-lettered when first consumed). One per thread that dead-letters: the delivery loop's (records
 * that are invalid) and the sending thread's (datagrams the socket refuses for what they are).
 */
final class DeadLettering {
    private final AlertPipeline.Mode mode;
    private final StateChanges changes;

    DeadLettering(AlertPipeline.Mode mode, ForwarderMetrics metrics) {
        this.mode = mode;
        this.changes = new StateChanges(metrics);
    }

    /**
     * A run of consecutive records, written at once (one round trip); returns how many were done, in order, and why
     * the next could not be (none when all were): nothing may pass that one.
     */
    DeadLetterQueue.Written deadLetterAll(List<DeadLetterQueue.Letter> letters) {
        if (!(mode instanceof AlertPipeline.Mode.Live live)) {
            letters.forEach(l -> changes.replaySkipped());
            return new DeadLetterQueue.Written(Collections.nCopies(letters.size(), DeadLetterQueue.Omitted.NOTHING),
                    null, null);
        }
        DeadLetterQueue.Written written = live.deadLetters().publishAll(letters);
        for (int i = 0; i < written.omitted().size(); i++) {
            changes.deadLettered(letters.get(i).record(), letters.get(i).error(), live.deadLetters().topic(),
                    written.omitted().get(i));
        }
        return written;
    }

    /** @throws DeadLetterQueue.DeadLetterUnavailable the topic cannot take it now: nothing may pass the record */
    void deadLetter(ConsumerRecord<byte[], byte[]> record, Classified.Invalid invalid)
            throws DeadLetterQueue.DeadLetterUnavailable {
        if (!(mode instanceof AlertPipeline.Mode.Live live)) {
            changes.replaySkipped();
            return;
        }
        DeadLetterQueue.Omitted omitted = live.deadLetters().publish(record, invalid);
        changes.deadLettered(record, invalid, live.deadLetters().topic(), omitted);
    }
}
