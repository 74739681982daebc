package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Whether the queue socket is an agent's or a manager's is decided once, at start, from one reading of ossec.conf:
 * the pace and the gate come from that one decision. When each read the file on its own, one changed between the
 * reads (the options are read before the dead-letter topic's check, which waits for Kafka; the gates were made after
 * it) could pace as an agent a queue the gates then took for a manager's, or the other way round.
 */
class WazuhInstallationTest {
    private static final String AGENT = "<ossec_config>\n  <client><server><address>10.0.0.1</address></server>"
            + "</client>\n</ossec_config>\n";
    private static final String MANAGER = "<ossec_config>\n  <global><jsonout_output>yes</jsonout_output></global>\n"
            + "</ossec_config>\n";

    @TempDir
    Path home;
    @RegisterExtension
    final LogLines logged = LogLines.of(AgentStateGate.class, AnalysisdStateGate.class);

    @BeforeEach
    void install() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("queue/sockets"));
        Files.createDirectories(home.resolve("var/run"));
    }

    /** The forwarder's start: the settings read the installation, the forwarder is built later from them. */
    @Test
    void anOssecConfChangedAfterTheOptionsWereReadChangesNothingAtStart() throws Exception {
        ossecConf(AGENT);
        ForwarderSettings agent = ForwarderRun.settings("--bootstrap-servers", "127.0.0.1:1", "--wazuh-queue",
                queue());
        ossecConf(MANAGER);
        try (Forwarder forwarder = new Forwarder(agent)) {
            assertThat(forwarder.settings().eps()).isEqualTo(450);
        }
        assertThat(started()).as("paced as an agent, gated as one").singleElement().satisfies(line ->
                assertThat(line).startsWith("delivery follows the Wazuh agent's state"));

        logged.clear();
        ForwarderSettings manager = ForwarderRun.settings("--bootstrap-servers", "127.0.0.1:1", "--wazuh-queue",
                queue());
        ossecConf(AGENT);
        try (Forwarder forwarder = new Forwarder(manager)) {
            assertThat(forwarder.settings().eps()).isEqualTo(1000);
        }
        assertThat(started()).as("paced as a manager, gated as one").singleElement().satisfies(line ->
                assertThat(line).startsWith("delivery follows wazuh-analysisd's state"));
    }

    /**
     * One reading, one decision: the pace and the gate come from the same kind, whatever the file says after the
     * reading (here the other kind's).
     */
    @Test
    void thePaceAndTheGateAreDecidedFromOneReading() throws Exception {
        ossecConf(AGENT);
        WazuhInstallation agent = WazuhInstallationReader.read(queue());
        ossecConf(MANAGER);
        assertThat(agent.kind()).isEqualTo(WazuhInstallation.Kind.AGENT);
        assertThat(Pacing.auto(agent, false).reason()).contains("90 % of the agent's");
        assertThat(gates(agent)).containsExactly(AgentStateGate.class);

        WazuhInstallation manager = WazuhInstallationReader.read(queue());
        ossecConf(AGENT);
        assertThat(manager.kind()).isEqualTo(WazuhInstallation.Kind.MANAGER);
        assertThat(Pacing.auto(manager, false).reason()).contains("is a manager's");
        assertThat(gates(manager)).containsExactly(AnalysisdStateGate.class);
    }

    /** --agent-map and --agent-keys, which only a manager's queue honours, go by the same reading. */
    @Test
    void attributionIsRefusedOnAnAgentsQueueByTheSameReading() throws Exception {
        Path keys = Files.writeString(home.resolve("client.keys"), "001 web-1 any 0123456789abcdef\n");
        ossecConf(AGENT);
        ForwarderCommand command = new ForwarderCommand();
        new CommandLine(command).parseArgs("--agent-keys", keys.toString(), "--wazuh-queue", queue());
        ForwarderSettings settings = command.settings();
        ossecConf(MANAGER);
        assertThatThrownBy(() -> command.owners(settings.wazuh(), 0)).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("is an agent's");
    }

    /** Every kind the reading can tell: the pace it makes, and at most one gate, the one for that kind. */
    @Test
    void eachKindHasItsPaceAndAtMostOneGate() throws Exception {
        assertThat(WazuhInstallationReader.read("-").kind()).isEqualTo(WazuhInstallation.Kind.STANDARD_OUTPUT);
        assertThat(Pacing.auto(WazuhInstallationReader.read("-"), false).eps()).isZero();
        assertThat(gates(WazuhInstallationReader.read("-"))).isEmpty();

        WazuhInstallation elsewhere = WazuhInstallationReader.read(home.resolve("wazuh.sock").toString());
        assertThat(elsewhere.kind()).isEqualTo(WazuhInstallation.Kind.NONE);
        assertThat(Pacing.auto(elsewhere, false).eps()).isZero();
        assertThat(gates(elsewhere)).isEmpty();

        WazuhInstallation noConf = WazuhInstallationReader.read(queue());
        assertThat(noConf.kind()).isEqualTo(WazuhInstallation.Kind.NO_CONF);
        assertThat(Pacing.auto(noConf, false).assumption()).as("paced as an agent of Wazuh's default").isNotNull();
        assertThat(gates(noConf)).isEmpty();

        ossecConf("<ossec_config>\n  <client>\n</ossec_config>\n");
        WazuhInstallation malformed = WazuhInstallationReader.read(queue());
        assertThat(malformed.kind()).isEqualTo(WazuhInstallation.Kind.MALFORMED);
        assertThat(malformed.problem()).startsWith("malformed ossec.conf " + home.resolve("etc/ossec.conf"));
        assertThatThrownBy(() -> Pacing.auto(malformed, false)).isInstanceOf(ConfigurationError.class)
                .hasMessage(malformed.problem());
        assertThat(gates(malformed)).as("a WARN, no gate").isEmpty();
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).startsWith(malformed.problem()));
    }

    /** The classes of the gates put in front of a sink for {@code wazuh}, outermost first. */
    private List<Class<?>> gates(WazuhInstallation wazuh) throws IOException {
        AlertSink bare = new AlertSink() {
            @Override
            public void send(byte[] datagram) {
            }

            @Override
            public void close() {
            }
        };
        AlertSink agent = AgentStateGate.around(bare, wazuh, () -> 0, () -> 0);
        AlertSink both = AnalysisdStateGate.around(agent, wazuh, n -> { }, () -> 0, () -> 0);
        List<Class<?>> gates = new ArrayList<>();
        if (both != agent) {
            gates.add(both.getClass());
        }
        if (agent != bare) {
            gates.add(agent.getClass());
        }
        both.close();
        return gates;
    }

    private List<String> started() {
        return logged.messages(Level.INFO);
    }

    private void ossecConf(String text) throws IOException {
        Files.writeString(home.resolve("etc/ossec.conf"), text);
    }

    private String queue() {
        return home.resolve("queue/sockets/queue").toString();
    }
}
