package io.dwb.forwarder;

import io.dwb.runtime.OssecConf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.w3c.dom.Element;

/**
 * On a Wazuh agent, holds delivery while wazuh-agentd cannot pass events on to its manager. Its anti-flooding buffer
 * ({@code <client_buffer>}, {@code queue_size} 5,000 by default) keeps taking datagrams from the queue socket while
 * the agent is cut off from its manager (its dispatcher waits for the connection), and drops each one past {@code
 * queue_size}: the forwarder sent and committed alerts the agent then dropped, as the stock wodle did. agentd writes
 * its state ({@code <home>/var/run/wazuh-agentd.state}: {@code status}, {@code msg_buffer}) every {@code
 * agent.state_interval} (5 s by default); it is read again at most once a second, and delivery waits (a refusal of
 * the socket, so the delivery loop's pause: records stay in Kafka, uncommitted) while the status is not {@code
 * connected} or the buffer holds half its {@code queue_size} or more. Not thread-safe: one writer sends.
 */
final class AgentStateGate implements AlertSink {
    static final String STATE_FILE = "var/run/wazuh-agentd.state";
    /** wazuh-agentd's {@code <client_buffer><queue_size>} when ossec.conf does not set it. */
    static final int DEFAULT_QUEUE_SIZE = 5000;
    private static final long READ_EVERY_NANOS = 1_000_000_000L;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AgentStateGate.class);

    private final AlertSink sink;
    private final Path stateFile;
    private final int queueSize;
    private final LongSupplier nanoClock;
    private boolean read;
    private long readAtNanos;
    /** Why delivery waits, as last read; null when the agent takes events. */
    private String refusal;

    AgentStateGate(AlertSink sink, Path stateFile, int queueSize, LongSupplier nanoClock) {
        this.sink = sink;
        this.stateFile = stateFile;
        this.queueSize = queueSize;
        this.nanoClock = nanoClock;
    }

    /**
     * {@code sink} behind a gate when {@code wazuhQueue} is an agent's ({@code <home>/queue/sockets/queue}, its
     * ossec.conf with a {@code <client>} block and an anti-flooding buffer), else {@code sink} itself. One line says
     * which, for an agent.
     */
    static AlertSink around(AlertSink sink, String wazuhQueue, LongSupplier nanoClock) {
        Path conf = "-".equals(wazuhQueue) ? null : Pacing.ossecConf(wazuhQueue);
        if (conf == null || !Files.isRegularFile(conf) || !Files.isReadable(conf)) {
            return sink;
        }
        OssecConf ossec = OssecConf.read(conf);
        Element buffer = ossec.last("client_buffer");
        String disabled = buffer == null ? null : OssecConf.child(buffer, "disabled");
        if (ossec.last("client") == null || disabled != null && disabled.strip().equalsIgnoreCase("yes")) {
            return sink; // a manager (analysisd reads the queue), or an agent that forwards at once
        }
        Path state = conf.getParent().getParent().resolve(STATE_FILE);
        if (!Files.isReadable(state)) {
            boolean missing = SocketPath.of(state) == SocketPath.MISSING; // not when a directory is not searchable
            log.warn("{} the Wazuh agent's state ({}): if the agent loses its manager, delivery goes on and the agent "
                    + "drops what its buffer cannot hold; {}", missing ? "no file holds" : "cannot read", state,
                    missing ? "agentd writes it unless its agent.state_interval is 0 (in a container, mount its "
                    + "directory)" : "give this process read access to it (in a container, mount its directory)");
            return sink;
        }
        int queueSize = queueSize(buffer);
        log.info("delivery follows the Wazuh agent's state ({}): it waits while the agent is not connected to its "
                + "manager or its buffer holds {} of its {} events or more", state, queueSize / 2, queueSize);
        return new AgentStateGate(sink, state, queueSize, nanoClock);
    }

    private static int queueSize(Element buffer) {
        String given = buffer == null ? null : OssecConf.child(buffer, "queue_size");
        try {
            int size = given == null ? DEFAULT_QUEUE_SIZE : Integer.parseInt(given.strip());
            return size > 0 ? size : DEFAULT_QUEUE_SIZE;
        } catch (NumberFormatException e) {
            return DEFAULT_QUEUE_SIZE; // agentd refuses to start with it: the socket will say so
        }
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
        long now = nanoClock.getAsLong();
        if (!read || now - readAtNanos >= READ_EVERY_NANOS) {
            refusal = refusal(readState());
            readAtNanos = now;
            read = true;
        }
        if (refusal != null) {
            throw new SinkUnavailableException(refusal);
        }
        sink.send(datagram);
    }

    /** Its {@code key='value'} lines; empty when it cannot be read (agentd restarting: the socket tells the rest). */
    private Map<String, String> readState() {
        Map<String, String> values = new HashMap<>();
        try {
            for (String line : Files.readAllLines(stateFile, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0 && line.length() >= eq + 3 && line.charAt(eq + 1) == '\'' && line.endsWith("'")) {
                    values.put(line.substring(0, eq).strip(), line.substring(eq + 2, line.length() - 1));
                }
            }
        } catch (IOException e) {
            log.debug("cannot read {}: {}", stateFile, e.toString());
        }
        return values;
    }

    private String refusal(Map<String, String> state) {
        String status = state.get("status");
        if (status != null && !status.equals("connected")) {
            return "the Wazuh agent is not connected to its manager (status '" + status + "' in " + stateFile
                    + "): it would hold alerts only until its buffer of " + queueSize + " is full, then drop them";
        }
        String buffered = state.get("msg_buffer"); // empty when the agent's buffer is disabled
        if (buffered != null && !buffered.isEmpty()) {
            try {
                int held = Integer.parseInt(buffered);
                if (held >= queueSize / 2) {
                    return "the Wazuh agent's buffer holds " + held + " of its " + queueSize + " events (" + stateFile
                            + "): its manager is not taking them as fast as they come";
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        sink.close();
    }
}
