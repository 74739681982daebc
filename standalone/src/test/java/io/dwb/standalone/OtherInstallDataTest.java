package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving from standalone/service/install to the Debian package (or back) starts on a new data dir beside the old one:
 * no checkpoint, and the old broker's waiting alerts never delivered. One WARN line at start says so.
 */
class OtherInstallDataTest {
    @TempDir
    Path root;

    @Test
    void aNewDataDirBesideTheOtherInstallsBrokerIsAWarning() throws IOException {
        Path service = broker(root.resolve("docker-wazuh-bridge"));
        Path packaged = Files.createDirectories(root.resolve("dwb-standalone")); // StateDirectory=, empty
        assertThat(OtherInstallData.warning(packaged, List.of(service, packaged)))
                .startsWith(service + " holds the embedded broker of another install")
                .contains("this data dir " + packaged + " is new").contains("no checkpoint")
                .contains("alerts still waiting there are not delivered")
                .contains("docs/standalone.md, Migration and rollback");
    }

    @Test
    void noWarningOnceItsOwnBrokerExistsOrWithoutTheOthers() throws IOException {
        Path service = broker(root.resolve("docker-wazuh-bridge"));
        Path packaged = broker(root.resolve("dwb-standalone"));
        assertThat(OtherInstallData.warning(packaged, List.of(service, packaged))).as("resumed: its own").isNull();
        Path elsewhere = root.resolve("data");
        Files.createDirectories(root.resolve("empty"));
        assertThat(OtherInstallData.warning(elsewhere, List.of(root.resolve("empty"), root.resolve("missing"))))
                .as("an other layout's dir without a broker, or none").isNull();
        assertThat(OtherInstallData.warning(service, List.of(service))).as("its own layout").isNull();
    }

    @Test
    void aDataDirWhoseLogLostItsMetaPropertiesIsNotNew() throws IOException {
        Path service = broker(root.resolve("docker-wazuh-bridge"));
        Path packaged = Files.createDirectories(root.resolve("dwb-standalone/kafka/__cluster_metadata-0"))
                .getParent().getParent();
        assertThat(OtherInstallData.warning(packaged, List.of(service, packaged)))
                .as("the start refuses it (LostMetaPropertiesTest): it is no new data dir").isNull();
    }

    private static Path broker(Path dataDir) throws IOException {
        Files.createDirectories(dataDir.resolve("kafka"));
        Files.writeString(dataDir.resolve("kafka/meta.properties"), "version=1\n");
        return dataDir;
    }
}
