package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class LauncherTest {
    @Command(description = "a command for tests")
    static final class Sample implements Callable<Integer> {
        @Option(names = "--topic", defaultValue = "docker-events", description = "topic (default: ${DEFAULT-VALUE})")
        String topic;

        @Option(names = "--eps", defaultValue = "0")
        int eps;

        @Option(names = "--fail")
        String fail;

        @Override
        public Integer call() {
            if ("config".equals(fail)) {
                throw new ConfigurationError("malformed ossec.conf: line 3");
            }
            if ("runtime".equals(fail)) {
                throw new IllegalStateException("Kafka at localhost:1 did not answer\nwithin 30 s");
            }
            if ("quoting".equals(fail)) { // a failure quoting text others chose (a record's header, a label key)
                throw new IllegalStateException("cannot read 'x\u001b[2J\u202ey'");
            }
            if ("kafka".equals(fail)) { // a configuration the Kafka client refuses: it says why in its cause only
                producer(Map.of("request.timeout.ms", "60000", "delivery.timeout.ms", "30000"));
            }
            if ("kafka-quoting".equals(fail)) { // a reason quoting a value of the user's
                throw new KafkaException("Failed to create new KafkaAdminClient",
                        new ConfigException("Invalid value x\u001b[2J for configuration sasl.mechanism"));
            }
            if ("kafka-jaas".equals(fail)) { // Kafka's client refuses it with an IllegalArgumentException, not a
                // ConfigException: the line a user writes without its closing semicolon
                producer(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
                                + "password=\"p\""));
            }
            if ("kafka-jaas-module".equals(fail)) { // the login module's class misspelt
                producer(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModul required username=\"u\" "
                                + "password=\"p\";"));
            }
            if ("kafka-jaas-password".equals(fail)) { // a generated password with a quote in it, or an unquoted one
                producer(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
                                + "password=\"Xk9\"pQzLrT7w\";"));
            }
            if ("kafka-keystore".equals(fail)) { // a file that may be there at the next start (written by a renewal)
                producer(Map.of("security.protocol", "SSL", "ssl.keystore.location", "/nonexistent/client.p12",
                        "ssl.keystore.password", "changeit"));
            }
            if ("topic".equals(fail)) { // a value the command's own check refuses, after parsing
                throw new ConfigurationError("--topic " + topic + " is not a topic the sample takes");
            }
            if ("linkage".equals(fail)) { // a class of the build missing from the jar
                throw new NoClassDefFoundError("org/newsclub/net/unix/AFUNIXSocketAddress");
            }
            if ("dns".equals(fail)) { // .invalid never resolves (RFC 2606)
                producer(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "kafka.invalid:9092"));
            }
            return 0;
        }

        private static void producer(Map<String, Object> settings) {
            Map<String, Object> all = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
            all.putAll(settings);
            new KafkaProducer<byte[], byte[]>(all).close();
        }
    }

    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void captureStandardError() {
        originalErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStandardError() {
        System.setErr(originalErr);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void commandLineWinsOverEnvironmentWhichWinsOverTheConfigFile() throws IOException {
        Path config = Files.writeString(dir.resolve("bridge.properties"), "topic=from-file\neps=7\n");
        Sample sample = new Sample();
        int code = Launcher.execute("sample", sample, new String[] {"--config", config.toString()},
                Map.of("DWB_TOPIC", "from-env"));
        assertThat(code).isZero();
        assertThat(sample.topic).isEqualTo("from-env");
        assertThat(sample.eps).isEqualTo(7);

        Sample explicit = new Sample();
        Launcher.execute("sample", explicit, new String[] {"--topic", "from-cli"},
                Map.of("DWB_TOPIC", "from-env", "DWB_CONFIG", config.toString()));
        assertThat(explicit.topic).isEqualTo("from-cli");
        assertThat(explicit.eps).isEqualTo(7);

        Sample defaults = new Sample();
        Launcher.execute("sample", defaults, new String[0], Map.of());
        assertThat(defaults.topic).isEqualTo("docker-events");
    }

    @Test
    void anUnknownOptionIsOneLineAndExitTwo() {
        int code = Launcher.execute("sample", new Sample(), new String[] {"--no-such-option"}, Map.of());
        assertThat(code).isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().lines()).as("the hint on a line of its own, not after a literal \\n")
                .containsExactly("error: Unknown option: '--no-such-option'", "Try 'sample --help' for the options.");
    }

    @Test
    void anOptionGivenTwiceIsOneLineAndExitTwo() {
        int code = Launcher.execute("sample", new Sample(), new String[] {"--topic", "a", "--topic", "b"}, Map.of());
        assertThat(code).isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().lines()).containsExactly("error: option '--topic' (<topic>) should be specified only once",
                "Try 'sample --help' for the options.");
    }

    @Test
    void aMissingConfigFileIsNamed() {
        int code = Launcher.execute("sample", new Sample(), new String[] {"--config", "/nonexistent/x.properties"},
                Map.of());
        assertThat(code).isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err()).contains("error: cannot read the configuration file /nonexistent/x.properties");
    }

    @Test
    void configurationErrorsExitTwoAndFailuresExitOneWithOneLineAndNoStackTrace() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "config"}, Map.of()))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err()).contains("error: malformed ossec.conf: line 3");
        err.reset();
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "runtime"}, Map.of()))
                .isEqualTo(Launcher.EXIT_FAILURE);
        assertThat(err().strip()).isEqualTo("error: Kafka at localhost:1 did not answer within 30 s");
        err.reset();
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "quoting"}, Map.of()))
                .isEqualTo(Launcher.EXIT_FAILURE);
        assertThat(err().strip()).as("escaped as in every log line")
                .isEqualTo("error: cannot read 'x\\u001b[2J\\u202ey'");
    }

    /**
     * A value the command's own check refuses names where it came from, when not from the command line, as picocli's
     * refusals do: the line named the option alone, which the reader of an environment file had not written.
     */
    @Test
    void aValueTheCommandRefusesSaysWhereItCameFrom() throws IOException {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "topic"},
                Map.of("DWB_TOPIC", "x y"))).isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().strip()).isEqualTo("error: --topic x y is not a topic the sample takes (from DWB_TOPIC)");
        err.reset();
        Path config = Files.writeString(dir.resolve("sample.properties"), "topic=x z\n");
        Launcher.execute("sample", new Sample(), new String[] {"--fail", "topic", "--config", config.toString()},
                Map.of());
        assertThat(err().strip()).endsWith("(from topic in the --config file)");
        err.reset();
        Launcher.execute("sample", new Sample(), new String[] {"--fail", "topic", "--topic", "x"},
                Map.of("DWB_TOPIC", "x y"));
        assertThat(err().strip()).as("the command line's").isEqualTo("error: --topic x is not a topic the sample "
                + "takes");
    }

    /**
     * A class of the build missing (the standalone's jar was built without the Unix socket library): one line and exit
     * 2, which the units do not restart. The JVM printed "Exception in thread main" and its stack trace, exit 1,
     * restarted for ever.
     */
    @Test
    void aBrokenInstallationIsOneLineAndExitTwo() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "linkage"}, Map.of()))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().strip()).isEqualTo("error: this installation is broken (java.lang.NoClassDefFoundError: "
                + "org/newsclub/net/unix/AFUNIXSocketAddress): install the release again, or build it again whole "
                + "(mvn package)");
    }

    @Test
    void aConfigurationTheKafkaClientRefusesIsOneLineWithItsReasonAndExitTwo() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "kafka"}, Map.of()))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().strip()).isEqualTo("error: Failed to construct kafka producer: delivery.timeout.ms should "
                + "be equal to or larger than linger.ms + request.timeout.ms");
        err.reset();
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "kafka-quoting"}, Map.of()))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().strip()).as("the reason escaped as every log line")
                .isEqualTo("error: Failed to create new KafkaAdminClient: Invalid value x\\u001b[2J for "
                        + "configuration sasl.mechanism");
    }

    /**
     * A bad value from the environment or the --config file says where it came from: the line named the option alone
     * ("Invalid value for option '--eps'"), which the person reading it had not written.
     */
    @Test
    void aBadValueNotFromTheCommandLineSaysWhereItCameFrom() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {}, Map.of("DWB_EPS", "lots")))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err()).contains("Invalid value for option '--eps'").contains("(from DWB_EPS)");
        err.reset();
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--eps", "lots"}, Map.of("DWB_EPS", "5")))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err()).contains("Invalid value for option '--eps'").doesNotContain("(from");
    }

    /** Before, the line was Kafka's "Failed to construct kafka producer" alone, and the exit 1 restarted for ever. */
    @Test
    void aJaasLineKafkaCannotParseIsOneLineWithItsReasonAndExitTwo() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "kafka-jaas"}, Map.of()))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().strip()).isEqualTo("error: Failed to construct kafka producer (IllegalArgumentException: "
                + "JAAS config entry not terminated by semi-colon)");
    }

    /** A login module's class misspelt: exit 1 before, restarted by systemd for ever. */
    @Test
    void aJaasLoginModuleThatIsNotThereIsOneLineAndExitTwo() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "kafka-jaas-module"}, Map.of()))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().strip()).startsWith("error: Failed to construct kafka producer").contains("No LoginModule "
                + "found for org.apache.kafka.common.security.plain.PlainLoginModul");
    }

    /**
     * Kafka's parser quotes the word of sasl.jaas.config it stopped on, which may be the password's (one with a quote
     * or a space in it): the error line, the journal's, said it. Its quoted words are left out now.
     */
    @Test
    void aJaasLineKafkaCannotParseSaysNoWordOfItsPassword() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "kafka-jaas-password"}, Map.of()))
                .isEqualTo(Launcher.EXIT_USAGE);
        assertThat(err().strip()).isEqualTo("error: Failed to construct kafka producer (IllegalArgumentException: "
                + "Value not specified for key '…' in JAAS config (the words of sasl.jaas.config it quoted left "
                + "out))")
                .doesNotContain("pQzLrT7w");
    }

    @Test
    void aKafkaClientThatCannotBeBuiltSaysWhyAndIsAFailure() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "kafka-keystore"}, Map.of()))
                .isEqualTo(Launcher.EXIT_FAILURE);
        assertThat(err().strip().lines()).last().asString().startsWith("error: Failed to construct kafka producer")
                .contains("/nonexistent/client.p12");
    }

    /** The bridge's own words are whole: a cause that is not Kafka's (a number Java could not read) adds nothing. */
    @Test
    void theLineOfAnErrorInTheBridgesOwnWordsIsNotFollowedByItsCause() {
        assertThat(Launcher.oneLine(new ConfigurationError("default.api.timeout.ms in the Kafka client configuration "
                + "is not a number of milliseconds: 60s", new NumberFormatException("For input string: \"60s\""))))
                .isEqualTo("default.api.timeout.ms in the Kafka client configuration is not a number of "
                        + "milliseconds: 60s");
    }

    @Test
    void aKafkaServerNameThatDoesNotResolveMayResolveAtTheNextStartExitOne() {
        assertThat(Launcher.execute("sample", new Sample(), new String[] {"--fail", "dns"}, Map.of()))
                .isEqualTo(Launcher.EXIT_FAILURE);
        assertThat(err().strip().lines()).as("after the Kafka client's own WARN").last()
                .isEqualTo("error: Failed to construct kafka producer: No resolvable bootstrap urls given in "
                        + "bootstrap.servers");
    }

    @Test
    void helpNamesTheEnvironmentVariablesAndDefaults() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Launcher.execute("sample", new Sample(), new String[] {"--help"}, Map.of())).isZero();
        } finally {
            System.setOut(originalOut);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: sample").contains("--config=FILE")
                .contains("DWB_FOO_BAR").contains("default: docker-events");
    }

    @Test
    void kafkaConfigFileThenBootstrapOption() throws IOException {
        Path file = Files.writeString(dir.resolve("kafka.properties"),
                "bootstrap.servers=broker-a:9093\nsecurity.protocol=SASL_SSL\n");
        Properties fromFile = KafkaClientConfig.load(null, file);
        assertThat(fromFile.getProperty("bootstrap.servers")).isEqualTo("broker-a:9093");
        assertThat(fromFile.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(KafkaClientConfig.load("broker-b:9092", file).getProperty("bootstrap.servers"))
                .isEqualTo("broker-b:9092");
        // No default: localhost:9092 was one, a port any local user may listen on first.
        assertThatThrownBy(() -> KafkaClientConfig.requireServers(KafkaClientConfig.load(null, null)))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage("no Kafka servers given: set --bootstrap-servers (DWB_BOOTSTRAP_SERVERS) or "
                        + "bootstrap.servers in the --kafka-config file");
        Path none = Files.writeString(dir.resolve("no-servers.properties"), "security.protocol=SASL_SSL\n");
        assertThatThrownBy(() -> KafkaClientConfig.requireServers(KafkaClientConfig.load(null, none)))
                .isInstanceOf(ConfigurationError.class);
        KafkaClientConfig.requireServers(fromFile);
    }

    @Test
    void metricsAndHealth() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter events = Counter.builder().name("dwb_test_events").help("events").register(registry);
        events.inc(3);
        AtomicBoolean healthy = new AtomicBoolean(true);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(MetricsEndpoint.Binding.loopback(port), registry,
                new KafkaClientMetrics(), healthy::get)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("dwb_test_events_total 3.0")
                    .as("the JVM's and the process's own metrics too")
                    .contains("jvm_memory_used_bytes{area=\"heap\"}").contains("jvm_threads_current ")
                    .contains("process_resident_memory_bytes ").contains("process_cpu_seconds_total ");
            URI health = URI.create("http://127.0.0.1:" + port + "/healthz");
            assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            healthy.set(false);
            assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(503);
        }
    }
}
