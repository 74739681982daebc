package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Wazuh agent cut off from its manager keeps taking datagrams into its buffer and drops each one past its
 * queue_size: delivery waits, by agentd's own state file, while the agent is not connected or its buffer is half full.
 */
class AgentStateGateTest {
    private static final String AGENT = "<ossec_config>\n  <client>\n    <server><address>10.0.0.1</address></server>\n"
            + "  </client>\n%s</ossec_config>\n";

    @TempDir
    Path home;
    private final List<String> sent = new ArrayList<>();
    private final AlertSink recording = new AlertSink() {
        @Override
        public void send(byte[] datagram) {
            sent.add(new String(datagram, StandardCharsets.UTF_8));
        }

        @Override
        public void close() {
        }
    };
    private long now;
    private final Fifos fifos = new Fifos();
    @RegisterExtension
    final LogLines logged = LogLines.of(AgentStateGate.class);

    @BeforeEach
    void install() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("queue/sockets"));
        Files.createDirectories(home.resolve("var/run"));
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted(""));
    }

    @Test
    void anAgentNotConnectedToItsManagerHoldsDeliveryUntilItIs() throws Exception {
        state("disconnected", "12");
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).isInstanceOf(AlertSink.SinkUnavailableException.class)
                .hasMessage("the Wazuh agent is not connected to its manager (status 'disconnected' in "
                        + home.resolve(AgentStateGate.STATE_FILE) + "): it would hold alerts only until its buffer "
                        + "of 5000 is full, then drop them");
        state("connected", "0");
        now += 1_000_000_000L;
        gate.send(bytes("a"));
        assertThat(sent).containsExactly("a");
        state("pending", "0"); // connecting again: its dispatcher waits meanwhile
        now += 1_000_000_000L;
        assertThatThrownBy(() -> gate.send(bytes("b"))).hasMessageContaining("status 'pending'");
    }

    @Test
    void anAgentWhoseBufferIsHalfFullHoldsDelivery() throws Exception {
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted(
                "  <client_buffer><queue_size>1000</queue_size></client_buffer>\n"));
        state("connected", "500");
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).isInstanceOf(AlertSink.SinkUnavailableException.class)
                .hasMessage("the Wazuh agent's buffer holds 500 of its 1000 events ("
                        + home.resolve(AgentStateGate.STATE_FILE) + "): its manager is not taking them as fast as "
                        + "they come");
        state("connected", "499");
        now += 1_000_000_000L;
        gate.send(bytes("a"));
        state("connected", ""); // the buffer disabled since: nothing to go by but the status
        now += 1_000_000_000L;
        gate.send(bytes("b"));
        assertThat(sent).containsExactly("a", "b");
    }

    @Test
    void aManagerIsNotGated() throws Exception {
        state("disconnected", "0");
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><remote><connection>secure</connection>"
                + "</remote></ossec_config>");
        assertThat(AgentStateGate.around(recording, installation(), () -> now, System::currentTimeMillis))
                .as("a manager").isSameAs(recording);
        assertThat(AgentStateGate.around(recording, WazuhInstallationReader.read("-"), () -> now,
                System::currentTimeMillis)).isSameAs(recording);
    }

    /**
     * An agent whose buffer is disabled sends each alert to its manager at once and drops what it cannot send: not
     * connected, it is waited for. It was not gated at all, and every alert sent during a manager's outage was lost.
     */
    @Test
    void anAgentWithoutItsBufferIsWaitedForWhileNotConnectedAndNeverForItsBuffer() throws Exception {
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted(
                "  <client_buffer><disabled>yes</disabled></client_buffer>\n"));
        state("disconnected", "");
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).isInstanceOf(AlertSink.SinkUnavailableException.class)
                .hasMessage("the Wazuh agent is not connected to its manager (status 'disconnected' in "
                        + home.resolve(AgentStateGate.STATE_FILE) + "): its <client_buffer> is disabled: it would "
                        + "drop each alert");
        assertThat(logged.messages()).anySatisfy(l -> assertThat(l).contains("it waits while the agent is not "
                + "connected to its manager (its <client_buffer> is disabled: agentd drops what it cannot send at "
                + "once)"));
        state("connected", "4999");
        now += 1_000_000_000L;
        gate.send(bytes("a"));
        assertThat(sent).containsExactly("a");
    }

    /**
     * A state file missing at start (a fresh agent, the forwarder started first) is followed once agentd writes it:
     * the gate was decided once, at start, and stayed off until a restart.
     */
    @Test
    void aStateFileWrittenAfterTheStartIsFollowedFromThen() throws Exception {
        AlertSink gate = gate();
        gate.send(bytes("a"));
        state("disconnected", "0");
        now += 1_000_000_000L;
        assertThatThrownBy(() -> gate.send(bytes("b"))).hasMessageContaining("status 'disconnected'");
        assertThat(sent).containsExactly("a");
    }

    /** Wazuh takes a queue_size from 1: half of it, rounded down, was 0, and an empty buffer held delivery for ever. */
    @Test
    void aBufferOfOneHoldsDeliveryOnlyWhenItHoldsAnEvent() throws Exception {
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted(
                "  <client_buffer><queue_size>1</queue_size></client_buffer>\n"));
        state("connected", "0");
        AlertSink gate = gate();
        gate.send(bytes("a"));
        state("connected", "1");
        now += 1_000_000_000L;
        assertThatThrownBy(() -> gate.send(bytes("b"))).hasMessageContaining("holds 1 of its 1 events");
    }

    /**
     * wazuh-agentd reads every {@code <client_buffer>} block, each setting only what it names: a queue_size in an
     * earlier block than the last one is the buffer's size (the gate took the last block whole, and 5,000).
     */
    @Test
    void aQueueSizeInAnEarlierClientBufferBlockIsTheBuffersSize() throws Exception {
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted(
                "  <client_buffer><queue_size>1000</queue_size></client_buffer>\n")
                + "<ossec_config>\n  <client_buffer><events_per_second>100</events_per_second></client_buffer>\n"
                + "</ossec_config>\n");
        state("connected", "500");
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).hasMessageContaining("holds 500 of its 1000 events");
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted(
                "  <client_buffer><disabled>yes</disabled></client_buffer>\n"
                + "  <client_buffer><queue_size>1000</queue_size></client_buffer>\n"));
        assertThat(gateOf(installation()).watchesBuffer())
                .as("disabled in an earlier block, not enabled again: events forwarded at once").isFalse();
    }

    /**
     * A centrally managed agent's buffer is the size its group's agent.conf says (agentd reads it after ossec.conf):
     * the gate waited at half of ossec.conf's 5,000 while agentd dropped past 1,000.
     */
    @Test
    void aGroupsAgentConfSetsTheBuffersSize() throws Exception {
        Files.createDirectories(home.resolve("etc/shared"));
        Files.writeString(home.resolve("etc/shared/agent.conf"), "<agent_config name=\"web-01\">\n"
                + "  <client_buffer><disabled>no</disabled><queue_size>1000</queue_size></client_buffer>\n"
                + "</agent_config>\n");
        state("connected", "500");
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).hasMessageContaining("holds 500 of its 1000 events");
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.INFO).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).contains(home.resolve("etc/shared/agent.conf").toString()));
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted(
                "  <client_buffer><disabled>yes</disabled></client_buffer>\n"));
        assertThat(gateOf(installation()).watchesBuffer())
                .as("disabled in ossec.conf, on again in a block that may be the agent's: its buffer watched")
                .isTrue();
        Files.writeString(home.resolve("etc/local_internal_options.conf"), "agent.remote_conf=0\n");
        assertThat(gateOf(installation()).watchesBuffer())
                .as("agent.remote_conf=0: agentd does not read agent.conf").isFalse();
    }

    /** An agent.conf that cannot be parsed: one WARN, and the gate as ossec.conf says. */
    @Test
    void anAgentConfThatCannotBeParsedIsAWarningAndIgnored() throws Exception {
        Files.createDirectories(home.resolve("etc/shared"));
        Files.writeString(home.resolve("etc/shared/agent.conf"), "<agent_config>\n  <client_buffer>\n");
        state("connected", "2500");
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).hasMessageContaining("holds 2500 of its 5000 events");
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).contains("malformed agent.conf "
                        + home.resolve("etc/shared/agent.conf")).contains("ignored"));
    }

    /** An ossec.conf agentd starts with (os_xml: '&' is text, "--" in a comment too) puts the gate on as any other. */
    @Test
    void anOssecConfWithAmpersandsAndDoubleDashCommentsIsAnAgentsAsWazuhReadsIt() throws Exception {
        Files.writeString(home.resolve("etc/ossec.conf"), AGENT.formatted("  <localfile>\n"
                + "    <log_format>full_command</log_format>\n"
                + "    <command>systemctl is-active docker && docker ps -q | wc -l</command>\n  </localfile>\n"
                + "  <!-- <localfile><command>docker ps --format '{{.Names}}'</command></localfile> -->\n"));
        state("disconnected", "0");
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).hasMessageContaining("status 'disconnected'");
    }

    /**
     * With {@code --eps} given nothing else needs ossec.conf: one the forwarder cannot read is a WARN and no gate, not
     * a stop (exit 2, which the units' RestartPreventExitStatus=2 kept down) while building the forwarder.
     */
    @Test
    void withEpsGivenAnOssecConfThatCannotBeReadLeavesTheGateOffWithAWarning() throws Exception {
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config>\n  <client>\n</ossec_config>\n");
        state("disconnected", "0");
        assertThat(AgentStateGate.around(recording, installation(), () -> now, System::currentTimeMillis))
                .isSameAs(recording);
        try (Forwarder forwarder = new Forwarder(ForwarderRun.settings("--bootstrap-servers", "127.0.0.1:1",
                "--wazuh-queue", queue(), "--eps", "400"))) {
            assertThat(forwarder).isNotNull();
        }
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(2).allSatisfy(e ->
                assertThat(e.getFormattedMessage()).startsWith("malformed ossec.conf "
                        + home.resolve("etc/ossec.conf") + ": line 3").contains("does not follow the Wazuh "
                        + "agent's state"));
    }

    /**
     * var/run is the wazuh group's, who may put anything there: a FIFO as the state file blocked delivery in its open
     * (until someone wrote to it), a link was followed, by root in the wodle, to whatever it named (a device: its open
     * can start it). Neither is opened: the state is unreadable (the WARN says what is there), delivery goes on.
     */
    @Test
    void aStateFileThatIsAFifoOrALinkIsNeverOpened() throws Exception {
        Path state = home.resolve(AgentStateGate.STATE_FILE);
        Path fifo = fifos.make(home.resolve("fifo"));
        Path elsewhere = Files.writeString(home.resolve("elsewhere"), "status='disconnected'\n");
        fifos.make(state);
        AlertSink bare = gate();
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> bare.send(bytes("a")), "a FIFO");
        Files.delete(state);
        Files.createSymbolicLink(state, fifo);
        AlertSink linkedToAFifo = gate();
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> linkedToAFifo.send(bytes("b")), "a link to a FIFO");
        Files.delete(state);
        Files.createSymbolicLink(state, elsewhere); // a file saying disconnected, as a device stands for
        AlertSink linked = gate();
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> linked.send(bytes("c")), "a link");
        assertThat(sent).containsExactly("a", "b", "c");
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(3).allSatisfy(e ->
                assertThat(e.getFormattedMessage()).isEqualTo("cannot read the Wazuh agent's state (" + state
                        + "): until it can be read, delivery does not wait for an agent whose buffer is full, "
                        + "which drops what it cannot hold; it is not a regular file (a link, a FIFO: agentd "
                        + "writes a regular file), which is never read: remove it"));
    }

    @AfterEach
    void releaseFifos() throws IOException {
        fifos.release();
    }

    /** Each reading tells what agentd's buffer holds, for a restart's resend (ResendWindow). */
    @Test
    void whatTheBufferHoldsIsToldForARestartsResend() throws Exception {
        WazuhHeld held = new WazuhHeld();
        state("connected", "300");
        AgentStateGate.around(recording, installation(), held, () -> now, System::currentTimeMillis)
                .send(bytes("a"));
        assertThat(held.capacity()).isEqualTo(AgentStateGate.DEFAULT_QUEUE_SIZE);
        assertThat(held.held()).isEqualTo(300);
    }

    private AgentStateGate gateOf(WazuhInstallation wazuh) {
        AlertSink gate = AgentStateGate.around(recording, wazuh, () -> now, System::currentTimeMillis);
        assertThat(gate).isInstanceOf(AgentStateGate.class);
        return (AgentStateGate) gate;
    }

    private AlertSink gate() {
        AlertSink gate = AgentStateGate.around(recording, installation(), () -> now, System::currentTimeMillis);
        assertThat(gate).isInstanceOf(AgentStateGate.class);
        return gate;
    }

    private String queue() {
        return home.resolve("queue/sockets/queue").toString();
    }

    /** The installation at {@code home}, read now. */
    private WazuhInstallation installation() {
        return WazuhInstallationReader.read(queue());
    }

    /** What wazuh-agentd writes (4.x), with the values that matter here. */
    private void state(String status, String buffered) throws IOException {
        Files.writeString(home.resolve(AgentStateGate.STATE_FILE), "# State file for wazuh-agentd\n\n"
                + "# Agent status:\n# - pending:      waiting for get connected.\n"
                + "# - connected:    connection established with manager in the last 30 minutes.\n"
                + "# - disconnected: connection lost or no ACK received in the last 30 minutes.\n"
                + "status='" + status + "'\n\n# Last time a keepalive was sent\n"
                + "last_keepalive='2026-12-05 01:00:00'\n\n"
                + "# Last time a control message was received\nlast_ack='2026-12-05 01:00:00'\n\n"
                + "# Number of generated events\nmsg_count='12579'\n\n"
                + "# Number of messages (events + control messages) sent to the manager\nmsg_sent='12928'\n\n"
                + "# Number of events currently buffered\n# Empty if anti-flooding mechanism is disabled\n"
                + "msg_buffer='" + buffered + "'\n");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
