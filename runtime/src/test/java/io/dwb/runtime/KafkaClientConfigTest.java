package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A --kafka-config file that holds the fleet's Kafka login is said at start when every local user may read it. */
class KafkaClientConfigTest {
    private static final String LOGIN = "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"l\" "
            + "password=\"s3cret\";\nssl.truststore.password=changeit\n";

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void listen() {
        logged.start();
        ((Logger) LoggerFactory.getLogger(KafkaClientConfig.class)).addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        ((Logger) LoggerFactory.getLogger(KafkaClientConfig.class)).detachAppender(logged);
    }

    @Test
    void aLoginEveryUserMayReadIsSaidNamingTheFileWhatItHoldsAndTheFix() throws IOException {
        Path file = file("rw-r--r--", LOGIN);
        assertThat(KafkaClientConfig.load(null, file).getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(warnings()).singleElement().asString().contains(file.toString())
                .contains("holds sasl.jaas.config and every user").contains("rw-r--r--").contains("chmod o-r")
                .doesNotContain("s3cret").doesNotContain("truststore");
    }

    @Test
    void anOAuthClientSecretEveryUserMayReadIsSaid() throws IOException {
        file("rw-r--r--", "sasl.mechanism=OAUTHBEARER\nsasl.jaas.config=org.apache.kafka.common.security.oauthbearer."
                + "OAuthBearerLoginModule required clientId=\"dwb\" clientSecret=\"s3cret\";\n");
        KafkaClientConfig.load(null, dir.resolve("client.properties"));
        assertThat(warnings()).singleElement().asString().contains("holds sasl.jaas.config and every user")
                .doesNotContain("s3cret");
    }

    @Test
    void anOAuthAssertionKeysPassphraseEveryUserMayReadIsSaid() throws IOException {
        file("rw-r--r--", "sasl.mechanism=OAUTHBEARER\n"
                + "sasl.oauthbearer.assertion.private.key.passphrase=s3cret\n");
        KafkaClientConfig.load(null, dir.resolve("client.properties"));
        assertThat(warnings()).singleElement().asString()
                .contains("holds sasl.oauthbearer.assertion.private.key.passphrase").doesNotContain("s3cret");
    }

    @Test
    void aLoginItsOwnerAndGroupMayReadIsNotSaid() throws IOException {
        KafkaClientConfig.load(null, file("rw-r-----", LOGIN));
        assertThat(warnings()).isEmpty();
    }

    @Test
    void settingsWithoutASecretMayBeReadByAnyone() throws IOException {
        // A truststore's password guards public certificates; a Kerberos login reads its keytab.
        KafkaClientConfig.load(null, file("rw-r--r--", "bootstrap.servers=kafka-1:9092\nssl.truststore.password=x\n"
                + "sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;\n"));
        assertThat(warnings()).isEmpty();
    }

    private List<String> warnings() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private Path file(String mode, String text) throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"), text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
