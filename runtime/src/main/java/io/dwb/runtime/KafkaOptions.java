package io.dwb.runtime;

import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/** picocli mixin: how a process reaches an external Kafka cluster ({@code @Mixin KafkaOptions kafka;}). */
public final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka servers (env: DWB_BOOTSTRAP_SERVERS). Default: bootstrap.servers of "
                    + "--kafka-config; one of them is required.")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (SASL, TLS, timeouts, auto.offset.reset...), applied to "
                    + "every Kafka client (env: DWB_KAFKA_CONFIG).")
    Path kafkaConfig;

    /** The client properties: the file's, then {@code bootstrap.servers}; see {@link KafkaClientConfig#load}. */
    public Properties clientProperties() {
        return KafkaClientConfig.load(bootstrapServers, kafkaConfig);
    }

    /**
     * The {@code --kafka-config} file with the {@code --bootstrap-servers} option, for a process that reads it again
     * while it runs: its {@link KafkaConfigFile#load} is {@link #clientProperties}.
     */
    public KafkaConfigFile configFile() {
        return new KafkaConfigFile(bootstrapServers, kafkaConfig);
    }
}
