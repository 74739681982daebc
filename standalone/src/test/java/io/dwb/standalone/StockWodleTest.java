package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.OssecConf;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When a bridge run as its own service warns that Wazuh's stock docker-listener wodle would double every alert. */
class StockWodleTest {
    @TempDir
    Path wazuhHome;

    private static StockWodle of(String text) {
        return StockWodle.of(OssecConf.parse(text, "ossec.conf"));
    }

    @Test
    void aBlockRunsUnlessItsLastDisabledSaysYes() {
        assertThat(of("<ossec_config><wodle name=\"docker-listener\"><interval>10m</interval></wodle></ossec_config>"))
                .isEqualTo(StockWodle.ENABLED);
        assertThat(of("<ossec_config><wodle name=\"docker-listener\"><disabled>no</disabled></wodle></ossec_config>"))
                .isEqualTo(StockWodle.ENABLED);
        assertThat(of("<ossec_config><wodle name=\"docker-listener\"><disabled> YES </disabled></wodle>"
                + "</ossec_config>")).isEqualTo(StockWodle.DISABLED);
        assertThat(of("<ossec_config><wodle name=\"docker-listener\"><disabled>yes</disabled>"
                + "<disabled>no</disabled></wodle></ossec_config>")).isEqualTo(StockWodle.ENABLED);
        // Several <ossec_config> roots: the last block wins, as Wazuh reads the file.
        assertThat(of("<ossec_config><wodle name=\"docker-listener\"><disabled>no</disabled></wodle></ossec_config>"
                + "<ossec_config><wodle name=\"docker-listener\"><disabled>yes</disabled></wodle></ossec_config>"))
                .isEqualTo(StockWodle.DISABLED);
    }

    @Test
    void aCommentedOutOrOtherWodleIsNotTheStockOne() {
        assertThat(of("<ossec_config><!-- <wodle name=\"docker-listener\"><disabled>no</disabled></wodle> -->"
                + "<wodle name=\"command\"><disabled>no</disabled></wodle></ossec_config>"))
                .isEqualTo(StockWodle.ABSENT);
    }

    @Test
    void theWarningNamesTheFileOnlyWhenTheStockWodleRuns() throws Exception {
        Path conf = Files.createDirectories(wazuhHome.resolve("etc")).resolve("ossec.conf");
        Files.writeString(conf, "<ossec_config><wodle name=\"docker-listener\"><disabled>no</disabled></wodle>"
                + "</ossec_config>");
        assertThat(StockWodle.warning(wazuhHome)).startsWith(conf + " enables the stock <wodle name=\"docker-listener\">")
                .contains("arrives twice").contains("<disabled>yes</disabled>");

        Files.writeString(conf, "<ossec_config><wodle name=\"docker-listener\"><disabled>yes</disabled></wodle>"
                + "</ossec_config>");
        assertThat(StockWodle.warning(wazuhHome)).isNull();

        Files.writeString(conf, "<ossec_config><wodle name=\"docker-listener\">");
        assertThat(StockWodle.warning(wazuhHome)).startsWith("cannot check").contains("malformed ossec.conf " + conf);

        Files.delete(conf);
        assertThat(StockWodle.warning(wazuhHome)).startsWith("cannot check").contains("no readable " + conf);
    }
}
