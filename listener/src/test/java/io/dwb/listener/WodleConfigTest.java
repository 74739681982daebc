package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.runtime.ConfigurationError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WodleConfigTest {
    @Test
    void readsTheBlockOfTheSeedDocumentation() {
        WodleConfig c = WodleConfig.parse("""
                <ossec_config>
                  <wodle name="docker-listener">
                    <interval>10m</interval>
                    <attempts>5</attempts>
                    <run_on_start>no</run_on_start>
                    <disabled>no</disabled>
                  </wodle>
                </ossec_config>
                """, "ossec.conf");
        assertThat(c).isEqualTo(new WodleConfig(false, false, Duration.ofMinutes(10), 5));
    }

    @Test
    void aRealOssecConfWithSeveralRootsAndOtherWodlesAndWazuhDefaults() {
        WodleConfig c = WodleConfig.parse("""
                <?xml version="1.0"?>
                <!-- Wazuh - Agent -->
                <ossec_config>
                  <client><server><address>10.0.0.1</address></server></client>
                  <wodle name="syscollector"><interval>1h</interval><disabled>yes</disabled></wodle>
                </ossec_config>
                <ossec_config>
                  <wodle name="docker-listener">
                    <disabled>no</disabled>
                  </wodle>
                </ossec_config>
                """, "ossec.conf");
        assertThat(c).isEqualTo(new WodleConfig(false, true, Duration.ofSeconds(60), 5));
    }

    /**
     * The wodle's settings are read as Wazuh reads ossec.conf (os_xml): a bare '&' in another block's command line and
     * a "--" in a comment, which wazuh-agentd starts with, stopped the listener (exit 2, kept down by its unit).
     */
    @Test
    void anOssecConfWithAmpersandsAndDoubleDashCommentsIsReadAsWazuhReadsIt() {
        WodleConfig c = WodleConfig.parse("""
                <ossec_config>
                  <localfile>
                    <log_format>full_command</log_format>
                    <command>systemctl is-active docker && docker ps -q 2>&1 | wc -l</command>
                  </localfile>
                  <!-- <localfile><command>docker ps --format '{{.Names}}'</command></localfile> -->
                  <wodle name="docker-listener">
                    <interval>2m</interval>
                  </wodle>
                </ossec_config>
                """, "ossec.conf");
        assertThat(c).isEqualTo(new WodleConfig(false, true, Duration.ofMinutes(2), 5));
    }

    @Test
    void disabledYes() {
        WodleConfig c = WodleConfig.parse("<ossec_config><wodle name=\"docker-listener\"><disabled>yes</disabled>"
                + "</wodle></ossec_config>", "x");
        assertThat(c.disabled()).isTrue();
    }

    @Test
    void malformedXmlIsOneLineNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ossec.conf");
        Files.writeString(file, "<ossec_config>\n<wodle name=\"docker-listener\">\n<interval>10m</interval>\n"
                + "</ossec_config>\n");
        assertThatThrownBy(() -> WodleConfig.read(file)).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("malformed ossec.conf " + file + ": line 4")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void badValuesAndMissingBlockAreNamed() {
        assertThatThrownBy(() -> WodleConfig.parse("<ossec_config/>", "f.conf"))
                .hasMessage("f.conf has no <wodle name=\"docker-listener\"> block");
        assertThatThrownBy(() -> WodleConfig.parse(wodle("<interval>soon</interval>"), "f"))
                .hasMessageContaining("<interval>").hasMessageContaining("'soon'");
        assertThatThrownBy(() -> WodleConfig.parse(wodle("<attempts>0</attempts>"), "f"))
                .hasMessageContaining("<attempts>");
        assertThatThrownBy(() -> WodleConfig.parse(wodle("<run_on_start>maybe</run_on_start>"), "f"))
                .hasMessageContaining("yes or no, not 'maybe'");
    }

    /**
     * A tag Wazuh's wm_docker_read does not take (misspelt) is refused, as Wazuh refuses it; it was ignored, the
     * option meant left at its default. The scheduling tags every Wazuh module takes are taken.
     */
    @Test
    void aTagWazuhDoesNotTakeIsRefusedNamingIt() {
        assertThatThrownBy(() -> WodleConfig.parse(wodle("<intervall>5s</intervall>"), "f"))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage("f: no such tag 'intervall' at module 'docker-listener' (Wazuh refuses it too); it takes "
                        + "attempts, day, disabled, interval, run_on_start, time, wday");
        assertThat(WodleConfig.parse(wodle("<interval>5s</interval><wday>monday</wday><time>10:00</time>"), "f")
                .interval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void unreadableFileIsAConfigurationError(@TempDir Path dir) {
        assertThatThrownBy(() -> WodleConfig.read(dir.resolve("missing.conf")))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("cannot read ossec.conf");
    }

    private static String wodle(String body) {
        return "<ossec_config><wodle name=\"docker-listener\">" + body + "</wodle></ossec_config>";
    }
}
