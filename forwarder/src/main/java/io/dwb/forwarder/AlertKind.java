package io.dwb.forwarder;

/**
 * What a datagram to Wazuh says: an engine's event ({@link Engine#EVENT}) or one of the bridge's own alerts
 * ({@link BridgeAlert}). Its {@link #label()} is the {@code kind} label of {@code dwb_forwarder_alerts_sent_total}.
 */
sealed interface AlertKind permits AlertKind.Engine, BridgeAlert {
    /** The {@code kind} label of the alerts-sent metric: {@code event}, or the bridge alert's {@code event} field. */
    String label();

    /** An event of a Docker engine, as its listener captured it. */
    enum Engine implements AlertKind {
        EVENT;

        @Override
        public String label() {
            return "event";
        }
    }
}
