package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A --kafka-config file that holds the fleet's Kafka login, or a file it names that holds a key or a login, is said at
 * start when every local user may read it; the configuration and its truststore also when others than its owner may
 * write them.
 */
class KafkaClientConfigTest {
    private static final String LOGIN = "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"l\" "
            + "password=\"s3cret\";\nssl.truststore.password=changeit\n";

    @TempDir
    Path dir;

    @RegisterExtension
    final LogLines logged = LogLines.of(KafkaClientConfig.class);

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

    /**
     * Misspelt properties were ignored without a word (Kafka says so at INFO, below its loggers' level), and
     * {@code --check} called the configuration valid.
     */
    @Test
    void propertiesNoKafkaClientKnowsAreSaidOnce() throws IOException {
        Path file = file("rw-------", "bootstrap.servers=kafka-1:9092\nlinger.mss=5\nsession.timout.ms=10000\n"
                + "isolation.level=read_committed\nacks=all\nsasl.mechanism=PLAIN\ndefault.api.timeout.ms=60000\n");
        assertThat(KafkaClientConfig.load(null, file).getProperty("linger.mss")).as("kept: a plugin's, perhaps")
                .isEqualTo("5");
        assertThat(warnings()).singleElement().asString().isEqualTo("the Kafka client configuration " + file
                + " sets linger.mss, session.timout.ms, which no property of Kafka's producer, consumer or admin "
                + "client is: ignored (misspelt?), unless a plugin it names reads it");
    }

    /** The JDK's words for a missing file are its path alone: "cannot read … /x: /x". */
    @Test
    void aFileThatIsNotThereIsSaidSo() {
        Path missing = dir.resolve("nothing.properties");
        assertThatThrownBy(() -> KafkaClientConfig.load(null, missing)).isInstanceOf(ConfigurationError.class)
                .hasMessage("cannot read the Kafka client configuration " + missing + ": no such file");
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

    /** Whoever writes it may point bootstrap.servers at their broker, with sasl.mechanism=PLAIN: the password. */
    @Test
    void aConfigurationItsGroupOrEveryUserMayWriteIsSaid() throws IOException {
        Path file = file("rw-rw----", LOGIN);
        KafkaClientConfig.load(null, file);
        assertThat(warnings()).singleElement().asString().contains(file + " may be written by its group (rw-rw----)")
                .contains("chooses the Kafka brokers").contains("chmod go-w " + file).doesNotContain("s3cret");
        logged.clear();
        KafkaClientConfig.load(null, file("rw-r---w-", "bootstrap.servers=kafka-1:9092\n"));
        assertThat(warnings()).singleElement().asString().contains("may be written by every user of this host");
    }

    @Test
    void aKeystoreAKeytabOrAnOAuthKeyEveryUserMayReadIsSaidNamingTheSettingAndTheFile() throws IOException {
        Path keystore = secret("client.p12", "rw-r--r--");
        Path keytab = secret("dwb.keytab", "rw-r--r--");
        Path assertionKey = secret("assertion.pem", "rw----r--");
        Path truststore = secret("truststore.p12", "rw-r--r--");
        Path file = file("rw-r-----", "ssl.keystore.location=" + keystore + "\nssl.truststore.location=" + truststore
                + "\nsasl.oauthbearer.assertion.private.key.file=" + assertionKey + "\nsasl.jaas.config=com.sun."
                + "security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=\"" + keytab + "\" "
                + "principal=\"dwb@EXAMPLE.COM\";\n");
        KafkaClientConfig.load(null, file);
        assertThat(warnings()).hasSize(3).noneMatch(w -> w.contains("truststore"));
        assertThat(warnings().get(0)).contains("ssl.keystore.location in the Kafka client configuration " + file
                + " is " + keystore + ", which every user of this host may read (rw-r--r--): chmod o-r " + keystore);
        assertThat(warnings().get(1)).startsWith("sasl.oauthbearer.assertion.private.key.file").contains("rw----r--");
        assertThat(warnings().get(2)).startsWith("sasl.jaas.config's keyTab").contains("is " + keytab + ",");
    }

    /** Whoever writes the truststore adds their CA: their broker is trusted, with sasl.mechanism=PLAIN the password. */
    @Test
    void aTruststoreItsGroupOrEveryUserMayWriteIsSaidNamingTheSettingAndTheFile() throws IOException {
        Path truststore = secret("truststore.p12", "rw-rw-r--");
        Path file = file("rw-r-----", "ssl.truststore.location=" + truststore + "\n");
        KafkaClientConfig.load(null, file);
        assertThat(warnings()).singleElement().asString().isEqualTo("ssl.truststore.location in the Kafka client "
                + "configuration " + file + " is " + truststore + ", which may be written by its group (rw-rw-r--): "
                + "whoever writes it chooses the Kafka brokers this process trusts and logs in to: chmod go-w "
                + truststore);
        logged.clear();
        Files.setPosixFilePermissions(truststore, PosixFilePermissions.fromString("rw-r--rw-"));
        KafkaClientConfig.load(null, file);
        assertThat(warnings()).singleElement().asString()
                .contains(truststore + ", which may be written by every user of this host (rw-r--rw-)");
    }

    @Test
    void aTruststoreOnlyItsOwnerMayWriteOrThatIsMissingIsNotSaid() throws IOException {
        Path truststore = secret("truststore.p12", "rw-r--r--");
        KafkaClientConfig.load(null, file("rw-r-----", "ssl.truststore.location=" + truststore + "\n"));
        KafkaClientConfig.load(null, file("rw-r-----", "ssl.truststore.location=" + dir.resolve("missing") + "\n"));
        assertThat(warnings()).isEmpty();
    }

    @Test
    void secretFilesOnlyTheirOwnerAndGroupMayReadOrThatAreMissingAreNotSaid() throws IOException {
        Path keystore = secret("client.p12", "rw-r-----");
        KafkaClientConfig.load(null, file("rw-r-----", "ssl.keystore.location=" + keystore + "\nsasl.jaas.config=com."
                + "sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=" + dir.resolve("missing")
                + " principal=\"dwb@EXAMPLE.COM\";\n"));
        assertThat(warnings()).isEmpty();
    }

    private Path secret(String name, String mode) throws IOException {
        Path secret = Files.writeString(dir.resolve(name), "secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString(mode));
        return secret;
    }

    private List<String> warnings() {
        return logged.messages();
    }

    private Path file(String mode, String text) throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"), text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
