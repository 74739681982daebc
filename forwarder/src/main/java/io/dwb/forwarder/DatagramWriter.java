package io.dwb.forwarder;

import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Writes one datagram to the sink and accounts for it: counted as sent (an event's delivery latency measured at
 * the moment the socket takes it), or dead-lettered when the socket refuses it for what it is. Used by one thread:
 * the sending thread, or the delivery loop's ({@link DirectOutbox}).
 */
final class DatagramWriter {
    private final AlertSink sink;
    private final DeadLettering deadLetters;
    private final ForwarderMetrics metrics;
    /** This thread's own: the writer runs on the sending thread or the loop's. */
    private final StateChanges changes;
    private final boolean measureLatency;
    /** The wall clock in milliseconds: an event's latency is from its record's timestamp to the socket's accepting. */
    private final LongSupplier epochMillis;
    /**
     * The datagram the socket refused for what it is, whose letter the dead-letter topic has not taken yet: its retry
     * sends the letter only. Sent again at each retry, it was refused again, each time a socket error (the Prometheus
     * rule then said Wazuh was restarting) of an alert the docs count once.
     */
    private Rejected rejected;

    /** The record whose datagram the socket refused for what it is, and why. */
    private record Rejected(ConsumerRecord<byte[], byte[]> record, String error) {}

    DatagramWriter(AlertSink sink, AlertPipeline.Mode mode, ForwarderMetrics metrics, LongSupplier epochMillis) {
        this.sink = sink;
        this.deadLetters = new DeadLettering(mode, metrics);
        this.metrics = metrics;
        this.changes = new StateChanges(metrics);
        this.measureLatency = mode instanceof AlertPipeline.Mode.Live;
        this.epochMillis = epochMillis;
    }

    /**
     * Sent, or dead-lettered when refused for good (a state alert, which has no record, is then dropped).
     *
     * @throws Outbox.Refused the sink or the dead-letter topic cannot take it now: write it again later
     */
    void write(Outbox.Outgoing outgoing) throws Outbox.Refused {
        if (rejected != null && rejected.record() == outgoing.record()) {
            // The same record again (the held head's retry, or its route's, whose bridge alert is formatted anew at
            // each retry): its letter only
            deadLetter(outgoing);
            return;
        }
        rejected = null;
        try {
            sink.send(outgoing.datagram());
        } catch (AlertSink.SinkUnavailableException e) {
            if (e.refusal().cause().sendFailed()) {
                metrics.socketError(); // a gate's hold sent nothing: no socket error (dwb_forwarder_paused says it)
            }
            throw new Outbox.Refused(e.refusal());
        } catch (AlertSink.SinkRejectedException e) {
            metrics.socketError();
            if (outgoing.record() == null) {
                changes.stateAlertRefused(outgoing.kind(), outgoing.datagram().length, e.getMessage());
            } else {
                rejected = new Rejected(outgoing.record(), e.getMessage());
                deadLetter(outgoing);
            }
            return;
        }
        metrics.sent(outgoing.kind());
        if (measureLatency && outgoing.kind() == AlertKind.Engine.EVENT) {
            // From the event's time on its host's clock, set right by how far that clock is found from this one.
            metrics.delivered((epochMillis.getAsLong() - outgoing.record().timestamp()) * 1_000_000L
                    + outgoing.clockSkewNanos());
        }
    }

    /** The letter of {@link #rejected}: once the topic takes it, the datagram is done. */
    private void deadLetter(Outbox.Outgoing outgoing) throws Outbox.Refused {
        try {
            deadLetters.rejected(outgoing.record(), rejected.error());
        } catch (DeadLetterQueue.DeadLetterUnavailable unavailable) {
            throw new Outbox.Refused(unavailable.refusal());
        }
        rejected = null;
    }
}
