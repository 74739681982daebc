package io.dwb.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded broker's three loopback ports (clients, controller, inter-broker), held bound together until the
 * broker is about to take them. Picking each with a socket opened and closed at once let the kernel hand the same
 * port out twice, and the broker then refused to start ("two listeners on the same port"); holding them makes the
 * three distinct, and the only window left is between {@link #close()} and the broker's own bind.
 */
final class BrokerPorts implements AutoCloseable {
    private final List<ServerSocket> held;

    private BrokerPorts(List<ServerSocket> held) {
        this.held = held;
    }

    /**
     * Binds the client port (the one asked for, or any free one for 0) and two more free ones on {@code host}.
     *
     * @throws IllegalStateException naming the port and {@code --kafka-port} when the asked port is taken
     */
    static BrokerPorts reserve(InetAddress host, int clientPort) {
        List<ServerSocket> held = new ArrayList<>(3);
        try {
            held.add(bind(host, clientPort));
            held.add(bind(host, 0));
            held.add(bind(host, 0));
            return new BrokerPorts(held);
        } catch (IOException e) {
            closeAll(held);
            if (held.isEmpty() && clientPort != 0) {
                throw new IllegalStateException("cannot start the embedded Kafka broker on "
                        + host.getHostAddress() + ":" + clientPort + ": " + e.getMessage()
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
