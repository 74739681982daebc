package io.dwb.forwarder;

import java.io.Closeable;

/** Where datagrams go: the Wazuh queue socket, or standard output. */
public interface AlertSink extends Closeable {

    /**
     * Hands one datagram over. Returns only when it was accepted.
     *
     * @throws SinkUnavailableException the receiver cannot take it now (missing, refusing, full): retry later
     * @throws SinkRejectedException    the receiver will never take this datagram: it goes to the dead-letter topic
     */
    void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException;

    /** Why delivery must wait: its refusal's cause, and its words, which the "paused" log line says (the message). */
    final class SinkUnavailableException extends Exception {
        private final Refusal refusal;

        SinkUnavailableException(Refusal.Cause cause, String message) {
            this(new Refusal(cause, message));
        }

        SinkUnavailableException(Refusal refusal) {
            super(refusal.words());
            this.refusal = refusal;
        }

        Refusal refusal() {
            return refusal;
        }
    }

    /** A datagram the receiver refuses for what it is (not for its own state). */
    final class SinkRejectedException extends Exception {
        public SinkRejectedException(String message) {
            super(message);
        }
    }
}
