package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.BrokerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The brokers of the Compose files have the settings the bridge recommends, from their one source
 * ({@link BrokerSettings}; the embedded broker uses it directly, {@code ClusterComposeTest} asks a running cluster).
 */
class BrokerSettingsSourceTest {
    @ParameterizedTest
    @ValueSource(strings = {"docker-compose.yml", "deploy/kafka-cluster.compose.yml"})
    void theComposeFilesBrokersHaveTheRecommendedSettings(String file) throws IOException {
        String compose = Files.readString(Path.of("").toAbsolutePath().getParent().resolve(file));
        BrokerSettings.RECOMMENDED.forEach((name, value) -> assertThat(compose).as("%s sets %s", file, name)
                .containsPattern("(?m)^\\s+" + BrokerSettings.imageVariable(name) + ": \"?" + value + "\"?$"));
    }

    /** The Compose deployment's broker is the only replica of its partitions, as the embedded one is. */
    @Test
    void theComposeDeploymentsOneBrokerForcesEachWriteToDisk() throws IOException {
        String compose = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("docker-compose.yml"));
        BrokerSettings.ONE_REPLICA.forEach((name, value) -> assertThat(compose).as("docker-compose.yml sets %s", name)
                .containsPattern("(?m)^\\s+" + BrokerSettings.imageVariable(name) + ": \"?" + value + "\"?$"));
    }
}
