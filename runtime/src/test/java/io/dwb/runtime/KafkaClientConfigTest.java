package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A --kafka-config file that holds the fleet's Kafka login is refused when every local user may read it. */
class KafkaClientConfigTest {
    private static final String LOGIN = "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"l\" "
            + "password=\"s3cret\";\n";

    @TempDir
    Path dir;

    @Test
    void aLoginEveryUserMayReadIsRefusedNamingTheFileWhatItHoldsAndTheFix() throws IOException {
        Path file = file("rw-r--r--", LOGIN + "ssl.truststore.password=changeit\n");
        assertThatThrownBy(() -> KafkaClientConfig.load(null, file)).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("sasl.jaas.config, ssl.truststore.password")
                .hasMessageContaining("rw-r--r--").hasMessageContaining("chmod o-r")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void aLoginItsOwnerAndGroupMayReadIsTaken() throws IOException {
        Path file = file("rw-r-----", LOGIN);
        assertThat(KafkaClientConfig.load(null, file).getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
    }

    @Test
    void settingsWithoutSecretsMayBeReadByAnyone() throws IOException {
        Path file = file("rw-r--r--", "bootstrap.servers=kafka-1:9092\ncompression.type=lz4\n");
        assertThat(KafkaClientConfig.load(null, file).getProperty("bootstrap.servers")).isEqualTo("kafka-1:9092");
    }

    private Path file(String mode, String text) throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"), text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
