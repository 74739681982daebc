package io.dwb.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Kafka client properties for a process: any property from {@code --kafka-config FILE} (SASL, TLS, timeouts: the
 * standard client property names), then {@code bootstrap.servers} from {@code --bootstrap-servers} when given.
 * Each process then sets what its contract requires (serializers, isolation, transactions) on top.
 */
public final class KafkaClientConfig {
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
            refuseSecretsOpenToEveryone(kafkaConfigFile, properties);
        }
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            properties.setProperty("bootstrap.servers", bootstrapServers);
        }
        properties.putIfAbsent("bootstrap.servers", DEFAULT_BOOTSTRAP_SERVERS);
        return properties;
    }

    /**
     * A file every local user may read must not hold the fleet's Kafka login (the listener's may forge any host's
     * events and fence its listener; the forwarder's reads every host's command lines): as ssh does with a key, it is
     * refused. Readable by its group (the service's) is fine.
     */
    private static void refuseSecretsOpenToEveryone(Path file, Properties properties) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException | IOException e) {
            return; // not a POSIX file system: nothing to say about others
        }
        if (!permissions.contains(PosixFilePermission.OTHERS_READ)) {
            return;
        }
        List<String> secrets = properties.stringPropertyNames().stream().filter(KafkaClientConfig::isSecret)
                .sorted().toList();
        if (!secrets.isEmpty()) {
            throw new ConfigurationError("the Kafka client configuration " + file + " holds " + String.join(", ",
                    secrets) + " and every user may read it (" + PosixFilePermissions.toString(permissions)
                    + "): chmod o-r " + file + " (its owner and group may read it)");
        }
    }

    /** Kafka's client properties that hold a password or a key: SASL's login, TLS's passwords and keys. */
    static boolean isSecret(String name) {
        return name.equals("sasl.jaas.config") || name.endsWith(".password") || name.contains("secret")
                || name.equals("ssl.keystore.key") || name.equals("ssl.keystore.certificate.chain");
    }

    /** A copy of {@code base} with {@code overrides} on top; neither is changed. */
    public static Properties with(Properties base, Properties overrides) {
        Properties merged = new Properties();
        merged.putAll(base);
        merged.putAll(overrides);
        return merged;
    }
}
