package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.KafkaImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kafka version has one source, pom.xml's {@code kafka.version}: the clients and the embedded broker are built
 * with it, bin/support/test-env.sh builds the tests' broker image of it, the tests fall back to Apache's image of it
 * ({@code KafkaImage}). A Compose file cannot read the pom, so its default broker image is checked here instead.
 */
class KafkaVersionSourceTest {
    private static final Pattern DEFAULT_IMAGE = Pattern.compile("\\$\\{KAFKA_IMAGE:-([^}]+)}");

    @ParameterizedTest
    @ValueSource(strings = {"docker-compose.yml", "deploy/kafka-cluster.compose.yml"})
    void theComposeFilesDefaultBrokerIsTheBuildsKafkaVersion(String file) throws IOException {
        String compose = Files.readString(Path.of("").toAbsolutePath().getParent().resolve(file));
        Matcher m = DEFAULT_IMAGE.matcher(compose);
        assertThat(m.find()).as("%s names a default broker image", file).isTrue();
        do {
            assertThat(m.group(1)).as("a default broker image of %s", file).isEqualTo(KafkaImage.apache());
        } while (m.find());
    }
}
