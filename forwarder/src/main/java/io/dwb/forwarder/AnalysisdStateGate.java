package io.dwb.forwarder;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * On a Wazuh manager, holds delivery while wazuh-analysisd's event queue is half full or more, and says what analysisd
 * drops. A manager's queue socket is read by analysisd's input thread ({@code ad_input_main}, {@code
 * src/analysisd/analysisd.c}), which never stops reading: an event that finds the decode event queue ({@code
 * analysisd.decode_event_queue_size}, 16,384 by default) full is dropped ({@code "Input queue is full"} once in
 * ossec.log, {@code events_dropped} counted), after the forwarder committed it; the socket never fills, so the
 * forwarder never sees a refusal. The queue fills when alerts come faster than analysisd decodes them (a backlog after
 * an outage, unpaced), with the manager's other sources (agents' events through remoted), and from 4.4 under a {@code
 * <global><limits><eps>} limit, which holds events in that queue. analysisd writes its state ({@code
 * <home>/var/run/wazuh-analysisd.state}: {@code event_queue_usage}, a fraction, and {@code events_dropped}) every
 * {@code analysisd.state_interval} (5 s by default); it is read again at most once a second while the forwarder sends,
 * and delivery waits (a refusal, a {@link Refusal.Hold}: the delivery loop's pause, records staying in Kafka,
 * uncommitted; no failed send) from the reading whose {@code event_queue_usage} is {@value #FULL_FROM} or more until
 * one below {@value #RESUME_BELOW} (hysteresis: on a manager under an EPS limit, whose queue stays about half full,
 * delivery and {@code dwb_forwarder_paused} flipped every few seconds at the one bound). Each rise of {@code
 * events_dropped} (a count since analysisd started in the later 4.x files, marked "will be deprecated"; a count per
 * state interval, zeroed after each write, in older ones, which have {@code *_edps} fields) goes to {@code dropped} (a
 * metric) and to a WARN, at most one a minute: drops of any source, the bridge's among them or not. A state file
 * missing, unreadable, not a regular file, or not written for {@link FollowedStateFile#STALE_AFTER_MILLIS} says
 * nothing: delivery goes on as without the gate (with a WARN; {@link FollowedStateFile}). Not thread-safe: one writer
 * sends; the clocks are passed in.
 */
final class AnalysisdStateGate implements AlertSink {
    static final String STATE_FILE = "var/run/wazuh-analysisd.state";
    static final String READER_THREAD = "analysisd-state-reader";
    /** The share of the event queue from which delivery waits. */
    static final double FULL_FROM = 0.5;
    /** The share below which delivery goes on again, once it waited. */
    static final double RESUME_BELOW = 0.4;
    static final long WARN_EVERY_NANOS = 60_000_000_000L;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AnalysisdStateGate.class);
    private static final FollowedStateFile.Lines LINES = new FollowedStateFile.Lines(log, "wazuh-analysisd's state",
            "analysisd", "analysisd");

    private final AlertSink sink;
    private final WazuhStateFile stateFile;
    private final FollowedStateFile followed;
    private final LongConsumer dropped;
    /** The write last counted (its modification time), and its {@code events_dropped}; none before the first. */
    private long countedWrite;
    private long droppedThen = -1;
    private long unwarnedDrops;
    private long warnedAtNanos;
    private boolean warned;
    /** Whether the last reading held delivery (a share above {@link #RESUME_BELOW} then holds it still). */
    private boolean holding;
    /** Told what analysisd's event queue holds at each reading: a restart of analysisd loses it. */
    private final WazuhHeld held;

    AnalysisdStateGate(AlertSink sink, Path stateFile, LongConsumer dropped, WazuhHeld held, LongSupplier nanoClock,
                       LongSupplier wallMillis) {
        this.sink = sink;
        this.held = held;
        this.stateFile = new WazuhStateFile(stateFile, READER_THREAD);
        this.followed = new FollowedStateFile(this.stateFile, LINES, this::unreadable, this::read, nanoClock,
                wallMillis);
        this.dropped = dropped;
    }

    /**
     * {@code sink} behind a gate when {@code wazuh} is a manager's ({@code <home>/queue/sockets/queue}, its ossec.conf
     * readable and without a {@code <client>} block), else {@code sink} itself. One line says it; a WARN when the state
     * cannot be read now (it is followed once it can). An ossec.conf that could not be read or parsed: no gate, said by
     * {@link AgentStateGate} (whether it is a manager's cannot be told).
     *
     * @param dropped takes each count of events analysisd newly reports dropped
     */
    static AlertSink around(AlertSink sink, WazuhInstallation wazuh, LongConsumer dropped, LongSupplier nanoClock,
                            LongSupplier wallMillis) {
        return around(sink, wazuh, dropped, new WazuhHeld(), nanoClock, wallMillis);
    }

    /** @param held told what analysisd's event queue holds at each reading (and its size), for a restart's resend */
    static AlertSink around(AlertSink sink, WazuhInstallation wazuh, LongConsumer dropped, WazuhHeld held,
                            LongSupplier nanoClock, LongSupplier wallMillis) {
        if (wazuh.kind() != WazuhInstallation.Kind.MANAGER) {
            // No installation, a container given only the sockets directory (paced as an agent), an ossec.conf not
            // read (AgentStateGate.around says it, once), or an agent (AgentStateGate)
            return sink;
        }
        Path state = wazuh.home().resolve(STATE_FILE);
        AnalysisdStateGate gate = new AnalysisdStateGate(sink, state, dropped, held, nanoClock, wallMillis);
        log.info("delivery follows wazuh-analysisd's state ({}): it waits while analysisd's event queue is half full "
                + "or more (analysisd drops each event that finds it full), and says what analysisd drops", state);
        try {
            gate.stateFile.modifiedMillis();
        } catch (IOException e) {
            gate.unreadable(e);
            gate.followed.saidUnreadable();
        }
        return gate;
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
        followed.admit();
        sink.send(datagram);
    }

    /** What a reading makes: the refusal, what analysisd dropped counted, and said. */
    private Refusal read(WazuhStateFile.Reading state, long nowNanos) {
        double share = state == null ? Double.NaN : state.share("event_queue_usage");
        Refusal refusal = refusal(state, share);
        holding = refusal != null;
        queued(state, share, nowNanos);
        count(state);
        warnDrops(nowNanos);
        return refusal;
    }

    private void unreadable(IOException e) {
        String what;
        if (e instanceof NoSuchFileException || SocketPath.of(stateFile.path()) == SocketPath.MISSING) {
            what = "no file holds wazuh-analysisd's state (" + stateFile.path() + ")";
        } else if (e instanceof WazuhStateFile.NotRegularFile) {
            what = e.getMessage() + ": wazuh-analysisd's state is not read from it";
        } else if (e instanceof AccessDeniedException) {
            what = "cannot read wazuh-analysisd's state (" + stateFile.path()
                    + "): give this process read access to it";
        } else {
            what = "cannot read wazuh-analysisd's state (" + stateFile.path() + "): " + e.getMessage();
        }
        log.warn("{}; until it can be read, delivery does not wait for analysisd's event queue, which drops what it "
                + "cannot hold, and what analysisd drops is not counted (analysisd writes it unless its "
                + "analysisd.state_interval is 0; in a container, mount its directory)", what);
    }

    /** @param share the event queue's usage the state says (NaN: none) */
    private Refusal refusal(WazuhStateFile.Reading state, double share) {
        if (!(share >= (holding ? RESUME_BELOW : FULL_FROM))) {
            return null;
        }
        String size = state.values().get("event_queue_size");
        return new Refusal(Refusal.Hold.ANALYSISD_QUEUE_FILLING, "wazuh-analysisd's event queue is "
                + Math.round(share * 100) + " % full (" + stateFile.path() + (size == null ? "" : ", of " + size
                + " events") + "): it drops every event that finds it full");
    }

    /** Tells {@link #held} what analysisd's event queue holds: its usage of its size. */
    private void queued(WazuhStateFile.Reading state, double share, long nowNanos) {
        int size = state == null ? -1 : state.count("event_queue_size");
        if (size > 0 && !Double.isNaN(share)) {
            held.capacity(size);
            held.read((int) Math.round(share * size), nowNanos);
        }
    }

    /**
     * Counts what analysisd dropped since the write last counted: in a count since analysisd's start, the first write
     * read is only a baseline; in an older file's count of its interval alone, every write read is new drops.
     */
    private void count(WazuhStateFile.Reading state) {
        if (state == null || (droppedThen >= 0 && state.modifiedMillis() == countedWrite)) {
            return; // nothing said, or the same write as before
        }
        Map<String, String> values = state.values();
        long total;
        try {
            total = Long.parseLong(values.getOrDefault("events_dropped", "").strip());
        } catch (NumberFormatException e) {
            return;
        }
        // Older files (with *_edps rates) zero their counts after each write; later ones count from the start.
        boolean perInterval = values.keySet().stream().anyMatch(k -> k.endsWith("_edps"));
        long since = perInterval ? total : droppedThen < 0 ? 0 : total < droppedThen ? total : total - droppedThen;
        droppedThen = total;
        countedWrite = state.modifiedMillis();
        if (since > 0) {
            dropped.accept(since);
            unwarnedDrops += since;
        }
    }

    /** What analysisd dropped and no WARN said yet, said: at once the first time, then at most once a minute. */
    private void warnDrops(long now) {
        if (unwarnedDrops > 0 && (!warned || now - warnedAtNanos >= WARN_EVERY_NANOS)) {
            log.warn("wazuh-analysisd dropped {} events{} (events_dropped in {}): its input queues were full. "
                    + "Whatever source they came from is lost, alerts this forwarder sent and committed possibly "
                    + "among them; delivery waits while its event queue is half full, and --eps paces it below that",
                    unwarnedDrops, warned ? " in the last minute or so" : "", stateFile.path());
            warned = true;
            warnedAtNanos = now;
            unwarnedDrops = 0;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            sink.close();
        } finally {
            stateFile.close();
        }
    }
}
