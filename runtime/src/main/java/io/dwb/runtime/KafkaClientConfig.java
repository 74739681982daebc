package io.dwb.runtime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka client properties for a process: any property from {@code --kafka-config FILE} (SASL, TLS, timeouts: the
 * standard client property names), then {@code bootstrap.servers} from {@code --bootstrap-servers} when given.
 * Each process then sets what its contract requires (serializers, isolation, transactions) on top.
 */
public final class KafkaClientConfig {
    private static final Logger log = LoggerFactory.getLogger(KafkaClientConfig.class);
    /**
     * Properties naming a file that holds a private key or a credential (not a truststore: public certificates; only
     * who may write it is said).
     */
    private static final List<String> SECRET_FILES = List.of("ssl.keystore.location",
            "sasl.oauthbearer.assertion.private.key.file", "sasl.oauthbearer.assertion.file");
    /** A Kerberos login's keytab in the JAAS configuration: {@code keyTab="/etc/x.keytab"}, quoted or not. */
    private static final Pattern KEYTAB = Pattern.compile("\\bkeyTab\\s*=\\s*(?:\"([^\"]*)\"|([^\\s;]+))",
            Pattern.CASE_INSENSITIVE);

    /** What the unknown properties' line says of them at most. */
    private static final int MAX_UNKNOWN_CHARS = 1_000;
    /** Every property Kafka's producer, consumer or admin client knows: what a file may set for the bridge's. */
    private static final Set<String> CLIENT_PROPERTIES = Stream.of(ProducerConfig.configNames(),
            ConsumerConfig.configNames(), AdminClientConfig.configNames()).flatMap(Set::stream)
            .collect(Collectors.toUnmodifiableSet());

    private KafkaClientConfig() {}

    /**
     * @param bootstrapServers the {@code --bootstrap-servers} option; null when not given, so that the file's
     *                         {@code bootstrap.servers} applies (none at all: {@link #requireServers})
     * @param kafkaConfigFile  the {@code --kafka-config} file, or null
     */
    public static Properties load(String bootstrapServers, Path kafkaConfigFile) {
        if (kafkaConfigFile == null) {
            return of(bootstrapServers, new Properties());
        }
        return parse(bootstrapServers, kafkaConfigFile, read(kafkaConfigFile));
    }

    /** The bytes of the {@code --kafka-config} file. */
    static byte[] read(Path kafkaConfigFile) {
        try {
            return Files.readAllBytes(kafkaConfigFile);
        } catch (IOException e) {
            throw new ConfigurationError("cannot read the Kafka client configuration " + kafkaConfigFile + ": "
                    + Causes.fileProblem(e), e);
        }
    }

