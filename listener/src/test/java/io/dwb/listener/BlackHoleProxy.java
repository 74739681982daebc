package io.dwb.listener;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP port on 127.0.0.1 in front of the engine's Unix socket, so the listener sees a {@code tcp://} engine. {@link
 * #blackHole()} makes it behave like a network that lost the connections' state: every connection open then, and
 * every one made until {@link #heal()}, stops carrying bytes in both directions for good, while both sockets stay
 * open (no FIN, no RST: the listener's side looks connected). Connections made after {@link #heal()} work.
 */
final class BlackHoleProxy implements AutoCloseable {
    private final Path engineSocket;
    private final ServerSocket server;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicBoolean blackHoled = new AtomicBoolean();
    private final Thread acceptor;

    private BlackHoleProxy(Path engineSocket) throws IOException {
        this.engineSocket = engineSocket;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy to the Unix socket of {@code dockerHost} ({@code unix:///path}); anything else fails the test. */
    static BlackHoleProxy to(String dockerHost) throws IOException {
        if (dockerHost == null || !dockerHost.startsWith("unix://")) {
            throw new IllegalStateException("this test needs DOCKER_HOST=unix:///... (bin/test sets it), not "
                    + dockerHost);
        }
        return new BlackHoleProxy(Path.of(dockerHost.substring("unix://".length())));
    }

    int port() {
        return server.getLocalPort();
    }

    String dockerHost() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    void blackHole() {
        blackHoled.set(true);
        links.forEach(Link::kill);
    }

    void heal() {
        blackHoled.set(false);
    }

    /** Connections accepted so far. */
    int connections() {
        return links.size();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                SocketChannel engine = SocketChannel.open(StandardProtocolFamily.UNIX);
                engine.connect(UnixDomainSocketAddress.of(engineSocket));
                Link link = new Link(client, engine);
                links.add(link);
                if (blackHoled.get()) {
                    link.kill();
                }
                link.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Link link : links) {
            link.close();
        }
    }

    /** One proxied connection: a thread per direction. */
    private static final class Link {
        private final Socket client;
        private final SocketChannel engine;
        private final AtomicBoolean dead = new AtomicBoolean();

        Link(Socket client, SocketChannel engine) {
            this.client = client;
            this.engine = engine;
        }

        void start() throws IOException {
            // The channel itself, not Channels' streams: those lock the channel, so a blocked read would block writes.
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            pump(fromClient::read, (b, n) -> {
                ByteBuffer buffer = ByteBuffer.wrap(b, 0, n);
                while (buffer.hasRemaining()) {
                    engine.write(buffer);
                }
            }, "proxy-up");
            pump(b -> engine.read(ByteBuffer.wrap(b)), (b, n) -> {
                toClient.write(b, 0, n);
                toClient.flush();
            }, "proxy-down");
        }

        /** From now on, bytes read are dropped and nothing is ever written again; the sockets stay open. */
        void kill() {
            dead.set(true);
        }

        private interface Source {
            int read(byte[] buffer) throws IOException;
        }

        private interface Sink {
            void write(byte[] buffer, int length) throws IOException;
        }

        private void pump(Source in, Sink out, String name) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        if (!dead.get()) {
                            out.write(buffer, n);
                        }
                    }
                    if (!dead.get()) {
                        close();
                    }
                } catch (IOException e) {
                    if (!dead.get()) {
                        close();
                    }
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }

        void close() {
            try {
                client.close();
            } catch (IOException e) {
                // closing
            }
            try {
                engine.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
