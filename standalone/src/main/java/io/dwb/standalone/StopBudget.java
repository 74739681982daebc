package io.dwb.standalone;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How long the standalone's stop may take, from the signal to the broker's close, against whatever kills it after:
 * systemd's {@code TimeoutStopSec=60s} (the units), or {@code wazuh-modulesd}, which sends the wodle's process group
 * SIGTERM, then SIGKILL after {@code wazuh_modules.kill_timeout} (10 s by default; Wazuh's {@code wm_kill_children}).
 * Of it, {@link #bridge()} goes to the listener, the forwarder and their clients; the rest is kept for the broker,
 * whose close writes the clean-shutdown marker that spares the next start a log recovery.
 *
 * @param total the whole stop
 */
record StopBudget(Duration total) {
    /** A service's (systemd: TimeoutStopSec=60s): a few seconds short of it. */
    static final StopBudget SERVICE = new StopBudget(Duration.ofSeconds(55));
    /** How long wazuh-modulesd waits after the wodle's SIGTERM before its SIGKILL (kill_timeout's default). */
    static final Duration MODULESD_KILL_TIMEOUT = Duration.ofSeconds(10);
    /** The wodle's: 2 s short of {@link #MODULESD_KILL_TIMEOUT}. */
    static final StopBudget WODLE = new StopBudget(MODULESD_KILL_TIMEOUT.minusSeconds(2));
    /** The part of the stop kept for the broker's close: a quarter, between 1 and 5 s. */
    private static final Duration BROKER_MIN = Duration.ofSeconds(1);
    private static final Duration BROKER_MAX = Duration.ofSeconds(5);

    /**
     * @param asked  {@code --stop-timeout}, or null: chosen by who started the process
     * @param parent the executable of the parent process, when known
     */
    static StopBudget of(Duration asked, Optional<String> parent) {
        if (asked != null) {
            return new StopBudget(asked);
        }
        return parent.map(StopBudget::isModulesd).orElse(false) ? WODLE : SERVICE;
    }

    /** The executable of this process's parent, when the system says (as root, or the same user, on Linux). */
    static Optional<String> parentCommand() {
        return ProcessHandle.current().parent().flatMap(p -> p.info().command());
    }

    /** wazuh-modulesd (ossec-modulesd before Wazuh 4.2) runs the wodles: the launcher execs java in their place. */
    private static boolean isModulesd(String command) {
        // A binary replaced on disk (a Wazuh upgrade before modulesd restarts) is "… (deleted)" in /proc/<pid>/exe.
        Path name = Path.of(command.endsWith(" (deleted)") ? command.substring(0, command.length() - 10) : command)
                .getFileName();
        return name != null && (name.toString().equals("wazuh-modulesd") || name.toString().equals("ossec-modulesd"));
    }

    /** What the listener, the forwarder and their clients may take: the whole, less the broker's part. */
    Duration bridge() {
        Duration broker = total.dividedBy(4);
        broker = broker.compareTo(BROKER_MIN) < 0 ? BROKER_MIN : broker.compareTo(BROKER_MAX) > 0 ? BROKER_MAX : broker;
        Duration left = total.minus(broker);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
