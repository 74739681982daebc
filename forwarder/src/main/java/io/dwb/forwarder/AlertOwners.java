package io.dwb.forwarder;

/**
 * Which Wazuh agent owns a host's alerts: the head ({@code <queue>:<location>:}) of its datagrams. Called for every
 * datagram, on the delivery loop's thread.
 */
public interface AlertOwners {
    /** Every alert unattributed ({@code 1:Wazuh-Docker:}), as the seed's wodle sent it: the default. */
    AlertOwners NONE = new AlertOwners() {
        private final byte[] head = AgentLocation.unattributed();

        @Override
        public byte[] head(HostRef host) {
            return head;
        }
    };

    /** The datagram head for an alert of {@code host}; the caller never changes the array. */
    byte[] head(HostRef host);

    /** Takes changes of its sources into account; called once per delivery loop iteration. */
    default void refresh(long nowNanos) {}
}
