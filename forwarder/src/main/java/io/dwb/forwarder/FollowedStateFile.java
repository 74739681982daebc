package io.dwb.forwarder;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A Wazuh daemon's state file as a gate follows it (through {@link WazuhStateFile}: never through a link, never held
 * by a FIFO): read again at most once a second while delivery asks, the last reading holding meanwhile, and saying
 * nothing while it is missing, unreadable or not written for {@link #STALE_AFTER_MILLIS} (the daemon stopped, which
 * never removes it, or a longer state interval): delivery goes on as without the gate. Each of those, and its being
 * followed again, is said once, in a line of the gate's log. A stale file is only looked at, not read. The gate's
 * {@link Rule} makes each reading a refusal or not. Not thread-safe: one writer sends; the clocks are passed in.
 */
final class FollowedStateFile {
    /** A state file older than this is not gone by: Wazuh's daemons rewrite theirs every 5 s by default. */
    static final long STALE_AFTER_MILLIS = 120_000;
    private static final long READ_EVERY_NANOS = 1_000_000_000L;

    /**
     * How a gate's lines name its daemon: the gate's log, the daemon's state ({@code "the Wazuh agent's state"}), the
     * daemon ({@code "agentd"}), and the prefix of its {@code state_interval} option ({@code "agent"}).
     */
    record Lines(Logger log, String state, String daemon, String options) {
    }

    /** What a gate makes of each reading. */
    @FunctionalInterface
    interface Rule {
        /**
         * Why delivery waits by {@code state}, read at {@code nowNanos} (a {@link Refusal.Hold}); null when it may go
         * on.
         *
         * @param state null when the file says nothing now (missing, unreadable, stale)
         */
        Refusal refusal(WazuhStateFile.Reading state, long nowNanos);
    }

    /** What the last reading said of the file. */
    private enum Said { FOLLOWED, MISSING, STALE }

    private final WazuhStateFile file;
    private final Lines lines;
    private final Consumer<IOException> unreadable;
    private final Rule rule;
    private final LongSupplier nanoClock;
    private final LongSupplier wallMillis;
    private boolean read;
    private long readAtNanos;
    /** Why delivery waits, as last read; null when it may go on. */
    private Refusal refusal;
    private Said said = Said.FOLLOWED;

    /**
     * @param file       read, not closed: the gate's
     * @param unreadable says, in the gate's words, that the file cannot be read and why (once, until it is followed)
     */
    FollowedStateFile(WazuhStateFile file, Lines lines, Consumer<IOException> unreadable, Rule rule,
                      LongSupplier nanoClock, LongSupplier wallMillis) {
        this.file = file;
        this.lines = lines;
        this.unreadable = unreadable;
        this.rule = rule;
        this.nanoClock = nanoClock;
        this.wallMillis = wallMillis;
    }

    /** Returns when delivery may go on; else throws why it waits. The file is read again once a second has passed. */
    void admit() throws AlertSink.SinkUnavailableException {
        long now = nanoClock.getAsLong();
        if (!read || now - readAtNanos >= READ_EVERY_NANOS) {
            refusal = rule.refusal(reading(), now);
            readAtNanos = now;
            read = true;
        }
        if (refusal != null) {
            throw new AlertSink.SinkUnavailableException(refusal);
        }
    }

    /** The gate said at its start that the file cannot be read: not said again until the file is followed. */
    void saidUnreadable() {
        said = Said.MISSING;
    }

    /** The file now; null when it says nothing (missing, unreadable, stale), said once. */
    private WazuhStateFile.Reading reading() {
        WazuhStateFile.Reading reading;
        try {
            long modified = file.modifiedMillis();
            long age = wallMillis.getAsLong() - modified; // after the look: a test renames a FIFO in from it
            if (age > STALE_AFTER_MILLIS) {
                if (said != Said.STALE) {
                    lines.log().warn("{} ({}) was last written {} s ago: delivery no longer follows it until {} "
                            + "writes it again ({} stopped, or its {}.state_interval is over {} s)", lines.state(),
                            file.path(), age / 1000, lines.daemon(), lines.daemon(), lines.options(),
                            STALE_AFTER_MILLIS / 1000);
                    said = Said.STALE;
                }
                return null;
            }
            reading = new WazuhStateFile.Reading(file.values(), modified);
        } catch (IOException e) {
            if (said != Said.MISSING) {
                unreadable.accept(e);
                said = Said.MISSING;
            }
            return null;
        }
        if (said != Said.FOLLOWED) {
            lines.log().info("delivery follows {} ({}) again", lines.state(), file.path());
            said = Said.FOLLOWED;
        }
        return reading;
    }
}
