package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/**
 * ossec.conf as Wazuh's own reader (os_xml, {@code src/shared/os_xml/os_xml.c}) takes it, not as XML 1.0 does: a file
 * wazuh-agentd starts with must not stop the forwarder or the listener (exit 2, kept down by the units'
 * RestartPreventExitStatus=2), and one Wazuh refuses is refused too.
 */
class OssecConfTest {
    @TempDir
    Path dir;

    private static OssecConf parse(String text) {
        return OssecConf.parse(text, "ossec.conf");
    }

    /**
     * The wazuh group may write Wazuh's etc (0770): an ossec.conf of 150 MB ran the heap out at every start (exit 3,
     * restarted for ever), and a FIFO held the start in its open for good. Now each is refused in one line, and a link
     * to a regular file (a Kubernetes ConfigMap's) is read.
     */
    @Test
    void aHugeFileOrAFifoIsRefusedAndALinkToAFileIsRead() throws Exception {
        Path huge = dir.resolve("huge.conf");
        Files.write(huge, new byte[OssecConf.MAX_BYTES + 1]);
        assertThatThrownBy(() -> OssecConf.read(huge)).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("cannot read ossec.conf " + huge + ": it has 4194305 bytes, over the 4194304");

        Path fifo = dir.resolve("fifo.conf");
        new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> OssecConf.read(fifo))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("is not a regular file"));

        Path file = Files.writeString(dir.resolve("..data-ossec.conf"), "<ossec_config><client/></ossec_config>");
        Path link = Files.createSymbolicLink(dir.resolve("ossec.conf"), file.getFileName());
        assertThat(OssecConf.read(link).last("client")).isNotNull();
    }

    /** os_xml knows no entities: a bare '&' (a shell's "&&" or "2>&1") is a character, and so is "&amp;". */
    @Test
    void anAmpersandIsTextAsInWazuh() {
        OssecConf conf = parse("""
                <ossec_config>
                  <localfile>
                    <log_format>full_command</log_format>
                    <command>systemctl is-active docker && docker ps -q 2>&1 | wc -l</command>
                    <alias>a &amp; b &lt;c&gt; &#65;</alias>
                  </localfile>
                </ossec_config>
                """);
        Element localfile = conf.last("localfile");
        assertThat(OssecConf.child(localfile, "command")).isEqualTo("systemctl is-active docker && docker ps -q 2>&1 "
                + "| wc -l");
        assertThat(OssecConf.child(localfile, "alias")).as("what agentd reads: nothing is replaced")
                .isEqualTo("a &amp; b &lt;c&gt; &#65;");
    }

    /**
     * os_xml ends a comment at the first "-->" (or "!>") and takes a "--" inside it as text, which XML 1.0 forbids: a
     * commented-out command line with long options is common.
     */
    @Test
    void aDoubleDashInsideACommentIsText() {
        OssecConf conf = parse("""
                <ossec_config>
                  <!-- <localfile><log_format>full_command</log_format>
                       <command>docker ps --format '{{.Names}}'</command></localfile> -->
                  <client_buffer><events_per_second>100</events_per_second></client_buffer>
                  <!--- three dashes, and a comment that ends at once: --><!-->
                </ossec_config>
                """);
        assertThat(conf.all("localfile")).as("commented out").isEmpty();
        assertThat(OssecConf.child(conf.last("client_buffer"), "events_per_second")).isEqualTo("100");
    }

    /** os_xml also ends a comment at "!>": what follows is read, as agentd reads it. */
    @Test
    void aCommentEndsAtTheFirstDoubleDashGreaterThanOrBangGreaterThan() {
        OssecConf conf = parse("""
                <ossec_config>
                  <!-- was 200! --> <client_buffer><events_per_second>300</events_per_second></client_buffer>
                  <!-- stop here!> <client_buffer><queue_size>700</queue_size></client_buffer> -->
                </ossec_config>
                """);
        assertThat(conf.all("client_buffer")).hasSize(2);
        assertThat(OssecConf.child(conf.last("client_buffer"), "queue_size")).isEqualTo("700");
    }

    /** What os_xml refuses is refused: an element not closed, a comment not closed; the line is the file's. */
    @Test
    void whatWazuhRefusesIsStillMalformedAtItsLine() {
        assertThatThrownBy(() -> parse("<ossec_config>\n  <!-- a\n  comment -->\n  <client>\n</ossec_config>\n"))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("malformed ossec.conf ossec.conf: line 5");
        assertThatThrownBy(() -> parse("<ossec_config>\n  <client/>\n  <!-- open -- for good\n</ossec_config>\n"))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage("malformed ossec.conf ossec.conf: line 3: a comment is not closed (Wazuh ends one at the "
                        + "first --> or !>)");
        assertThatThrownBy(() -> parse("<ossec_config><!DOCTYPE x [<!ENTITY e \"v\">]><a>&e;</a></ossec_config>"))
                .as("os_xml takes <!DOCTYPE for a comment, never closed here").isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("a comment is not closed");
    }

    /** os_xml reads bytes: a comment in Latin-1 (an accent in an administrator's note) is no reason to stop. */
    @Test
    void bytesThatAreNotUtf8AreRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ossec.conf");
        byte[] head = "<ossec_config>\n  <!-- mis \u00e0 jour -->\n  <client_buffer><queue_size>900</queue_size>"
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = "</client_buffer>\n</ossec_config>\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        Files.write(file, all);
        assertThat(OssecConf.child(OssecConf.read(file).last("client_buffer"), "queue_size")).isEqualTo("900");
    }

    /** Every element of a name, in file order: Wazuh reads repeated blocks one after the other. */
    @Test
    void allIsInFileOrderAcrossRoots() {
        OssecConf conf = parse("<ossec_config><a>1</a></ossec_config>\n<ossec_config><a>2</a><b><a>3</a></b>"
                + "</ossec_config>");
        List<Element> all = conf.all("a");
        assertThat(all).extracting(Element::getTextContent).containsExactly("1", "2", "3");
    }
}
