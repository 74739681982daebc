package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.LogLines;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

    @RegisterExtension
    final LogLines logged = LogLines.of(AgentAttribution.class);
    private final Fifos fifos = new Fifos();

    @AfterEach
    void releaseFifos() throws IOException {
        fifos.release(); // a reading still blocked in a FIFO's open (without the fix) is let go
    }

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
        assertThat(new String(formatter.bridge(BridgeAlert.GAP, gap, WEB_1, false, false), StandardCharsets.UTF_8))
                .startsWith("1:[001] (web-1) 2001|:db8|:|:5->Wazuh-Docker:{\"integration\":\"docker\",");
        assertThat(new String(formatter.bridge(BridgeAlert.HISTORY_SKIPPED, gap, HostRef.UNKNOWN, false, false),
                StandardCharsets.UTF_8)).startsWith("1:Wazuh-Docker:{");

        // An event just too large for a datagram: trimmed to fit with its longer head, not cut by Wazuh's reader.
        ObjectNode event = TestRecords.containerEvent("big", 1_700_000_000_000_000_000L);
        ((ObjectNode) event.get("Actor").get("Attributes")).put("label", "x".repeat(AlertTrimmer.MAX_DATAGRAM));
        byte[] value = ContractJson.write(event);
        AlertTrimmer.Fitted fitted = new AlertTrimmer(formatter).datagram(
                new Classified.Event(value, event, WEB_1, "id"), Map.of(), false).fitted();
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

    /**
     * client.keys lies in the manager's etc (0770 root:wazuh, the file wazuh:wazuh 0660): a member of the wazuh group
     * renames a FIFO over it. It was followed and opened on the delivery thread, which the open held for good (nothing
     * logged, no alert sent); now it is looked at without following and not opened at all: the check returns at
     * once, the last agents stay, one WARN says why, and the next regular file is read.
     */
    @Test
    void aFifoPutInPlaceOfClientKeysIsNotOpenedItsLastAgentsStayAndItIsSaidOnce() throws Exception {
        Path keys = write("client.keys", "001 web-1 any " + KEY + "\n");
        AgentAttribution owners = AgentAttribution.load(null, keys, EVERY_NAME, 0);
        Files.move(fifos.make(dir.resolve("fifo")), keys, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        logged.clear();

        try {
            assertTimeoutPreemptively(Duration.ofSeconds(3), () -> owners.refresh(AgentAttribution.CHECK_NANOS),
                    "the check, with a FIFO at client.keys");
        } finally {
            Fifos.release(keys); // the reading blocked in its open, without the fix
        }
        assertThat(head(owners, WEB_1)).as("the last agents stay").isEqualTo("1:[001] (web-1) any->Wazuh-Docker:");
        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> owners.refresh(2 * AgentAttribution.CHECK_NANOS));
        assertThat(logged.lines()).as("said once, not at each check").containsExactly("WARN cannot read the "
                + "client.keys " + keys + " (" + keys + " is not a regular file (a symbolic link, a directory or a FIFO "
                + "is not read)): keeping its last 1 agent(s)");

        replace(keys, "002 web-2 any " + KEY + "\n");
        owners.refresh(3 * AgentAttribution.CHECK_NANOS);
        assertThat(head(owners, WEB_2)).isEqualTo("1:[002] (web-2) any->Wazuh-Docker:");
        assertThat(logged.lines()).last().isEqualTo("INFO the client.keys " + keys + " is readable again");
    }

    /**
     * A file larger than {@link AgentAttribution#MAX_FILE_BYTES} (a link to /dev/zero, or a huge file, read whole ran
     * the heap out) is not read: the last agents stay, one WARN. Before, it was read whole and taken, whatever it
     * held (here a sparse file of NULs: a mapping of no agent).
     */
    @Test
    void aClientKeysOverTheBoundIsNotReadItsLastAgentsStayAndItIsSaidOnce() throws Exception {
        Path keys = write("client.keys", "001 web-1 any " + KEY + "\n");
        AgentAttribution owners = AgentAttribution.load(null, keys, EVERY_NAME, 0);
        Path large = sparse("large", AgentAttribution.MAX_FILE_BYTES + 1L);
        Files.move(large, keys, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        logged.clear();

        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> owners.refresh(AgentAttribution.CHECK_NANOS));
        owners.refresh(2 * AgentAttribution.CHECK_NANOS);
        assertThat(head(owners, WEB_1)).as("the last agents stay").isEqualTo("1:[001] (web-1) any->Wazuh-Docker:");
        assertThat(logged.lines()).containsExactly("WARN cannot read the client.keys " + keys + " (" + keys + " is "
                + (AgentAttribution.MAX_FILE_BYTES + 1L) + " bytes, more than the " + AgentAttribution.MAX_FILE_BYTES
                + " read of it: not read): keeping its last 1 agent(s)");
    }

    /**
     * At start, as a missing file: a FIFO (not waited on), a link as client.keys (not followed: its directory is the
     * wazuh group's) or a file over the bound. An agent map that is a link (a Kubernetes ConfigMap's file, {@code map
     * -> ..data/map}) is the operator's: followed, to a regular file only (a review found the first version refusing
     * it, exit 2 at start).
     */
    @Test
    void aFifoALinkOrAFileOverTheBoundAtStartIsAConfigurationError() throws Exception {
        Path fifo = fifos.make(dir.resolve("fifo.keys"));
        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> assertThatThrownBy(() ->
                AgentAttribution.load(null, fifo, EVERY_NAME, 0)).isInstanceOf(ConfigurationError.class)
                .hasMessage("cannot read the client.keys " + fifo + ": " + fifo + " is not a regular file (a symbolic "
                        + "link, a directory or a FIFO is not read)"));
        Path link = Files.createSymbolicLink(dir.resolve("link.keys"), write("client.keys", "001 web-1 any "
                + KEY + "\n"));
        assertThatThrownBy(() -> AgentAttribution.load(null, link, EVERY_NAME, 0))
                .isInstanceOf(ConfigurationError.class).hasMessageStartingWith("cannot read the client.keys " + link)
                .hasMessageContaining("is not a regular file");
        Path configMap = Files.createSymbolicLink(dir.resolve("map"), write("..data-map", "web-1 001 web-1 10.0.0.7\n"));
        assertThat(AgentAttribution.load(configMap, null, EVERY_NAME, 0).head(WEB_1))
                .as("the map's link followed").isNotNull();
        Path toFifo = Files.createSymbolicLink(dir.resolve("map-to-fifo"), fifos.make(dir.resolve("fifo.map")));
        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> assertThatThrownBy(() ->
                AgentAttribution.load(toFifo, null, EVERY_NAME, 0)).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("is not a regular file"));
        Path large = sparse("large.keys", AgentAttribution.MAX_FILE_BYTES + 1L);
        assertThatThrownBy(() -> AgentAttribution.load(null, large, EVERY_NAME, 0))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("more than the "
                        + AgentAttribution.MAX_FILE_BYTES + " read of it");
    }

    /**
     * What the heap holds is the agents kept, not the bytes: past {@link AgentAttribution#MAX_AGENTS} the file is not
     * taken (at start, a configuration error that names --agent-keys-names; later, its last agents stay), and the
     * agents --agent-keys-names leaves out are counted, not held.
     */
    @Test
    void moreAgentsThanKeptAreRefusedUnlessTheNamesLeaveThemOut() throws Exception {
        StringBuilder many = new StringBuilder("001 docker-web-1 any " + KEY + "\n");
        for (int i = 0; i < AgentAttribution.MAX_AGENTS; i++) {
            many.append(i + 2).append(" db-").append(i).append(" any k\n");
        }
        Path keys = write("client.keys", many.toString());
        assertThatThrownBy(() -> AgentAttribution.load(null, keys, EVERY_NAME, 0))
                .isInstanceOf(ConfigurationError.class).hasMessage("cannot read the client.keys " + keys + ": it "
                        + "gives more than " + AgentAttribution.MAX_AGENTS + " agents to keep (--agent-keys-names "
                        + "keeps only those a Docker host may take: the others are only counted)");

        AgentAttribution docker = AgentAttribution.load(null, keys, AgentAttribution.agentNames("docker-.*"), 0);
        assertThat(docker.summary()).isEqualTo("1 host(s) from the client.keys " + keys);
        assertThat(logged.lines()).containsExactly("INFO read the client.keys " + keys + ": 1 agent(s), "
                + AgentAttribution.MAX_AGENTS + " agent(s) not matching --agent-keys-names left out");

        Path small = write("small.keys", "001 web-1 any " + KEY + "\n");
        AgentAttribution owners = AgentAttribution.load(null, small, EVERY_NAME, 0);
        replace(small, many.toString());
        logged.clear();
        owners.refresh(AgentAttribution.CHECK_NANOS);
        owners.refresh(2 * AgentAttribution.CHECK_NANOS);
        assertThat(head(owners, WEB_1)).as("the last agents stay").isEqualTo("1:[001] (web-1) any->Wazuh-Docker:");
        assertThat(logged.lines()).singleElement().asString().startsWith("WARN cannot read the client.keys " + small
                + " (it gives more than " + AgentAttribution.MAX_AGENTS + " agents to keep");
    }

    /**
     * Each skipped line was a WARN line, and kept in a list, however many: a million lines that are not agents (2 MB)
     * ran the 72 MB heap out. The first {@link AgentFile#MAX_SKIPPED_LISTED} are said, the rest counted.
     */
    @Test
    void skippedLinesPastTheFirstTwentyAreCountedNotEachSaid() throws Exception {
        Path keys = write("client.keys", "x\n".repeat(25) + "001 web-1 any " + KEY + "\n");
        AgentAttribution owners = AgentAttribution.load(null, keys, EVERY_NAME, 0);
        assertThat(head(owners, WEB_1)).isEqualTo("1:[001] (web-1) any->Wazuh-Docker:");
        assertThat(logged.lines()).hasSize(AgentFile.MAX_SKIPPED_LISTED + 1).startsWith("WARN skipped line 1 of the "
                + "client.keys " + keys + ": not four fields separated by spaces").last().isEqualTo("INFO read the "
                + "client.keys " + keys + ": 1 agent(s), 25 line(s) skipped (the first 20 said)");
    }

    /**
     * Files up to the bounds, of the content that costs the heap most, are read, and read again beside the last
     * mapping, with the forwarder's own heap (the launcher's flags, -Xmx72m): 16 MiB of one-character lines (before:
     * 2 MB of them ran that heap out), of empty lines, and {@link AgentAttribution#MAX_AGENTS} agents of Wazuh's
     * longest names and addresses.
     */
    @Test
    void filesUpToTheBoundsAreReadWithTheForwardersHeap() throws Exception {
        try (JavaProcess process = JavaProcess.start(ReadsHostileFiles.class, JavaProcess.launcherFlags("forwarder"),
                Map.of(), List.of(dir.toString()))) {
            int status = process.waitFor(Duration.ofSeconds(120));
            assertThat(status).as("exit status; output:%n%s", process.output()).isZero();
            assertThat(process.output()).contains("junk: 0 host(s)", "blank: 0 host(s)",
                    "longest: " + AgentAttribution.MAX_AGENTS + " host(s)");
        }
    }

    /** Loads each file and reads it again, rewritten, in a JVM of its own; prints what each maps. */
    static final class ReadsHostileFiles {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            for (String kind : List.of("junk", "blank", "longest")) {
                Path file = dir.resolve(kind + ".keys");
                hostile(file, kind, 0);
                AgentAttribution owners = AgentAttribution.load(null, file, name -> true, 0);
                hostile(file, kind, 1);
                Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
                owners.refresh(AgentAttribution.CHECK_NANOS);
                System.out.println(kind + ": " + owners.summary());
                Files.delete(file);
            }
        }

        private static void hostile(Path file, String kind, int round) throws IOException {
            try (BufferedWriter out = Files.newBufferedWriter(file)) {
                if (kind.equals("longest")) { // 8-digit ids, 128-character names, 64-character addresses
                    for (int i = 0; i < AgentAttribution.MAX_AGENTS; i++) {
                        out.write(String.format("%08d %s%020d %s %s%n", i, "n".repeat(108), i + round * 1_000_000,
                                "f".repeat(64), KEY));
                    }
                } else { // 16 MiB, in pieces of 4 KiB
                    String piece = (kind.equals("junk") ? "x\n" : "\n").repeat(kind.equals("junk") ? 2048 : 4096);
                    for (int i = 0; i < AgentAttribution.MAX_FILE_BYTES / 4096; i++) {
                        out.write(piece);
                    }
                }
            }
        }
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    /** Written as Wazuh does: a new file renamed over the old, a second later. */
    private void replace(Path file, String text) throws IOException {
        Path temp = Files.writeString(dir.resolve(file.getFileName() + ".new"), text);
        Files.setLastModifiedTime(temp, FileTime.fromMillis(System.currentTimeMillis() + 1000));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A file of {@code size} bytes taking no room on the disk (it reads as NULs). */
    private Path sparse(String name, long size) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        return file;
    }

    private static String head(AlertOwners owners, HostRef host) {
        return new String(owners.head(host), StandardCharsets.UTF_8);
    }
}