    /**
     * The properties of {@code content}, read from {@code kafkaConfigFile} (UTF-8, as properties files are read
     * since Java 9), with what is said of the file's and its files' permissions, and {@code bootstrapServers} on top.
     */
    static Properties parse(String bootstrapServers, Path kafkaConfigFile, byte[] content) {
        Properties properties = new Properties();
        try (Reader in = new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT))) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: a malformed Unicode escape
            throw new ConfigurationError("cannot read the Kafka client configuration " + kafkaConfigFile + ": "
                    + e.getMessage(), e);
        }
        warnOfUnknownProperties(kafkaConfigFile, properties);
        warnOfSecretsOpenToEveryone(kafkaConfigFile, properties);
        warnOfSecretFilesOpenToEveryone(kafkaConfigFile, properties);
        warnOfATruststoreOthersMayWrite(kafkaConfigFile, properties);
        return of(bootstrapServers, properties);
    }

    private static Properties of(String bootstrapServers, Properties properties) {
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            properties.setProperty("bootstrap.servers", bootstrapServers);
        }
        return properties;
    }

    /**
     * Refuses client properties without Kafka's servers, before a process starts: there is no default, as Kafka's
     * clients and tools have none. {@code localhost:9092} was one, plaintext, and a service started before its
     * servers were set connected to whatever listened there: a port above 1024, which any local user may listen on
     * first, to be sent the host's events (the listener) or to send forged alerts into Wazuh's queue (the forwarder).
     */
    public static void requireServers(Properties clientProperties) {
        if (clientProperties.getProperty("bootstrap.servers", "").isBlank()) {
            throw new ConfigurationError("no Kafka servers given: set --bootstrap-servers (DWB_BOOTSTRAP_SERVERS) or "
                    + "bootstrap.servers in the --kafka-config file");
        }
    }

    /**
     * The settings of {@code clientConfig} a process replaces with what it needs, each {@code name=value}, in the
     * order of {@code needed}: each setting and the values it may keep (compared trimmed, ignoring case; none: any
     * value is replaced). For the one line that says them at start.
     */
    public static List<String> replacedSettings(Properties clientConfig,
                                                List<Map.Entry<String, Set<String>>> needed) {
        List<String> replaced = new ArrayList<>();
        for (Map.Entry<String, Set<String>> setting : needed) {
            String value = clientConfig.getProperty(setting.getKey());
            if (value != null && !setting.getValue().contains(value.strip().toLowerCase(Locale.ROOT))) {
                replaced.add(setting.getKey() + "=" + value);
            }
        }
        return replaced;
    }

    /**
     * Properties no Kafka client of the bridge's knows: misspelt ({@code linger.mss}, {@code session.timout.ms}), they
     * were ignored, Kafka saying so only at INFO, below the level its loggers log at, and {@code --check} called the
     * configuration valid. Said, not refused: a plugin the file names (an interceptor, a login callback) may read
     * properties of its own.
     */
    private static void warnOfUnknownProperties(Path file, Properties properties) {
        List<String> unknown = properties.stringPropertyNames().stream()
                .filter(name -> !CLIENT_PROPERTIES.contains(name)).sorted().toList();
        if (!unknown.isEmpty()) {
            log.warn("the Kafka client configuration {} sets {}, which no property of Kafka's producer, consumer or "
                    + "admin client is: ignored (misspelt?), unless a plugin it names reads it", file,
                    LogText.bounded(String.join(", ", unknown), MAX_UNKNOWN_CHARS));
        }
    }

    /**
     * A file every local user may read should not hold the fleet's Kafka login (the listener's may forge any host's
     * events and fence its listener; the forwarder's reads every host's command lines); nor should one that users
     * besides its owner may write: they choose the brokers this process trusts and logs in to (with
     * sasl.mechanism=PLAIN, theirs receive the password, whichever file holds it). Said at every start. Only said,
     * not refused: in a container of one user a Kubernetes secret is mounted readable by all (0644) and is fine.
     * Readable by its group (the service's) is fine too.
     */
    private static void warnOfSecretsOpenToEveryone(Path file, Properties properties) {
        Set<PosixFilePermission> permissions = permissions(file);
        if (permissions == null) {
            return; // not a POSIX file system: nothing to say about others
        }
        String writers = FileAudience.writers(permissions);
        if (writers != null) {
            log.warn("the Kafka client configuration {} may be written by {} ({}): whoever writes it chooses the "
                    + "Kafka brokers this process trusts and logs in to, and can have its login sent to theirs: "
                    + "chmod go-w {}", file, writers, PosixFilePermissions.toString(permissions), file);
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
     * The files the configuration names that hold a private key or a login (a keystore, a Kerberos keytab, an OAuth
     * assertion or its key): said at every start when every local user may read one, as for the configuration.
     * A relative path is the client's: from the working directory. A file that cannot be read is the client's to
     * report.
     */
    private static void warnOfSecretFilesOpenToEveryone(Path file, Properties properties) {
        Map<String, String> named = new LinkedHashMap<>(); // what names it: the file
        for (String name : SECRET_FILES) {
            String value = properties.getProperty(name);
            if (value != null && !value.isBlank()) {
                named.put(name, value.strip());
            }
        }
        String jaas = properties.getProperty("sasl.jaas.config");
        Matcher keyTab = KEYTAB.matcher(jaas == null ? "" : jaas);
        while (keyTab.find()) {
            named.put("sasl.jaas.config's keyTab", keyTab.group(1) != null ? keyTab.group(1) : keyTab.group(2));
        }
        named.forEach((setting, path) -> {
            Set<PosixFilePermission> permissions;
            try {
                permissions = permissions(Path.of(path));
            } catch (InvalidPathException e) {
                return; // the client's to report
            }
            if (permissions != null && permissions.contains(PosixFilePermission.OTHERS_READ)) {
                log.warn("{} in the Kafka client configuration {} is {}, which every user of this host may read "
                        + "({}): chmod o-r {}", setting, file, path, PosixFilePermissions.toString(permissions), path);
            }
        });
    }

    /**
     * The truststore the configuration names ({@code ssl.truststore.location}): said at every start when users besides
     * its owner may write it, as for the configuration. It holds no secret, but it is what chooses the brokers: whoever
     * writes it adds their CA, and their broker is then trusted (with sasl.mechanism=PLAIN it receives the password).
     * A relative path is the client's: from the working directory. A file that cannot be read is the client's to
     * report.
     */
    private static void warnOfATruststoreOthersMayWrite(Path file, Properties properties) {
        String path = properties.getProperty("ssl.truststore.location");
        if (path == null || path.isBlank()) {
            return;
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = permissions(Path.of(path.strip()));
        } catch (InvalidPathException e) {
            return; // the client's to report
        }
        String writers = permissions == null ? null : FileAudience.writers(permissions);
        if (writers != null) {
            log.warn("ssl.truststore.location in the Kafka client configuration {} is {}, which may be written by {} "
                    + "({}): whoever writes it chooses the Kafka brokers this process trusts and logs in to: "
                    + "chmod go-w {}", file, path.strip(), writers, PosixFilePermissions.toString(permissions),
                    path.strip());
        }
    }

    /** A file's permissions; null when it has none to say (not a POSIX file system, or no such file). */
    private static Set<PosixFilePermission> permissions(Path file) {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException | IOException e) {
            return null;
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
