package io.dwb.schemas.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP port on the loopback address that takes connections and never answers on them: a Kafka address that resolves
 * and connects, where nobody answers (a hung broker, a firewall that lets the handshake through). The connections
 * taken say a process is waiting on it.
 */
public final class SilentPort implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> taken = new CopyOnWriteArrayList<>();

    public SilentPort() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "silent-port");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code 127.0.0.1:port}, as a {@code --bootstrap-servers}. */
    public String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** How many connections it took so far. */
    public int connections() {
        return taken.size();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                taken.add(server.accept()); // held open, never read or written
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : taken) {
            s.close();
        }
    }
}
