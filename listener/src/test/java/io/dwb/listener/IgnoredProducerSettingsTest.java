package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What exactly-once needs of the producer is the listener's, whatever the Kafka client configuration says: settings
 * there that would weaken it are said once at start, where they were replaced without a word.
 */
class IgnoredProducerSettingsTest {
    @RegisterExtension
    final LogLines logged = LogLines.of(TransactionalPublisher.class);

    private static Properties of(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return p;
    }

    @Test
    void settingsThatWouldWeakenExactlyOnceAreSaidOnce() {
        Properties given = of("acks", "1", "enable.idempotence", "false", "transactional.id", "mine",
                "isolation.level", "read_uncommitted");
        TransactionalPublisher.warnOfIgnoredSettings(given);
        assertThat(logged.messages(Level.WARN)).singleElement().asString().startsWith("the Kafka client "
                + "configuration sets transactional.id=mine, enable.idempotence=false, acks=1, "
                + "isolation.level=read_uncommitted: ignored, the listener publishes in transactions, idempotent, "
                + "acks=all");
        assertThat(TransactionalPublisher.producerConfig(given, "docker-listener-h")).containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true").containsEntry("transactional.id", "docker-listener-h");
    }

    @Test
    void theSettingsExactlyOnceUsesAnywayAreNotSaid() {
        TransactionalPublisher.warnOfIgnoredSettings(of("acks", "all", "enable.idempotence", "true"));
        TransactionalPublisher.warnOfIgnoredSettings(of("acks", "-1"));
        assertThat(logged.messages(Level.WARN)).isEmpty();
    }
}
