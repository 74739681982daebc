package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code --eps auto} on directories laid out like a Wazuh agent's and a manager's: the agent's bucket drops what
 * exceeds its events_per_second after the forwarder committed it, so delivery to an agent is paced below it.
 */
class PacingDefaultTest {
    private static final String AGENT = "<ossec_config>\n  <client>\n    <server><address>10.0.0.1</address></server>\n"
            + "  </client>\n%s</ossec_config>\n<ossec_config>\n  <localfile><location>/var/log/x</location></localfile>\n"
            + "</ossec_config>\n";

    @TempDir
    Path home;

    @Test
    void anAgentIsPacedBelowItsOwnEventsPerSecond() throws IOException {
        String queue = install(AGENT.formatted("  <client_buffer>\n    <disabled>no</disabled>\n"
                + "    <queue_size>5000</queue_size>\n    <events_per_second>200</events_per_second>\n"
                + "  </client_buffer>\n"));
        Pacing auto = auto(queue);
        assertThat(auto.eps()).isEqualTo(180);
        assertThat(auto.reason()).contains("events_per_second> 200").contains(home.resolve("etc/ossec.conf")
                .toString());
        assertThat(settings(queue).eps()).as("--eps auto is the default").isEqualTo(180);
    }

    /**
     * A replay runs beside the live forwarder, which does not know of it: both at 90 % of the agent's rate, together
     * 180 %, overflowed the agent's bucket, which dropped what the two had already committed or passed.
     */
    @Test
    void aReplayBesideTheLiveForwarderTakesOnlyWhatTheLiveOneLeaves() throws IOException {
        String queue = install(AGENT.formatted(""));
        ForwarderSettings live = settings(queue);
        ForwarderSettings replay = replaySettings(queue);
        assertThat(live.eps() + replay.eps()).as("together, within the agent's 500 a second, some left for its "
                + "own modules").isEqualTo(475);
        assertThat(replay.eps()).isEqualTo(25);
        assertThat(replay.pacing().reason()).contains("a replay: the live forwarder keeps 90 %")
                .contains("give --eps");
        assertThat(replaySettings(queue, "--eps", "300").eps()).as("given, as given").isEqualTo(300);
    }

    @Test
    void anAgentWithoutClientBufferSettingsHasWazuhsDefault() throws IOException {
        String queue = install(AGENT.formatted(""));
        assertThat(auto(queue)).isEqualTo(new Pacing(450, auto(queue).reason()));
        assertThat(auto(queue).reason()).contains("500 (Wazuh's default)");
    }

    /**
     * wazuh-agentd reads every {@code <client_buffer>} block in file order (Read_ClientBuffer, once a block), each
     * setting only the fields it names: a later block that leaves events_per_second out keeps the earlier one's. Taking
     * the last block whole paced at 450/s an agent draining 100/s, which dropped the rest after it was committed.
     */
    @Test
    void clientBufferBlocksMergeFieldByFieldAsInWazuh() throws IOException {
        String queue = install(AGENT.formatted("  <client_buffer><events_per_second>100</events_per_second>"
                + "</client_buffer>\n  <client_buffer><events_per_second>1000</events_per_second></client_buffer>\n"));
        assertThat(auto(queue).eps()).as("a field given twice: the last value").isEqualTo(900);
        install(AGENT.formatted("  <client_buffer><events_per_second>100</events_per_second></client_buffer>\n")
                + "<ossec_config>\n  <client_buffer><queue_size>2000</queue_size></client_buffer>\n</ossec_config>\n");
        Pacing merged = auto(queue);
        assertThat(merged.eps()).as("90 % of the 100/s agentd drains at").isEqualTo(90);
        assertThat(merged.reason()).contains("events_per_second> 100 in");
        install(AGENT.formatted("  <client_buffer><disabled>yes</disabled></client_buffer>\n"
                + "  <client_buffer><events_per_second>100</events_per_second></client_buffer>\n"));
        assertThat(auto(queue).eps()).as("still disabled: the later block does not say otherwise")
                .isEqualTo(Pacing.MANAGER_EPS);
        install(AGENT.formatted("  <client_buffer><disable>yes</disable><length>900</length></client_buffer>\n"
                + "  <client_buffer><disabled>no</disabled></client_buffer>\n"));
        assertThat(auto(queue).eps()).as("<disable>, Wazuh's older name, is the same field").isEqualTo(450);
    }

