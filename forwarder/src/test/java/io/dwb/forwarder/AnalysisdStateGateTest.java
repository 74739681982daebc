package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a manager, wazuh-analysisd reads the queue socket without ever stopping: an event that finds its event queue
 * (16,384 by default) full is dropped after the forwarder committed it, and the socket never refuses. Delivery waits,
 * by analysisd's own state file, while that queue is half full; what analysisd drops is counted and said.
 */
class AnalysisdStateGateTest {
    private static final String MANAGER = "<ossec_config>\n  <global><jsonout_output>yes</jsonout_output></global>\n"
            + "  <remote><connection>secure</connection></remote>\n</ossec_config>\n";
    private static final long SECOND = 1_000_000_000L;

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
    private final List<Long> dropped = new ArrayList<>();
    private long now;
    /** The wall clock the gate sees, and each state write's modification time (a second apart). */
    private long wall = 1_800_000_000_000L;
    @RegisterExtension
    final LogLines logged = LogLines.of(AnalysisdStateGate.class);

    @BeforeEach
    void install() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("queue/sockets"));
        Files.createDirectories(home.resolve("var/run"));
        Files.writeString(home.resolve("etc/ossec.conf"), MANAGER);
    }

    @Test
    void aManagerWhoseEventQueueIsHalfFullHoldsDeliveryUntilItDrains() throws Exception {
        state("0.50", 0);
        AlertSink gate = gate();
        assertThatThrownBy(() -> gate.send(bytes("a"))).isInstanceOf(AlertSink.SinkUnavailableException.class)
                .hasMessage("wazuh-analysisd's event queue is 50 % full (" + stateFile() + ", of 16384 events): it "
                        + "drops every event that finds it full");
        // Held until the queue is below 40 %, not at each reading either side of half (an EPS limit keeps it about
        // half full): delivery and dwb_forwarder_paused flipped every few seconds.
        state("0.49", 0);
        now += SECOND;
        assertThatThrownBy(() -> gate.send(bytes("a"))).hasMessageContaining("49 % full");
        state("0.39", 0);
        now += SECOND;
        gate.send(bytes("a"));
        state("0.49", 0);
        now += SECOND;
        gate.send(bytes("b"));
        state("1.00", 0);
        now += SECOND;
        assertThatThrownBy(() -> gate.send(bytes("c"))).hasMessageContaining("100 % full");
        assertThat(sent).containsExactly("a", "b");
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.INFO).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).startsWith("delivery follows wazuh-analysisd's state ("
                        + stateFile() + ")"));
    }

    /**
     * In later 4.x state files (marked "will be deprecated"), events_dropped counts from analysisd's start: the first reading is a baseline (drops before this
     * forwarder watched), each rise after it is counted, a fall is a restarted analysisd. One WARN at once, then at
     * most one a minute with what came meanwhile.
     */
    @Test
    void whatAnalysisdDropsIsCountedAndSaidAtMostOnceAMinute() throws Exception {
        state("0.10", 100);
        AlertSink gate = gate();
        gate.send(bytes("a"));
        assertThat(dropped).as("before the forwarder watched: not its to count").isEmpty();
        state("0.10", 160);
        now += SECOND;
        gate.send(bytes("b"));
        assertThat(dropped).containsExactly(60L);
        now += SECOND;
        gate.send(bytes("c")); // the same write: nothing more
        state("0.10", 200);
        now += SECOND;
        gate.send(bytes("d"));
        assertThat(dropped).containsExactly(60L, 40L);
        assertThat(warnings()).singleElement().satisfies(w -> assertThat(w).isEqualTo("wazuh-analysisd dropped 60 "
                + "events (events_dropped in " + stateFile() + "): its input queues were full. Whatever source they "
                + "came from is lost, alerts this forwarder sent and committed possibly among them; delivery waits "
                + "while its event queue is half full, and --eps paces it below that"));
        state("0.10", 5); // analysisd restarted: counting from 0 again
        now += AnalysisdStateGate.WARN_EVERY_NANOS;
        gate.send(bytes("e"));
        assertThat(dropped).containsExactly(60L, 40L, 5L);
        assertThat(warnings()).hasSize(2).last().satisfies(w -> assertThat(w)
                .startsWith("wazuh-analysisd dropped 45 events in the last minute or so (events_dropped in "));
        assertThat(sent).containsExactly("a", "b", "c", "d", "e");
    }

    /**
     * Older analysisd zeroed its counters after each write (with _edps rates): each write's events_dropped is new, the
     * first one read too (taken for a baseline, an idle forwarder's first reading lost a write's drops).
     */
    @Test
    void inOlderStateFilesEachWritesEventsDroppedAreNewDrops() throws Exception {
        oldState("0.00", 7);
        AlertSink gate = gate();
        gate.send(bytes("a"));
        oldState("0.00", 30);
        now += SECOND;
        gate.send(bytes("b"));
        oldState("0.00", 30);
        now += SECOND;
        gate.send(bytes("c"));
        oldState("0.00", 0);
        now += SECOND;
        gate.send(bytes("d"));
        assertThat(dropped).containsExactly(7L, 30L, 30L);
    }

    /**
     * A symbolic link at the state file's path (or anything but a regular file) is not read: it could name any file
     * this process may read, or a FIFO that blocks the sending thread. Said once; followed once a file is there.
     */
    @Test
    void aSymbolicLinkOrADirectoryAtTheStatePathIsNotRead() throws Exception {
        Path elsewhere = home.resolve("elsewhere.state");
        Files.writeString(elsewhere, "event_queue_usage='0.90'\nevents_dropped='0'\n");
        Files.setLastModifiedTime(elsewhere, FileTime.fromMillis(wall)); // followed, it would hold delivery
        Files.createSymbolicLink(stateFile(), elsewhere);
        AlertSink gate = gate();
        gate.send(bytes("a"));
        assertThat(warnings()).singleElement().satisfies(w -> assertThat(w).startsWith(stateFile() + " is not a "
                + "regular file").contains("delivery does not wait for analysisd's event queue"));
        Files.delete(stateFile());
        Files.createDirectory(stateFile());
        now += SECOND;
        gate.send(bytes("b"));
        Files.delete(stateFile());
        state("0.90", 0);
        now += SECOND;
        assertThatThrownBy(() -> gate.send(bytes("c"))).hasMessageContaining("90 % full");
        assertThat(sent).containsExactly("a", "b");
        assertThat(warnings()).hasSize(1);
    }

    /**
     * analysisd not started yet (no file): nothing to go by, said once; followed once written. (A stale file:
     * FollowedStateFileTest.)
     */
    @Test
    void aMissingStateFileSaysNothingUntilWritten() throws Exception {
        AlertSink gate = gate();
        gate.send(bytes("a"));
        assertThat(warnings()).singleElement().satisfies(w -> assertThat(w).startsWith("no file holds "
                + "wazuh-analysisd's state (" + stateFile() + ")"));
        state("0.80", 0);
        now += SECOND;
        assertThatThrownBy(() -> gate.send(bytes("b"))).hasMessageContaining("80 % full");
        assertThat(sent).containsExactly("a");
    }

    @Test
    void anAgentStandardOutputOrNoInstallationAreNotGatedByAnalysisd() throws Exception {
        state("0.90", 0);
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config>\n  <client><server><address>10.0.0.1"
                + "</address></server></client>\n</ossec_config>\n");
        assertThat(AnalysisdStateGate.around(recording, installation(), dropped::add, () -> now, () -> wall))
                .as("an agent: AgentStateGate's").isSameAs(recording);
        assertThat(AnalysisdStateGate.around(recording, WazuhInstallationReader.read("-"), dropped::add, () -> now,
                () -> wall))
                .isSameAs(recording);
        Files.delete(home.resolve("etc/ossec.conf"));
        assertThat(AnalysisdStateGate.around(recording, installation(), dropped::add, () -> now, () -> wall))
                .as("no ossec.conf: paced as an agent").isSameAs(recording);
    }

    /** The forwarder puts the gate in front of a manager's queue socket. */
    @Test
    void theForwarderFollowsAManagersAnalysisd() throws Exception {
        state("0.00", 0);
        try (Forwarder forwarder = new Forwarder(ForwarderRun.settings("--bootstrap-servers", "127.0.0.1:1",
                "--wazuh-queue", queue()))) {
            assertThat(forwarder.metrics().wazuhDroppedTotal()).isZero();
        }
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.INFO).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).startsWith("delivery follows wazuh-analysisd's state"));
    }

    /** Each reading tells what analysisd's event queue holds, for a restart's resend (ResendWindow). */
    @Test
    void whatTheEventQueueHoldsIsToldForARestartsResend() throws Exception {
        WazuhHeld held = new WazuhHeld();
        state("0.25", 0);
        AlertSink gate = AnalysisdStateGate.around(recording, installation(), dropped::add, held, () -> now,
                () -> wall);
        gate.send("a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(held.capacity()).isEqualTo(16384);
        assertThat(held.held()).isEqualTo(4096);
    }

    private AlertSink gate() {
        AlertSink gate = AnalysisdStateGate.around(recording, installation(), dropped::add, () -> now, () -> wall);
        assertThat(gate).isInstanceOf(AnalysisdStateGate.class);
        return gate;
    }

    private List<String> warnings() {
        return logged.messages(Level.WARN);
    }

    private String queue() {
        return home.resolve("queue/sockets/queue").toString();
    }

    /** The installation at {@code home}, read now. */
    private WazuhInstallation installation() {
        return WazuhInstallationReader.read(queue());
    }

    private Path stateFile() {
        return home.resolve(AnalysisdStateGate.STATE_FILE);
    }

    /** What wazuh-analysisd writes (later 4.x: counts since its start), the values that matter here. */
    private void state(String eventQueueUsage, long eventsDropped) throws IOException {
        write("# State file for wazuh-analysisd\n# THIS FILE WILL BE DEPRECATED IN FUTURE VERSIONS\n\n"
                + "# Total events decoded\ntotal_events_decoded='1200'\n\n"
                + "# Other events decoded\nother_events_decoded='1100'\n\n"
                + "# Events processed (Rule matching)\nevents_processed='1100'\n\n"
                + "# Events received\nevents_received='1300'\n\n"
                + "# Events dropped\nevents_dropped='" + eventsDropped + "'\n\n"
                + "# Alerts written to disk\nalerts_written='90'\n\n"
                + "# Syscheck queue\nsyscheck_queue_usage='0.00'\n\n# Syscheck queue size\nsyscheck_queue_size='16384'\n\n"
                + "# Event queue\nevent_queue_usage='" + eventQueueUsage + "'\n\n"
                + "# Event queue size\nevent_queue_size='16384'\n\n"
                + "# Rule matching queue\nrule_matching_queue_usage='0.00'\n\n"
                + "# Rule matching queue size\nrule_matching_queue_size='16384'\n");
    }

    /** What older wazuh-analysisd wrote: counters zeroed after each write, with per-second rates ({@code _edps}). */
    private void oldState(String eventQueueUsage, long eventsDropped) throws IOException {
        write("# State file for wazuh-analysisd\n\n# Total events decoded\ntotal_events_decoded='120'\n\n"
                + "# Syscheck events decoded\nsyscheck_events_decoded='0'\nsyscheck_edps='0'\n\n"
                + "# Other events decoded\nother_events_decoded='120'\nother_events_edps='24'\n\n"
                + "# Events received\nevents_received='150'\n\n"
                + "# Events dropped\nevents_dropped='" + eventsDropped + "'\n\n"
                + "# Event queue\nevent_queue_usage='" + eventQueueUsage + "'\n\n"
                + "# Event queue size\nevent_queue_size='16384'\n");
    }

    /** Written as analysisd does (a whole new file), a second after the last write. */
    private void write(String text) throws IOException {
        wall += 1000;
        Path temp = home.resolve("var/run/wazuh-analysisd.state.temp");
        Files.writeString(temp, text);
        Files.setLastModifiedTime(temp, FileTime.fromMillis(wall));
        Files.move(temp, stateFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
