package io.dwb.schemas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free TCP ports for a test's brokers, all different: each is held until the last is found. */
public final class FreePorts {
    private FreePorts() {
    }

    /**
     * Ports picked one at a time, each by a socket closed at once, can come out the same (the kernel may hand a
     * just-closed port out again), and a cluster then fails to publish one of them.
     */
    public static List<Integer> distinct(int count) {
        List<ServerSocket> held = new ArrayList<>(count);
        try {
            List<Integer> ports = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                held.add(socket);
                ports.add(socket.getLocalPort());
            }
            return List.copyOf(ports);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /**
     * A free port for a process the test starts to listen on (its {@code --metrics-port}), below the kernel's range of
     * ports it hands out for port 0: one picked by port 0 and closed could be handed out again at once to the port-0
     * binds of the process itself (the standalone reserves its broker's ports so) or of a container's mapping, and the
     * test then asked the broker for /healthz (a CI run's "header parser received no bytes").
     */
    public static int outsideTheEphemeralRange() {
        int low = ephemeralRangeStart();
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(Math.max(1025, low - 12_000), low);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port below " + low + " in 100 tries");
    }

    private static int ephemeralRangeStart() {
        // Read by line: Files.readString of this /proc file gave its first byte alone ("3").
        try (java.io.BufferedReader in = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(
                "/proc/sys/net/ipv4/ip_local_port_range"))) {
            return Integer.parseInt(in.readLine().strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }
}
