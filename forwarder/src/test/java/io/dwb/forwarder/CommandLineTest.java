package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.Launcher;
import io.dwb.schemas.testing.JavaProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Options, their defaults, environment variables, and the errors a user sees for bad values. */
class CommandLineTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        ForwarderSettings s = ForwarderRun.settings();
        assertThat(s.kafka().getProperty("bootstrap.servers")).as("none: required at start").isNull();
        assertThat(s.topic()).isEqualTo("docker-events");
        assertThat(s.group()).isEqualTo("wazuh-forwarder");
        assertThat(s.dlqTopic()).isEqualTo("docker-events-dlq");
        assertThat(s.wazuhQueue()).isEqualTo("/var/ossec/queue/sockets/queue");
        assertThat(s.legacyFields()).isEqualTo(LegacyFieldsMode.AUTO);
        // The default queue has Wazuh's layout; no readable ossec.conf here: paced at 90 % of Wazuh's default.
        assertThat(s.eps()).isEqualTo(450);
        assertThat(s.replay()).isFalse();
        assertThat(Forwarder.consumerProperties(s)).containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", "false").containsEntry("group.id", "wazuh-forwarder");
        assertThat(Forwarder.metadataMaxAge(Forwarder.consumerProperties(s))).isEqualTo(Forwarder.METADATA_MAX_AGE);
        assertThat(Forwarder.rejoinClientId(Forwarder.consumerProperties(s), 0)).containsEntry("client.id",
                "dwb-forwarder");
        assertThat(Forwarder.rejoinClientId(Forwarder.consumerProperties(s), 2)).as("a consumer of StaticRejoin's: "
                + "its own JMX names beside the refused one").containsEntry("client.id", "dwb-forwarder-rejoin-2")
                .containsEntry("group.id", "wazuh-forwarder");
    }

    @Test
    void replayTimesAcceptRfc3339AndEpochSecondsAndAReplayHasNoGroup() {
        ForwarderSettings s = ForwarderRun.settings("--from", "2026-11-27T03:00:00.5Z", "--to", "1795752000.25");
        assertThat(s.fromNanos()).isEqualTo(1_795_748_400_500_000_000L);
        assertThat(s.toNanos()).isEqualTo(1_795_752_000_250_000_000L);
        assertThat(TimeArgument.parseNanos("1795748400.25")).isEqualTo(1_795_748_400_250_000_000L);
        assertThat(TimeArgument.parseNanos("2026-11-27T03:00:00Z")).isEqualTo(1_795_748_400_000_000_000L);
        assertThat(TimeArgument.parseNanos("2026-11-27T04:00:00+01:00")).isEqualTo(1_795_748_400_000_000_000L);
        assertThat(Forwarder.consumerProperties(s)).doesNotContainKey("group.id");
        assertThatThrownBy(() -> TimeArgument.parseNanos("yesterday")).hasMessageContaining("RFC 3339");
        // Epoch milliseconds where seconds are meant: past what nanoseconds since the epoch hold, refused (it wrapped
        // to another time)
        assertThatThrownBy(() -> TimeArgument.parseNanos("1795748400000")).hasMessageContaining("not milliseconds");
        assertThatThrownBy(() -> TimeArgument.parseNanos("9999-12-31T00:00:00Z")).hasMessageContaining("past 2262");
        assertThatThrownBy(() -> TimeArgument.parseNanos("-99999999999")).hasMessageContaining("before 1677");
        assertThatThrownBy(() -> TimeArgument.parseNanos("0001-01-01T00:00:00Z")).hasMessageContaining("before 1677");
        assertThat(TimeArgument.parseNanos("1795748400.0000000019")).as("below a nanosecond: cut")
                .isEqualTo(1_795_748_400_000_000_001L);
    }

    @Test
    void durationsTakeSuffixesAndABareNumberIsSeconds() {
        ForwarderSettings defaults = ForwarderRun.settings();
        assertThat(defaults.commitInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.retryMaxDelay()).isEqualTo(Duration.ofSeconds(5));
        ForwarderSettings suffixed = ForwarderRun.settings("--commit-interval", "500ms", "--retry-max-delay", "1m");
        assertThat(suffixed.commitInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(suffixed.retryMaxDelay()).isEqualTo(Duration.ofMinutes(1));
        // as for the listener and in ossec.conf
        ForwarderSettings bare = ForwarderRun.settings("--commit-interval", "2", "--retry-max-delay", "3");
        assertThat(bare.commitInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(bare.retryMaxDelay()).isEqualTo(Duration.ofSeconds(3));
        assertThat(exit(new String[] {"--commit-interval", "soon"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {"--retry-max-delay", "50ms"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {}, Map.of("DWB_COMMIT_INTERVAL", "0s"))).isEqualTo(2);
    }

    @Test
    void badValuesAreOneLineUsageErrorsWithExitCodeTwo() {
        assertThat(exit(new String[] {"--legacy-fields", "sometimes"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {"--to", "1795748400"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {"--from", "1795748400", "--to", "1795748300"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {"--from", "noon"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {"--eps", "-1"}, Map.of())).isEqualTo(2);
        assertThatThrownBy(() -> ForwarderRun.settings("--from", "1900-01-01T00:00:00Z"))
                .as("before the epoch: Kafka's offsetsForTimes refused it after the start, exit 1")
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("--from must be 1970 or later");
        assertThatThrownBy(() -> ForwarderRun.settings("--topic", "events", "--dlq-topic", "events"))
                .as("each letter read back and dead-lettered again, for ever")
                .isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("--dlq-topic must not be the events topic");
        assertThatThrownBy(() -> ForwarderRun.settings("--legacy-fields", "sometimes"))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("auto, always or never");
        assertThat(exit(new String[] {"--labels", "team,,owner"}, Map.of())).isEqualTo(2);
        assertThatThrownBy(() -> ForwarderRun.settings("--labels", "com.*.project"))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("'com.*.project' is not a label key");
        assertThat(ForwarderRun.settings().labels()).as("the stock wodle's alerts by default")
                .isEqualTo(LabelFilter.ALL);
    }

    /**
     * Values that cannot work are refused at the start, exit 2 (which the systemd units do not restart), each naming
     * its option. Before: an empty {@code --wazuh-queue} (an environment file's {@code DWB_WAZUH_QUEUE=}) ran for ever
     * and delivered nothing; {@code --dlq-retention 0} made the dead-letter topic so, every letter deleted within
     * minutes (one under an hour is taken, and said); a topic name Kafka refuses and an empty group failed once
     * running, exit 1 (restarted every 10 s for ever), blaming Kafka; a metrics port out of range failed at its
     * bind, exit 1; and one line gave every rule of eleven options, whichever was broken.
     */
    @Test
    void valuesThatCannotWorkAreRefusedAtTheStartEachNamingItsOption() {
        assertThatThrownBy(() -> ForwarderRun.settings("--wazuh-queue", "")).isInstanceOf(ConfigurationError.class)
                .hasMessage("--wazuh-queue must be a socket path, or - for standard output, not empty "
                        + "(DWB_WAZUH_QUEUE set to nothing?)");
        assertThat(exit(new String[] {}, Map.of("DWB_WAZUH_QUEUE", ""))).isEqualTo(2);
        ForwarderCommand command = new ForwarderCommand();
        new CommandLine(command).parseArgs("--dlq-retention", "0");
        assertThatThrownBy(command::deadLetterTopic).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("--dlq-retention must be above 0, not 0s: ");
        assertThat(exit(new String[] {"--dlq-retention", "0"}, Map.of())).isEqualTo(2);
        assertThatThrownBy(() -> ForwarderRun.settings("--topic", "docker events"))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("--topic 'docker events' is not a Kafka topic name: ");
        assertThatThrownBy(() -> ForwarderRun.settings("--dlq-topic", "dead/letters"))
                .hasMessageStartingWith("--dlq-topic 'dead/letters' is not a Kafka topic name: ");
        assertThatThrownBy(() -> ForwarderRun.settings("--group", " "))
                .hasMessage("--group must be a consumer group id, not empty");
        assertThatThrownBy(() -> ForwarderRun.settings("--max-pending", "0"))
                .hasMessage("--max-pending must be at least 1, not 0");
        assertThatThrownBy(() -> ForwarderRun.settings("--stalled-after", "500ms"))
                .hasMessage("--stalled-after must be at least 1s, not 500ms");
        assertThat(exit(new String[] {"--metrics-port", "70000"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {}, Map.of("DWB_METRICS_PORT", "-1"))).isEqualTo(2);
    }

    @Test
    void maxFieldsIsWazuhsDecoderBoundWithinTheRangeWazuhTakes() {
        assertThat(ForwarderRun.settings().fields()).as("analysisd.decoder_order_size's default")
                .isEqualTo(new FieldBudget(256));
        assertThat(ForwarderRun.settings("--max-fields", "1024").fields()).isEqualTo(new FieldBudget(1024));
        assertThat(exit(new String[] {"--max-fields", "31"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {}, Map.of("DWB_MAX_FIELDS", "1025"))).isEqualTo(2);
    }

    @Test
    void helpListsEveryOptionAndOptionsComeFromTheEnvironment() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Launcher.execute("forwarder", new ForwarderCommand(), new String[] {"--help"}, Map.of()))
                    .isZero();
        } finally {
            System.setOut(saved);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--bootstrap-servers", "--kafka-config",
                "--topic", "--group", "--dlq-topic", "--wazuh-queue", "--legacy-fields", "--eps", "--dedup-window",
                "--from", "--to", "--metrics-port", "--commit-interval", "--retry-max-delay", "--max-pending");
        // DWB_EPS=abc is read (and refused) like --eps abc.
        assertThat(exit(new String[] {}, Map.of("DWB_EPS", "abc"))).isEqualTo(2);
    }

    /**
     * picocli reads each description as a format string: a lone {@code %} ("90% of") made {@code --help} print
     * {@code [picocli WARN] Could not format ...} on standard error. Run as users run it, with stderr kept.
     */
    @Test
    void helpPrintsNoWarnings() throws Exception {
        try (JavaProcess p = JavaProcess.start(ForwarderCommand.class, Map.of(), "--help")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isZero();
            assertThat(p.output()).contains("--eps").contains("90% of").doesNotContain("[picocli WARN]");
        }
    }

    @Test
    void theResendWindowIsBoundedByTheDocumentedDefaultsOrTheOptions() {
        assertThat(ForwarderRun.settings().resend()).isEqualTo(new ResendWindow.Bound(64, 262_144));
        assertThat(ForwarderRun.settings("--resend-datagrams", "0", "--resend-bytes", "1000").resend())
                .isEqualTo(new ResendWindow.Bound(0, 1000));
        assertThat(exit(new String[] {"--resend-datagrams", "-1"}, Map.of())).isEqualTo(2);
        assertThat(exit(new String[] {}, Map.of("DWB_RESEND_BYTES", "-5"))).isEqualTo(2);
    }

    /** No default Kafka: localhost:9092 was one, where any local user could have sent forged alerts into Wazuh. */
    @Test
    void noKafkaServersIsAConfigurationError() throws Exception {
        try (JavaProcess p = JavaProcess.start(ForwarderCommand.class, Map.of(), "--wazuh-queue", "-")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isEqualTo(2);
            assertThat(p.output()).contains("error: no Kafka servers given: set --bootstrap-servers "
                    + "(DWB_BOOTSTRAP_SERVERS) or bootstrap.servers in the --kafka-config file");
        }
    }

    @Test
    void hostsAreAReplaysAlone() {
        assertThat(exit(new String[] {"--bootstrap-servers", "127.0.0.1:1", "--host", "web-1"}, Map.of()))
                .as("--host without --from").isEqualTo(2);
        assertThat(ForwarderRun.settings("--from", "0", "--host", "web-1,7TRN:IPZB", "--host", "web-2")
                .replayHosts()).containsExactlyInAnyOrder("web-1", "7TRN:IPZB", "web-2");
        assertThat(ForwarderRun.settings().replayHosts()).isEmpty();
    }

    private static int exit(String[] args, Map<String, String> env) {
        PrintStream saved = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            return Launcher.execute("forwarder", new ForwarderCommand(), args, env);
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void theInstanceIdIsStablePerHostGroupAndQueueAndAGivenOneIsChecked() {
        String id = ForwarderRun.settings().instanceId();
        assertThat(id).as("the same at every start").isEqualTo(ForwarderRun.settings().instanceId())
                .matches("[a-z0-9._-]+-[0-9a-f]{8}");
        assertThat(ForwarderRun.settings("--wazuh-queue", "/other/queue").instanceId()).as("another queue")
                .isNotEqualTo(id);
        assertThat(ForwarderRun.settings("--group", "other").instanceId()).as("another group").isNotEqualTo(id);
        assertThat(InstanceId.of("Web 1.example", "g", "/q")).startsWith("web_1.example-");
        assertThat(Forwarder.consumerProperties(ForwarderRun.settings("--instance-id", "fw-a")))
                .containsEntry("group.instance.id", "fw-a");
        assertThat(Forwarder.consumerProperties(ForwarderRun.settings("--from", "1795748400")))
                .as("a replay joins no group").doesNotContainKey("group.instance.id")
                // Heard at least every 30 s while it fetches nothing (all paused), as Kafka reachable needs.
                .containsEntry("metadata.max.age.ms", "30000");
        assertThatThrownBy(() -> ForwarderRun.settings("--instance-id", "a b"))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("--instance-id must be");
    }

    /**
     * A second deployment (another Wazuh) that set {@code group.id} in its client properties joined the first one's
     * group, the file's value replaced without a word: each Wazuh got part of the partitions.
     */
    @Test
    void aGroupInTheClientPropertiesThatIsNotTheOptionsIsRefusedAndAnInstanceIdThereIsUsed() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("dwb-forwarder-", ".properties");
        java.nio.file.Files.writeString(file, "bootstrap.servers=k:9092\ngroup.id=wazuh-b\n");

        assertThatThrownBy(() -> ForwarderRun.settings("--kafka-config", file.toString()))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage("group.id=wazuh-b in --kafka-config is not --group wazuh-forwarder (env: DWB_GROUP), which "
                        + "the forwarder uses: give --group wazuh-b, or leave group.id out of the file");
        assertThat(Forwarder.consumerProperties(ForwarderRun.settings("--kafka-config", file.toString(), "--group",
                "wazuh-b"))).containsEntry("group.id", "wazuh-b");
        java.nio.file.Files.writeString(file, "bootstrap.servers=k:9092\ngroup.id=wazuh-forwarder \n");
        assertThat(ForwarderRun.settings("--kafka-config", file.toString()).group()).as("trimmed, as Kafka reads it")
                .isEqualTo("wazuh-forwarder");
        assertThat(Forwarder.consumerProperties(ForwarderRun.settings("--kafka-config", file.toString(), "--from",
                "1795748400"))).as("a replay joins no group").doesNotContainKey("group.id");

        java.nio.file.Files.writeString(file, "bootstrap.servers=k:9092\ngroup.instance.id=fw-file\n");
        assertThat(Forwarder.consumerProperties(ForwarderRun.settings("--kafka-config", file.toString())))
                .containsEntry("group.instance.id", "fw-file");
        assertThatThrownBy(() -> ForwarderRun.settings("--kafka-config", file.toString(), "--instance-id", "fw-a"))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("group.instance.id=fw-file");
        java.nio.file.Files.writeString(file, "bootstrap.servers=k:9092\nmetadata.max.age.ms = 300000\n");
        assertThat(Forwarder.metadataMaxAge(Forwarder.consumerProperties(ForwarderRun.settings("--kafka-config",
                file.toString())))).as("the silent-host watch's bound follows it").isEqualTo(Duration.ofMinutes(5));
        java.nio.file.Files.delete(file);
    }

    /**
     * The group rebalances cooperatively (a forwarder joining or leaving takes from the others only the partitions
     * that move: {@code RebalanceKeepsWatchTest}) unless the client properties choose the assignors, or KIP-848's
     * protocol, whose assignors run on the broker and whose consumer refuses the setting.
     */
    @Test
    void theGroupRebalancesCooperativelyUnlessTheClientPropertiesChooseOtherwise() throws Exception {
        String strategy = ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG;
        assertThat(Forwarder.consumerProperties(ForwarderRun.settings()))
                .containsEntry(strategy, CooperativeStickyAssignor.class.getName());
        java.nio.file.Path file = java.nio.file.Files.createTempFile("dwb-forwarder-", ".properties");
        java.nio.file.Files.writeString(file, strategy + "=" + RangeAssignor.class.getName() + "\n");
        assertThat(Forwarder.consumerProperties(ForwarderRun.settings("--kafka-config", file.toString())))
                .containsEntry(strategy, RangeAssignor.class.getName());

        // Kafka trims it, ignoring case
        java.nio.file.Files.writeString(file, "bootstrap.servers=localhost:9092\ngroup.protocol= Consumer \n");
        Properties kip848 = Forwarder.consumerProperties(ForwarderRun.settings("--kafka-config", file.toString()));
        assertThat(kip848).doesNotContainKey(strategy);
        new KafkaConsumer<>(kip848, new ByteArrayDeserializer(), new ByteArrayDeserializer()).close();
        java.nio.file.Files.delete(file);
    }
}
