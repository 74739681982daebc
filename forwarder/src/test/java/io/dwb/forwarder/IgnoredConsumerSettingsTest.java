package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What delivering exactly what was committed needs of the consumer is the forwarder's, whatever the Kafka client
 * configuration says: settings there that would weaken it are said once at start, where they were replaced without a
 * word.
 */
class IgnoredConsumerSettingsTest {
    @RegisterExtension
    final LogLines logged = LogLines.of(Forwarder.class);

    @Test
    void readUncommittedAndAutoCommitAreSaidAsIgnored() {
        Properties given = new Properties();
        given.setProperty("isolation.level", "read_uncommitted");
        given.setProperty("enable.auto.commit", "true");
        given.setProperty("acks", "0");
        Forwarder.warnOfIgnoredSettings(given);
        assertThat(logged.messages(Level.WARN)).singleElement().asString().startsWith("the Kafka client "
                + "configuration sets isolation.level=read_uncommitted, enable.auto.commit=true, acks=0: ignored");
    }

    @Test
    void theSettingsTheForwarderUsesAnywayAreNotSaid() {
        Properties given = new Properties();
        given.setProperty("isolation.level", "read_committed");
        given.setProperty("enable.auto.commit", "false");
        Forwarder.warnOfIgnoredSettings(given);
        assertThat(logged.messages(Level.WARN)).isEmpty();
    }
}
