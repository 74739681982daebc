package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.ContractJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which head a host's alerts get, and how changes of client.keys reach it (time passed in). */
class AgentAttributionTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final HostRef WEB_1 = new HostRef("web-1", "AAAA:BBBB");
    private static final HostRef WEB_2 = new HostRef("web-2", "CCCC:DDDD");
    private static final HostRef UNMAPPED = new HostRef("ci-runner", "EEEE:FFFF");

    @TempDir
    Path dir;

    private static final java.util.function.Predicate<String> EVERY_NAME = AgentAttribution.agentNames(null);

    /**
     * A record's host name is its writer's word: with --agent-keys alone, a writer of the events topic (any listener's
     * credentials) could pin alerts on any registered agent, a database server's. --agent-keys-names bounds the agents
     * client.keys may give; the explicit map is not bounded (each of its lines is written on purpose).
     */
    @Test
    void agentKeysNamesBoundsWhichRegisteredAgentsAHostNameMayTake() throws Exception {
        Path keys = write("client.keys", "001 docker-web-1 any " + KEY + "\n002 db-1 10.0.0.7 " + KEY + "\n");
        Path map = write("agents.map", "db-2 011 db-2 10.0.0.8\n");
        AgentAttribution owners = AgentAttribution.load(map, keys, AgentAttribution.agentNames("docker-.*"), 0);

        assertThat(head(owners, new HostRef("docker-web-1", "AAAA:1111")))
                .isEqualTo("1:[001] (docker-web-1) any->Wazuh-Docker:");
        assertThat(head(owners, new HostRef("db-1", "AAAA:2222"))).as("a registered agent the names leave out")
                .isEqualTo("1:Wazuh-Docker:");
        assertThat(head(owners, new HostRef("db-2", "AAAA:3333"))).as("the map's own line")
                .isEqualTo("1:[011] (db-2) 10.0.0.8->Wazuh-Docker:");
        assertThat(AgentAttribution.agentNames("docker-").test("docker-web-1")).as("the whole name").isFalse();
        assertThatThrownBy(() -> AgentAttribution.agentNames("docker-(")).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("--agent-keys-names is not a regular expression");
        assertThatThrownBy(() -> AgentAttribution.agentNames(" ")).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("--agent-keys-names is empty");
    }

    @Test
    void mappedHostsGetTheirAgentsHeadOthersTheSeedsAndTheExplicitMapComesFirst() throws Exception {
        Path keys = write("client.keys", "001 web-1 10.0.0.5 " + KEY + "\n002 web-2 any " + KEY + "\n");
        Path map = write("agents.map", "CCCC:DDDD 010 web-2-agent 10.0.0.9\n");
        AgentAttribution owners = AgentAttribution.load(map, keys, EVERY_NAME, 0);
        assertThat(head(owners, WEB_1)).isEqualTo("1:[001] (web-1) 10.0.0.5->Wazuh-Docker:");
        assertThat(head(owners, WEB_2)).as("by engine id, from the map").isEqualTo(
                "1:[010] (web-2-agent) 10.0.0.9->Wazuh-Docker:");
        assertThat(head(owners, UNMAPPED)).isEqualTo("1:Wazuh-Docker:");
        assertThat(head(owners, HostRef.UNKNOWN)).isEqualTo("1:Wazuh-Docker:");
        assertThat(head(owners, new HostRef(null, "AAAA:BBBB"))).as("client.keys matches names only")
                .isEqualTo("1:Wazuh-Docker:");
    }

    @Test
    void aChangedClientKeysIsReadAgainAtTheNextCheckAndAVanishedOneKeepsItsLastAgents() throws Exception {
        Path keys = write("client.keys", "001 web-1 any " + KEY + "\n");
        AgentAttribution owners = AgentAttribution.load(null, keys, EVERY_NAME, 0);
        assertThat(head(owners, WEB_2)).isEqualTo("1:Wazuh-Docker:");

        Files.writeString(keys, "001 web-1 any " + KEY + "\n002 web-2 10.0.0.6 " + KEY + "\n");
        Files.setLastModifiedTime(keys, FileTime.fromMillis(Files.getLastModifiedTime(keys).toMillis() + 2_000));
        owners.refresh(AgentAttribution.CHECK_NANOS - 1);
        assertThat(head(owners, WEB_2)).as("not looked at before the check interval").isEqualTo("1:Wazuh-Docker:");
        owners.refresh(AgentAttribution.CHECK_NANOS);
        assertThat(head(owners, WEB_2)).isEqualTo("1:[002] (web-2) 10.0.0.6->Wazuh-Docker:");

        Files.delete(keys);
        owners.refresh(2 * AgentAttribution.CHECK_NANOS);
        assertThat(head(owners, WEB_2)).as("unreadable: the last agents stay").isEqualTo(
                "1:[002] (web-2) 10.0.0.6->Wazuh-Docker:");

        Files.writeString(keys, "003 web-2 any " + KEY + "\n"); // the agent re-registered under a new id
        owners.refresh(3 * AgentAttribution.CHECK_NANOS);
        assertThat(head(owners, WEB_2)).isEqualTo("1:[003] (web-2) any->Wazuh-Docker:");
        assertThat(head(owners, WEB_1)).as("removed from the registry").isEqualTo("1:Wazuh-Docker:");
    }

    @Test
    void theBridgesOwnAlertsAboutAHostAreItsAgentsTooAndAnAttributedAlertStillFitsADatagram() throws Exception {
        Path keys = write("client.keys", "001 web-1 2001:db8::5 " + KEY + "\n");
        AlertFormatter formatter = new AlertFormatter(AgentAttribution.load(null, keys, EVERY_NAME, 0));
        ObjectNode gap = ContractJson.MAPPER.createObjectNode().put("reason", "restart");
        assertThat(new String(formatter.bridge("gap", gap, WEB_1, false, false), StandardCharsets.UTF_8))
                .startsWith("1:[001] (web-1) 2001|:db8|:|:5->Wazuh-Docker:{\"integration\":\"docker\",");
        assertThat(new String(formatter.bridge("history-skipped", gap, HostRef.UNKNOWN, false, false),
                StandardCharsets.UTF_8)).startsWith("1:Wazuh-Docker:{");

        // An event just too large for a datagram: trimmed to fit with its longer head, not cut by Wazuh's reader.
        ObjectNode event = TestRecords.containerEvent("big", 1_700_000_000_000_000_000L);
        ((ObjectNode) event.get("Actor").get("Attributes")).put("label", "x".repeat(AlertTrimmer.MAX_DATAGRAM));
        byte[] value = ContractJson.write(event);
        AlertTrimmer.Fitted fitted = new AlertTrimmer(formatter).datagram(
                new Classified.Event(value, event, WEB_1, "id"), Map.of(), false).orElseThrow();
        assertThat(fitted.truncated()).isTrue();
        assertThat(fitted.datagram().length).isLessThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM);
        assertThat(new String(fitted.datagram(), StandardCharsets.UTF_8)).startsWith("1:[001] (web-1) ");
    }

    @Test
    void aFileThatCannotBeReadAtStartIsAConfigurationError() {
        assertThatThrownBy(() -> AgentAttribution.load(null, dir.resolve("missing.keys"), EVERY_NAME, 0))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("client.keys")
                .hasMessageContaining("missing.keys");
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String head(AlertOwners owners, HostRef host) {
        return new String(owners.head(host), StandardCharsets.UTF_8);
    }
}
