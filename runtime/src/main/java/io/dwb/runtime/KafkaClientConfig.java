package io.dwb.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

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
        }
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            properties.setProperty("bootstrap.servers", bootstrapServers);
        }
        properties.putIfAbsent("bootstrap.servers", DEFAULT_BOOTSTRAP_SERVERS);
        return properties;
    }

    /** A copy of {@code base} with {@code overrides} on top; neither is changed. */
    public static Properties with(Properties base, Properties overrides) {
        Properties merged = new Properties();
        merged.putAll(base);
        merged.putAll(overrides);
        return merged;
    }
}