    /**
     * wazuh-agentd starts with an ossec.conf whose command line holds "&&" or "2>&1" (os_xml has no entities), or
     * whose comment holds "--": the forwarder stopped on it, exit 2, and its unit kept it down.
     */
    @Test
    void anOssecConfWazuhAcceptsIsReadWithItsAmpersandsAndCommentedOutOptions() throws IOException {
        String queue = install(AGENT.formatted("  <localfile>\n    <log_format>full_command</log_format>\n"
                + "    <command>systemctl is-active docker && docker ps -q 2>&1 | wc -l</command>\n  </localfile>\n"
                + "  <!-- <localfile><command>docker ps --format '{{.Names}}'</command></localfile> -->\n"
                + "  <client_buffer><events_per_second>300</events_per_second></client_buffer>\n"));
        assertThat(auto(queue).eps()).isEqualTo(270);
    }

    /**
     * An agent whose {@code <client_buffer>} is disabled sends each alert to its manager at once, without congestion
     * control: paced as to a manager. It was unpaced: a backlog went at tens of thousands of alerts a second into the
     * manager's analysisd, whose full event queue drops every agent's events.
     */
    @Test
    void anAgentWithoutItsBufferIsPacedAsAManager() throws IOException {
        String queue = install(AGENT.formatted("  <client_buffer><disabled>yes</disabled></client_buffer>\n"));
        Pacing live = auto(queue);
        assertThat(live.eps()).isEqualTo(Pacing.MANAGER_EPS);
        assertThat(live.reason()).startsWith("at most 1000 alerts/s, as to a manager: the agent's <client_buffer> is "
                + "disabled in ").contains("without congestion control").contains("give --eps for more");
        Pacing replay = Pacing.auto(WazuhInstallationReader.read(queue), true);
        assertThat(replay.eps()).isEqualTo(Pacing.MANAGER_REPLAY_EPS);
        assertThat(replay.reason()).contains("(a replay: the live forwarder keeps 1000)");
    }

    @Test
    void standardOutputOrNoInstallationAreUnpaced() throws IOException {
        assertThat(auto("-").eps()).isZero();
        Pacing elsewhere = auto(home.resolve("wazuh.sock").toString());
        assertThat(elsewhere.eps()).isZero();
        assertThat(elsewhere.reason()).contains("give --eps");
    }

