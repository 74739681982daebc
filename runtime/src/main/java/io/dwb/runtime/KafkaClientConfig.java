package io.dwb.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka client properties for a process: any property from {@code --kafka-config FILE} (SASL, TLS, timeouts: the
 * standard client property names), then {@code bootstrap.servers} from {@code --bootstrap-servers} when given.
 * Each process then sets what its contract requires (serializers, isolation, transactions) on top.
 */
public final class KafkaClientConfig {
    private static final Logger log = LoggerFactory.getLogger(KafkaClientConfig.class);
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    private KafkaClientConfig() {}

    /**
     * @param bootstrapServers the {@code --bootstrap-servers} option; null when not given, so that the file's
     *                         {@code bootstrap.servers} applies, or {@value #DEFAULT_BOOTSTRAP_SERVERS}
     * @param kafkaConfigFile  the {@code --kafka-config} file, or null
     */
    public static Properties load(String bootstrapServers, Path kafkaConfigFile) {
        Properties properties = new Properties();
        if (kafkaConfigFile != null) {
            try (Reader in = Files.newBufferedReader(kafkaConfigFile, StandardCharsets.UTF_8)) {
                properties.load(in);
            } catch (IOException e) {
                throw new ConfigurationError("cannot read the Kafka client configuration " + kafkaConfigFile + ": "
                        + e.getMessage(), e);
            }
            warnOfSecretsOpenToEveryone(kafkaConfigFile, properties);
        }
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            properties.setProperty("bootstrap.servers", bootstrapServers);
        }
        properties.putIfAbsent("bootstrap.servers", DEFAULT_BOOTSTRAP_SERVERS);
        return properties;
    }

    /**
     * A file every local user may read should not hold the fleet's Kafka login (the listener's may forge any host's
     * events and fence its listener; the forwarder's reads every host's command lines): said at every start. Only
     * said, not refused: in a container of one user a Kubernetes secret is mounted readable by all (0644) and is fine.
     * Readable by its group (the service's) is fine too.
     */
    private static void warnOfSecretsOpenToEveryone(Path file, Properties properties) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException | IOException e) {
            return; // not a POSIX file system: nothing to say about others
        }
        if (!permissions.contains(PosixFilePermission.OTHERS_READ)) {
            return;
        }
        List<String> secrets = properties.stringPropertyNames().stream()
                .filter(name -> isSecret(name, properties.getProperty(name))).sorted().toList();
        if (!secrets.isEmpty()) {
            log.warn("the Kafka client configuration {} holds {} and every user of this host may read it ({}): "
                    + "chmod o-r {} (its owner and group may read it)", file, String.join(", ", secrets),
                    PosixFilePermissions.toString(permissions), file);
        }
    }

    /**
     * Kafka's client properties that hold a password or a private key: a SASL login with a password, a keystore's
     * or key's password, a private key, an OAuth client secret or its assertion key's passphrase (Kafka 4.1). Not a
     * truststore's password (it guards public certificates), nor a login without a password (Kerberos keytab, AWS
     * IAM).
     */
    static boolean isSecret(String name, String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        return name.equals("sasl.jaas.config") ? lower.contains("password") || lower.contains("secret")
                : name.equals("ssl.keystore.password") || name.equals("ssl.key.password")
                || name.equals("ssl.keystore.key") || name.contains("secret") || name.endsWith(".passphrase");
    }

    /** A copy of {@code base} with {@code overrides} on top; neither is changed. */
    public static Properties with(Properties base, Properties overrides) {
        Properties merged = new Properties();
        merged.putAll(base);
        merged.putAll(overrides);
        return merged;
    }
}
