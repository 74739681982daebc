package io.dwb.listener;

import io.dwb.listener.TransactionPump.GapCause;
import io.dwb.schemas.GapReason;

/**
 * What a gap found by the next subscription is blamed on: the listener not running, until the first subscription has
 * decided continuity (a host rebooted with Kafka not reachable yet: the events were lost while the listener was down);
 * the end of the last subscription (the engine went away, or the queue filled) until a subscription after it has
 * decided; a Kafka failure otherwise. A Kafka failure while a disconnection's cause is pending (a heartbeat or the commit of
 * what was held failing while the engine is away, or a failure before the next subscription decided) leaves that
 * cause: the events were lost by the disconnection, and the gap alert blamed Kafka for an engine restart. Not
 * thread-safe: the capture loop's thread owns it.
 */
final class PendingGapCause {
    private GapCause cause = new GapCause(GapReason.CHECKPOINT_NOT_REPLAYED, "the listener was not running");
    /** The cause is the start's or a disconnection's, and no subscription has decided on it yet. */
    private boolean disconnection = true;

    GapCause cause() {
        return cause;
    }

    /** The subscription ended ({@code why}: the engine went away, or the queue filled). */
    void disconnected(GapCause why) {
        cause = why;
        disconnection = true;
    }

    /** Kafka failed ({@code why}: its message). */
    void kafkaFailed(String why) {
        if (!disconnection) {
            cause = new GapCause(GapReason.CHECKPOINT_NOT_REPLAYED, "Kafka failed (" + why + ")");
        }
    }

    /** A subscription's continuity check decided (proven, or a gap blamed on {@link #cause}): the cause is spent. */
    void decided() {
        disconnection = false;
    }
}