    /**
     * A manager's analysisd reads the socket without ever stopping and drops each event that finds its event queue
     * (16,384) full: unpaced, a backlog after an outage (tens of thousands of alerts/s) overflowed it within a second, after the
     * forwarder committed every alert. Paced so that the state gate, which sees the queue every 5 s, stops in time.
     */
    @Test
    void aManagerIsPacedSoThatAnalysisdsStateCanHoldDeliveryInTime() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><global><jsonout_output>yes"
                + "</jsonout_output></global><remote><connection>secure</connection></remote></ossec_config>");
        String queue = home.resolve("queue/sockets/queue").toString();
        Pacing manager = auto(queue);
        assertThat(manager.eps()).isEqualTo(1000);
        assertThat(manager.reason()).contains("manager's").contains("--eps 0: unpaced");
        assertThat(manager.assumption()).isNull();
        assertThat(settings(queue).eps()).as("--eps auto is the default").isEqualTo(1000);
        assertThat(replaySettings(queue).eps()).isEqualTo(250);
        assertThat((1000 + 250) * 6).as("6 s (a state interval and a read) "
                + "of both, were analysisd to take none, fit in the half of its queue the gate keeps free")
                .isLessThan(16_384 / 2);
        assertThat(settings(queue, "--eps", "0").eps()).as("as before, when asked").isZero();
    }

    /**
     * Wazuh 4.4's {@code <global><limits><eps>}: analysisd decodes at most {@code maximum} a second and holds the rest
     * in its event queue, dropping what finds it full: a manager is paced below it, as an agent below its bucket.
     */
    @Test
    void aManagersAnalysisdEpsLimitPacesBelowIt() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        String queue = home.resolve("queue/sockets/queue").toString();
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><global><limits><eps><maximum>500"
                + "</maximum><timeframe>10</timeframe></eps></limits></global></ossec_config>");
        Pacing limited = auto(queue);
        assertThat(limited.eps()).isEqualTo(450);
        assertThat(limited.reason()).contains("90 % of analysisd's <global><limits><eps><maximum> 500 in "
                + home.resolve("etc/ossec.conf"));
        assertThat(replaySettings(queue).eps()).isEqualTo(25);
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><global><limits><eps><maximum>50000"
                + "</maximum></eps></limits></global></ossec_config>");
        assertThat(auto(queue).eps()).as("a limit above the manager's pace").isEqualTo(1000);
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><global><limits><eps><maximum>100"
                + "</maximum></eps></limits></global></ossec_config>\n<ossec_config><global><limits><eps><timeframe>5"
                + "</timeframe></eps></limits></global></ossec_config>");
        assertThat(auto(queue).eps()).as("the last block has no maximum: analysisd's limit is disabled")
                .isEqualTo(1000);
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><global><limits><eps><maximum>0"
                + "</maximum></eps></limits></global></ossec_config>");
        assertThat(auto(queue).eps()).as("0: no limit").isEqualTo(1000);
    }

    /**
     * A queue socket laid out as Wazuh's without a readable ossec.conf is most likely an agent's (a container given
     * only the sockets directory): unpaced, a backlog after an outage overflowed its bucket, which dropped what the
     * forwarder had committed. Paced at Wazuh's default instead, with a WARN.
     */
    @Test
    void aWazuhQueueWithoutAReadableOssecConfIsPacedAtWazuhsDefaultWithAWarning() throws IOException {
        Files.createDirectories(home.resolve("queue/sockets"));
        String queue = home.resolve("queue/sockets/queue").toString();
        Pacing auto = auto(queue);
        assertThat(auto.eps()).isEqualTo(450);
        assertThat(auto.reason()).contains("90 % of Wazuh's default <client_buffer><events_per_second> 500")
                .contains("no readable " + home.resolve("etc/ossec.conf"));
        assertThat(auto.assumption()).as("said as a WARN when delivery starts")
                .contains("no readable " + home.resolve("etc/ossec.conf"))
                .contains("pacing at 90 % of Wazuh's default 500, 450 alerts/s").contains("give --eps");
        Files.createDirectories(home.resolve("etc/ossec.conf")); // not a file: what a bind mount of none makes
        assertThat(auto(queue).eps()).isEqualTo(450);
        assertThat(replaySettings(queue).eps()).as("a replay's share of it").isEqualTo(25);
        assertThat(settings(queue, "--eps", "0").pacing().assumption()).as("--eps, as given").isNull();
        assertThat(settings(queue, "--eps", "0").eps()).isZero();
        Files.delete(home.resolve("etc/ossec.conf"));
        install(AGENT.formatted(""));
        assertThat(auto(queue).assumption()).as("an agent's own settings: nothing assumed").isNull();
    }

    /** The assumption is said as a WARN when the forwarder is built to deliver, once. */
    @Test
    void theAssumedPaceIsAWarningWhenDeliveryStarts() throws Exception {
        Files.createDirectories(home.resolve("queue/sockets"));
        String queue = home.resolve("queue/sockets/queue").toString();
        try (LogLines logged = LogLines.of(Forwarder.class).attach();
             Forwarder forwarder = new Forwarder(ForwarderRun.settings("--bootstrap-servers", "127.0.0.1:1",
                     "--wazuh-queue", queue))) {
            assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith("no readable "
                            + home.resolve("etc/ossec.conf")).contains("450 alerts/s"));
        }
    }

    @Test
    void anExplicitEpsWinsAndABadOneIsNamed() throws IOException {
        String queue = install(AGENT.formatted(""));
        assertThat(settings(queue, "--eps", "50").eps()).isEqualTo(50);
        assertThat(settings(queue, "--eps", "0").eps()).isZero();
        assertThatThrownBy(() -> settings(queue, "--eps", "fast")).isInstanceOf(ConfigurationError.class)
                .hasMessage("--eps must be auto or a number >= 0, not 'fast'");
    }

    @Test
    void anUnusableAgentRateIsAConfigurationErrorNamingTheFile() throws IOException {
        String queue = install(AGENT.formatted("  <client_buffer><events_per_second>lots</events_per_second>"
                + "</client_buffer>\n"));
        assertThatThrownBy(() -> settings(queue)).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining(home.resolve("etc/ossec.conf") + ": <client_buffer><events_per_second> must "
                        + "be a number above 0, not 'lots'; or give --eps");
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><client>");
        assertThatThrownBy(() -> settings(queue)).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("malformed ossec.conf " + home.resolve("etc/ossec.conf"));
    }

    /**
     * A centrally managed agent: wazuh-agentd reads {@code <home>/etc/shared/agent.conf} after ossec.conf (its group's
     * configuration, when {@code agent.remote_conf} is on, the default). A group that lowers events_per_second to 100
     * made an agent that drains 100/s, while the forwarder paced at 450/s from ossec.conf's 500: agentd dropped the
     * rest after the forwarder committed it.
     */
    @Test
    void aCentrallyManagedAgentIsPacedBelowItsGroupsEventsPerSecond() throws IOException {
        String queue = install(AGENT.formatted("  <client_buffer><events_per_second>500</events_per_second>"
                + "</client_buffer>\n"));
        assertThat(auto(queue).eps()).as("ossec.conf alone").isEqualTo(450);
        Path agentConf = agentConf("<agent_config>\n  <client_buffer>\n    <events_per_second>100"
                + "</events_per_second>\n  </client_buffer>\n</agent_config>\n");
        Pacing central = auto(queue);
        assertThat(central.eps()).as("90 % of the 100/s agentd drains at").isEqualTo(90);
        assertThat(central.reason()).contains("events_per_second> 100").contains(agentConf.toString());
        assertThat(settings(queue).eps()).as("--eps auto is the default").isEqualTo(90);
        assertThat(replaySettings(queue).eps()).as("a replay's share of it").isEqualTo(5);
        agentConf("<agent_config><client_buffer><queue_size>900</queue_size></client_buffer></agent_config>\n");
        assertThat(auto(queue).eps()).as("agent.conf without events_per_second: ossec.conf's")
                .isEqualTo(450);
        agentConf("<agent_config><client_buffer><events_per_second>800</events_per_second></client_buffer>"
                + "</agent_config>\n");
        assertThat(auto(queue).eps()).as("a block for every agent sets it, after ossec.conf: agentd's rate")
                .isEqualTo(720);
    }

    /**
     * {@code <agent_config name="…" os="…" profile="…">} applies only to the agents it matches, which the
     * forwarder does not decide (agentd matches the name in client.keys, as a pattern): a filtered block's rate may
     * be the agent's, so the lowest one that may be is taken. Slower than agentd drains is safe; faster drops.
     */
    @Test
    void aFilteredAgentConfigBlockMayBeTheAgentsSoItsLowerRateIsTaken() throws IOException {
        String queue = install(AGENT.formatted(""));
        agentConf("<agent_config name=\"web-01|web-02\">\n  <client_buffer><events_per_second>100"
                + "</events_per_second></client_buffer>\n</agent_config>\n<agent_config os=\"Windows\">\n"
                + "  <client_buffer><events_per_second>200</events_per_second></client_buffer>\n</agent_config>\n");
        Pacing filtered = auto(queue);
        assertThat(filtered.eps()).as("the lowest that may apply").isEqualTo(90);
        assertThat(filtered.reason()).contains("events_per_second> 100").contains("agent.conf");
        agentConf("<agent_config name=\"web-01\"><client_buffer><events_per_second>100</events_per_second>"
                + "</client_buffer></agent_config>\n<agent_config><client_buffer><events_per_second>400"
                + "</events_per_second></client_buffer></agent_config>\n");
        assertThat(auto(queue).eps()).as("a later block for every agent sets it whatever the filtered one "
                + "did").isEqualTo(360);
        agentConf("<agent_config><client_buffer><events_per_second>1000</events_per_second></client_buffer>"
                + "</agent_config>\n<agent_config profile=\"docker\"><client_buffer><events_per_second>300"
                + "</events_per_second></client_buffer></agent_config>\n");
        assertThat(auto(queue).eps()).as("a filtered block after it may lower it").isEqualTo(270);
        agentConf("<agent_config os=\"Linux\"><client_buffer><disabled>yes</disabled></client_buffer>"
                + "</agent_config>\n");
        assertThat(auto(queue).eps()).as("a filtered block that disables the buffer may not apply: paced")
                .isEqualTo(450);
        agentConf("<agent_config><client_buffer><disabled>yes</disabled></client_buffer></agent_config>\n");
        assertThat(auto(queue).eps()).as("disabled for every agent: paced as a manager, as agentd forwards at once")
                .isEqualTo(Pacing.MANAGER_EPS);
        install(AGENT.formatted("  <client_buffer><disabled>yes</disabled></client_buffer>\n"));
        agentConf("<agent_config name=\"web-01\"><client_buffer><disabled>no</disabled></client_buffer>"
                + "</agent_config>\n");
        Pacing mayBeOn = auto(queue);
        assertThat(mayBeOn.eps()).as("disabled in ossec.conf, enabled again for some agents: may be on").isEqualTo(450);
        assertThat(mayBeOn.reason()).contains("agent.conf");
        agentConf("<agent_config name=\"web-01\"><client_buffer><disabled>yes</disabled></client_buffer>"
                + "</agent_config>\n");
        assertThat(auto(queue).eps()).as("disabled in ossec.conf and in every block that says")
                .isEqualTo(Pacing.MANAGER_EPS);
    }

    /**
     * An agent.conf the forwarder cannot read or parse is ignored, said in the start line (and a WARN by the agent's
     * gate): ossec.conf's pace, not a stop.
     */
    @Test
    void anAgentConfThatCannotBeReadIsIgnoredAndSaid() throws IOException {
        String queue = install(AGENT.formatted("  <client_buffer><events_per_second>200</events_per_second>"
                + "</client_buffer>\n"));
        Path agentConf = agentConf("<agent_config>\n  <client_buffer><events_per_second>100</events_per_second>\n"
                + "</agent_config>\n");
        Pacing malformed = auto(queue);
        assertThat(malformed.eps()).isEqualTo(180);
        assertThat(malformed.reason()).contains("malformed agent.conf " + agentConf).contains("ignored");
        agentConf("<agent_config><client_buffer><events_per_second>lots</events_per_second></client_buffer>"
                + "</agent_config>\n<agent_config><client_buffer><events_per_second>150</events_per_second>"
                + "</client_buffer></agent_config>\n");
        Pacing unusable = auto(queue);
        assertThat(unusable.eps()).as("an unusable value is ignored, the others taken").isEqualTo(135);
        assertThat(unusable.reason()).contains("'lots'");
        Files.delete(agentConf);
        Files.createDirectories(agentConf); // what a bind mount of none makes
        assertThat(auto(queue).eps()).isEqualTo(180);
        assertThat(auto(queue).reason()).contains(agentConf.toString()).contains("ignored");
        Files.delete(agentConf);
        assertThat(auto(queue).reason()).as("none: an agent not centrally managed").doesNotContain("agent.conf");
    }

    /** {@code agent.remote_conf=0} (local_internal_options.conf): neither agentd nor the forwarder reads agent.conf. */
    @Test
    void anAgentThatDoesNotTakeItsGroupsConfigurationIsPacedByOssecConfAlone() throws IOException {
        String queue = install(AGENT.formatted(""));
        agentConf("<agent_config><client_buffer><events_per_second>100</events_per_second></client_buffer>"
                + "</agent_config>\n");
        Files.writeString(home.resolve("etc/local_internal_options.conf"), "# local\nagent.remote_conf=0\n");
        assertThat(auto(queue).eps()).isEqualTo(450);
        Files.writeString(home.resolve("etc/local_internal_options.conf"), "agent.remote_conf=1\n");
        Files.writeString(home.resolve("etc/internal_options.conf"), "agent.remote_conf=0\n");
        assertThat(auto(queue).eps()).as("local_internal_options.conf overrides internal_options.conf")
                .isEqualTo(90);
        Files.delete(home.resolve("etc/local_internal_options.conf"));
        assertThat(auto(queue).eps()).as("internal_options.conf alone").isEqualTo(450);
    }

    /** Live delivery's pace from the installation read now. */
    private static Pacing auto(String queue) {
        return Pacing.auto(WazuhInstallationReader.read(queue), false);
    }

    private Path agentConf(String text) throws IOException {
        Files.createDirectories(home.resolve("etc/shared"));
        return Files.writeString(home.resolve("etc/shared/agent.conf"), text);
    }

    /** An installation at {@code home}: its ossec.conf, and the path of its queue socket. */
    private String install(String ossecConf) throws IOException {
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("queue/sockets"));
        Files.writeString(home.resolve("etc/ossec.conf"), ossecConf);
        return home.resolve("queue/sockets/queue").toString();
    }

    @Command
    static final class Delivery {
        @Mixin
        DeliveryOptions options;
    }

    private static ForwarderSettings settings(String queue, String... args) {
        return settings(queue, null, args);
    }

    /** A replay's (from a day back). */
    private static ForwarderSettings replaySettings(String queue, String... args) {
        return settings(queue, 1_764_000_000_000_000_000L, args);
    }

    private static ForwarderSettings settings(String queue, Long fromNanos, String... args) {
        Delivery command = new Delivery();
        new CommandLine(command).parseArgs(args);
        return command.options.settings(new Properties(), "events", "g", "dlq", queue, fromNanos, null,
                java.util.Set.of(), Duration.ofSeconds(60), null);
    }
}
