package io.dwb.listener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Linux's table of TCP sockets ({@code /proc/net/tcp} and {@code tcp6}, this network namespace): what the kernel
 * itself will do with a connection, whatever the process believes.
 */
final class KernelTcpTable {
    /** {@code st} of an established connection. */
    private static final String ESTABLISHED = "01";
    /** {@code tr} (timer_active) of a socket whose keepalive timer runs. */
    private static final String KEEPALIVE_TIMER = "02";
    /** {@code tm->when} counts USER_HZ ticks. */
    private static final long TICK_MILLIS = 10;

    private KernelTcpTable() {}

    /** Established connections to {@code remotePort} with a keepalive timer, each with the time until it fires. */
    static List<Duration> keepAliveTimersTo(int remotePort) throws IOException {
        List<Duration> timers = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String remote = f[2];
                int port = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
                String[] timer = f[5].split(":");
                if (port == remotePort && f[3].equals(ESTABLISHED) && timer[0].equals(KEEPALIVE_TIMER)) {
                    timers.add(Duration.ofMillis(Long.parseLong(timer[1], 16) * TICK_MILLIS));
                }
            }
        }
        return timers;
    }
}
