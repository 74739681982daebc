package io.dwb.forwarder;

import java.util.function.LongSupplier;

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
                try {
                    deadLetters.rejected(outgoing.record(), e.getMessage());
                } catch (DeadLetterQueue.DeadLetterUnavailable unavailable) {
                    throw new Outbox.Refused(unavailable.refusal());
                }
            }
            return;
        }
        metrics.sent(outgoing.kind());
        if (measureLatency && outgoing.kind() == AlertKind.Engine.EVENT) {
            metrics.delivered((epochMillis.getAsLong() - outgoing.record().timestamp()) * 1_000_000L);
        }
    }
}
