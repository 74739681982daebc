package io.dwb.forwarder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * On a Wazuh agent, holds delivery while wazuh-agentd's anti-flooding buffer ({@code <client_buffer>}, {@code
 * queue_size} 5,000 by default) is filling or agentd is not connected to its manager. agentd moves each datagram of the
 * queue socket into that buffer and drops it when the buffer is full, after the forwarder committed it; the buffer
 * fills when the manager takes events more slowly than they come (its dispatcher waits on a slow or lost connection
 * until agentd notices) and with the agent's other modules' events. agentd writes its state ({@code
 * <home>/var/run/wazuh-agentd.state}: {@code status}, {@code msg_buffer}) every {@code agent.state_interval} (5 s by
 * default); it is read again at most once a second, and delivery waits (a refusal, a {@link Refusal.Hold}: the delivery
 * loop's pause, records staying in Kafka, uncommitted; no failed send) while the status is not {@code connected} or the
 * buffer holds half its {@code queue_size} or more. A state file missing, unreadable or not written for {@link
 * FollowedStateFile#STALE_AFTER_MILLIS} (agentd stopped, or a longer state interval) says nothing: delivery goes on as
 * without the gate ({@link FollowedStateFile}). Not thread-safe: one writer sends; the clocks are passed in.
 */
final class AgentStateGate implements AlertSink {
    static final String STATE_FILE = "var/run/wazuh-agentd.state";
    /** wazuh-agentd's {@code <client_buffer><queue_size>} when ossec.conf does not set it. */
    static final int DEFAULT_QUEUE_SIZE = 5000;
    static final String READER_THREAD = "agent-state-reader";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AgentStateGate.class);
    private static final FollowedStateFile.Lines LINES = new FollowedStateFile.Lines(log, "the Wazuh agent's state",
            "agentd", "agent");

    private final AlertSink sink;
    private final Path stateFile;
    /** The buffer's capacity in events; 0 when it is disabled (only the status gates then). */
    private final int queueSize;
    /** Buffered events from which delivery waits: half the buffer, at least one. */
    private final int fullFrom;
    /**
     * Reads it safely. Its directory ({@code var/run}) is the wazuh group's: anything they put there is not a state
     * file. Only a regular file is read, never through a link (the wodle runs the forwarder as root: a link to a device
     * opened it as root), and a FIFO renamed there between the look and the open does not hold delivery.
     */
    private final WazuhStateFile stateReader;
    private final FollowedStateFile followed;
    /** Told what agentd's buffer holds at each reading: a restart of agentd loses it. */
    private final WazuhHeld held;

    AgentStateGate(AlertSink sink, Path stateFile, int queueSize, WazuhHeld held, LongSupplier nanoClock,
                   LongSupplier wallMillis) {
        this.sink = sink;
        this.held = held;
        held.capacity(queueSize);
        this.stateFile = stateFile;
        this.stateReader = new WazuhStateFile(stateFile, READER_THREAD);
        this.queueSize = queueSize;
        this.fullFrom = queueSize == 0 ? Integer.MAX_VALUE : Math.max(1, (queueSize + 1) / 2);
        this.followed = new FollowedStateFile(stateReader, LINES, e -> unreadable(), this::refusal, nanoClock,
                wallMillis);
    }

    /**
     * {@code sink} behind a gate when {@code wazuh} is an agent's ({@code <home>/queue/sockets/queue}, its ossec.conf
     * with a {@code <client>} block; its buffer on or off), else {@code sink} itself. One line says it, for
     * an agent; a WARN when the state cannot be read now (it is followed once it can). An ossec.conf that could not be
     * read or parsed is a WARN and no gate, not a stop: with {@code --eps} given nothing else reads it.
     */
    static AlertSink around(AlertSink sink, WazuhInstallation wazuh, LongSupplier nanoClock, LongSupplier wallMillis) {
        return around(sink, wazuh, new WazuhHeld(), nanoClock, wallMillis);
    }

    /** @param held told what agentd's buffer holds at each reading (and its size), for a restart's resend */
    static AlertSink around(AlertSink sink, WazuhInstallation wazuh, WazuhHeld held, LongSupplier nanoClock,
                            LongSupplier wallMillis) {
        return switch (wazuh.kind()) {
            // No installation, a container given only the sockets directory, or a manager (analysisd reads the queue)
            case STANDARD_OUTPUT, NONE, NO_CONF, MANAGER -> sink;
            case UNREADABLE, MALFORMED -> unread(sink, wazuh);
            case AGENT -> agent(sink, wazuh, held, nanoClock, wallMillis);
        };
    }

    private static AlertSink unread(AlertSink sink, WazuhInstallation wazuh) {
        // Malformed: only with --eps given, as --eps auto stopped on the same reading. Not readable: --eps auto paced
        // at Wazuh's default with a WARN of its own. Nothing else needs the file, and a stop (exit 2) is one the units
        // do not restart from: the agent's buffer is then not watched.
        log.warn("{}: delivery does not follow the Wazuh agent's state (it would wait while the agent's buffer "
                + "is filling or it is not connected to its manager) until the forwarder starts with a file it "
                + "can read", wazuh.problem());
        return sink;
    }

    private static AlertSink agent(AlertSink sink, WazuhInstallation wazuh, WazuhHeld held, LongSupplier nanoClock,
                                   LongSupplier wallMillis) {
        AgentBuffer agent = wazuh.agent(); // ossec.conf's, and a centrally managed agent's agent.conf
        if (agent.warning() != null) {
            log.warn("{}", agent.warning());
        }
        ClientBuffer buffer = agent.buffer();
        Path state = wazuh.home().resolve(STATE_FILE);
        // Without its buffer, agentd sends each alert at once and drops it while not connected: the status still says.
        AgentStateGate gate = new AgentStateGate(sink, state, buffer.off() ? 0 : queueSize(buffer), held, nanoClock,
                wallMillis);
        log.info("delivery follows the Wazuh agent's state ({}): it waits while the agent is not connected to its "
                + "manager{}{}", state, buffer.off() ? " (its <client_buffer> is disabled: agentd drops what it "
                + "cannot send at once)" : " or its buffer holds " + gate.fullFrom + " of its " + gate.queueSize
                + " events or more", agent.from().isEmpty() ? "" : " (" + agent.from() + ")");
        if (!Files.isReadable(state)) {
            gate.unreadable();
            gate.followed.saidUnreadable();
        }
        return gate;
    }

    private static int queueSize(ClientBuffer buffer) {
        String given = buffer.queueSize();
        try {
            int size = given == null ? DEFAULT_QUEUE_SIZE : Integer.parseInt(given.strip());
            return size > 0 ? size : DEFAULT_QUEUE_SIZE;
        } catch (NumberFormatException e) {
            return DEFAULT_QUEUE_SIZE; // agentd refuses to start with it: the socket will say so
        }
    }

    /** Whether it waits while the agent's buffer fills too (the buffer on), not only while it is not connected. */
    boolean watchesBuffer() {
        return queueSize > 0;
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
        followed.admit();
        sink.send(datagram);
    }

    private void unreadable() {
        // Something other than a regular file (a link, a FIFO: not agentd's) is not read at all.
        boolean other = Files.exists(stateFile, LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(stateFile, LinkOption.NOFOLLOW_LINKS);
        boolean missing = !other && SocketPath.of(stateFile) == SocketPath.MISSING; // not when a dir is not searchable
        log.warn("{} the Wazuh agent's state ({}): until it can be read, delivery does not wait for an agent {}; {}",
                missing ? "no file holds" : "cannot read", stateFile, queueSize == 0 ? "that is not connected, which "
                + "drops what it cannot send (its buffer is disabled)" : "whose buffer is full, which drops what it "
                + "cannot hold", other ? "it is not a regular file (a link, a FIFO: agentd writes a regular file), "
                + "which is never read: remove it" : missing ? "agentd writes it unless its agent.state_interval is 0 "
                + "(in a container, mount its directory)" : "give this process read access to it (in a container, "
                + "mount its directory)");
    }

    private Refusal refusal(WazuhStateFile.Reading reading, long nowNanos) {
        if (reading == null) {
            return null;
        }
        int buffered = reading.count("msg_buffer"); // none when the agent's buffer is disabled
        held.read(buffered, nowNanos);
        String status = reading.values().get("status");
        if (status != null && !status.equals("connected")) {
            return new Refusal(Refusal.Hold.AGENT_NOT_CONNECTED, "the Wazuh agent is not connected to its manager "
                    + "(status '" + status + "' in " + stateFile + "): " + (queueSize == 0 ? "its <client_buffer> is "
                    + "disabled: it would drop each alert" : "it would hold alerts only until its buffer of "
                    + queueSize + " is full, then drop them"));
        }
        if (buffered >= fullFrom) {
            return new Refusal(Refusal.Hold.AGENT_BUFFER_FILLING, "the Wazuh agent's buffer holds " + buffered
                    + " of its " + queueSize + " events (" + stateFile + "): its manager is not taking them as fast "
                    + "as they come");
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        try {
            sink.close();
        } finally {
            stateReader.close();
        }
    }
}
