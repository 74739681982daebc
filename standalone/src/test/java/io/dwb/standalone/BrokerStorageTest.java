package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which log directories a start may format: only one without a partition's log. A format cut short (its files, no
 * directory) is formatted again; a log without meta.properties is refused (LostMetaPropertiesTest: the real broker).
 */
class BrokerStorageTest {
    @TempDir
    Path dataDir;

    @Test
    void aMissingOrEmptyLogDirectoryOrOneAFormatWasCutShortInIsNew() throws IOException {
        Path logDir = dataDir.resolve("kafka");
        assertThat(BrokerStorage.of(logDir)).isEqualTo(BrokerStorage.NEW);
        Files.createDirectory(logDir);
        assertThat(BrokerStorage.of(logDir)).isEqualTo(BrokerStorage.NEW);
        Files.writeString(logDir.resolve("bootstrap.checkpoint"), "written before meta.properties");
        Files.writeString(logDir.resolve(".lock"), "");
        assertThat(BrokerStorage.of(logDir)).isEqualTo(BrokerStorage.NEW);
    }

    @Test
    void metaPropertiesMakeItFormattedAPartitionsLogWithoutThemIsRefused() throws IOException {
        Path logDir = Files.createDirectories(dataDir.resolve("kafka/__cluster_metadata-0")).getParent();
        assertThat(BrokerStorage.of(logDir)).isEqualTo(BrokerStorage.LOG_WITHOUT_META_PROPERTIES);
        Files.writeString(logDir.resolve(BrokerStorage.META_PROPERTIES), "version=1\n");
        assertThat(BrokerStorage.of(logDir)).isEqualTo(BrokerStorage.FORMATTED);
    }

    @Test
    void theRefusalNamesTheDirectoryItsFirstLogsAndBothWaysOut() throws IOException {
        Path logDir = dataDir.resolve("kafka");
        for (String log : new String[] {"docker-events-0", "__cluster_metadata-0", "__consumer_offsets-0",
                "docker-events-checkpoints-0", "docker-events-dlq-0"}) {
            Files.createDirectories(logDir.resolve(log));
        }
        assertThat(BrokerStorage.refusal(logDir)).hasMessageStartingWith(logDir + " holds the embedded broker's "
                        + "log (__cluster_metadata-0, __consumer_offsets-0, docker-events-0 and 2 more) but no "
                        + "meta.properties")
                .hasMessageContaining("restore " + logDir.resolve("meta.properties"))
                .hasMessageEndingWith("mv " + logDir + " " + dataDir.resolve("kafka.lost"));
    }
}
