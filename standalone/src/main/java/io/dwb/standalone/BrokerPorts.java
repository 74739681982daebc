package io.dwb.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's three loopback ports (clients, controller, inter-broker), held bound together until the
 * broker is about to take them. Picking each with a socket opened and closed at once let the kernel hand the same
 * port out twice, and the broker then refused to start ("two listeners on the same port"); holding them makes the
 * three distinct, and the only window left is between {@link #close()} and the broker's own bind.
 */
final class BrokerPorts implements AutoCloseable {
    /** The client port: {@link #DEFAULT}, or one {@code --kafka-port} asked for (0: any free one). */
    record ClientPort(int number, boolean asked) {
        /**
         * Kafka's usual port, unless another process holds it: any local user can, and the standalone then did not
         * start at all (no alerts from that host); it takes a free port instead, and says which.
         */
        static final ClientPort DEFAULT = new ClientPort(9092, false);

        static ClientPort asked(int number) {
            return new ClientPort(number, true);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(BrokerPorts.class);

    private final List<ServerSocket> held;

    private BrokerPorts(List<ServerSocket> held) {
        this.held = held;
    }

    /**
     * Binds the client port (the one asked for, or any free one for 0; the default, or a free one when it is taken)
     * and two more free ones on {@code host}.
     *
     * @throws IllegalStateException naming the port and {@code --kafka-port} when the asked port is taken
     */
    static BrokerPorts reserve(InetAddress host, ClientPort clientPort) {
        List<ServerSocket> held = new ArrayList<>(3);
        try {
            held.add(bindClient(host, clientPort));
            held.add(bind(host, 0));
            held.add(bind(host, 0));
            return new BrokerPorts(held);
        } catch (IOException e) {
            closeAll(held);
            if (held.isEmpty() && clientPort.number() != 0) {
                throw new IllegalStateException("cannot start the embedded Kafka broker on "
                        + host.getHostAddress() + ":" + clientPort.number() + ": " + e.getMessage()
                        + " (another Kafka there?); choose another --kafka-port, or 0 for any free one", e);
            }
            throw new IllegalStateException("no free port on " + host.getHostAddress() + ": " + e.getMessage(), e);
        }
    }

    int client() {
        return held.get(0).getLocalPort();
    }

    int controller() {
        return held.get(1).getLocalPort();
    }

    int internal() {
        return held.get(2).getLocalPort();
    }

    /** Lets the ports go, for the broker to bind them. */
    @Override
    public void close() {
        closeAll(held);
    }

    private static ServerSocket bindClient(InetAddress host, ClientPort port) throws IOException {
        try {
            return bind(host, port.number());
        } catch (IOException e) {
            if (port.asked()) {
                throw e;
            }
            ServerSocket any = bind(host, 0);
            log.warn("{}:{} is taken ({}: another Kafka, or another user's process); the embedded broker listens on "
                    + "{}:{} instead, as <data-dir>/client.properties says; --kafka-port chooses one",
                    host.getHostAddress(), port.number(), e.getMessage(), host.getHostAddress(), any.getLocalPort());
            return any;
        }
    }

    private static ServerSocket bind(InetAddress host, int port) throws IOException {
        return new ServerSocket(port, 1, host);
    }

    private static void closeAll(List<ServerSocket> sockets) {
        for (ServerSocket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
