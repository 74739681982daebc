package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.yammer.metrics.core.Timer;
import io.dwb.runtime.BrokerSettings;
import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.KafkaClientConfig;
import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.server.metrics.KafkaYammerMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {
    @TempDir
    Path dataDir;

    @Test
    void transactionsGroupsAndDataSurviveARestartOnTheSameDataDir() throws Exception {
        TopicPartition partition = new TopicPartition("t", 0);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "committed-1"));
                producer.send(new ProducerRecord<>("t", "k", "committed-2"));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "aborted"));
                producer.flush();
                producer.abortTransaction();
            }
            try (KafkaConsumer<String, String> consumer = committedReader(kafka)) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThat(readValues(consumer, 2)).containsExactly("committed-1", "committed-2");
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(1)));
            }
        }

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                assertThat(admin.listTopics().names().get()).contains("t");
            }
            try (KafkaConsumer<String, String> consumer = committedReader(kafka)) {
                assertThat(consumer.committed(Set.of(partition)).get(partition).offset()).isEqualTo(1);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThat(readValues(consumer, 2)).containsExactly("committed-1", "committed-2");
            }
            // The same transactional id works again after the restart (transaction state persisted too).
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "after-restart"));
                producer.commitTransaction();
            }
            try (KafkaConsumer<String, String> consumer = committedReader(kafka)) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThat(readValues(consumer, 3)).containsExactly("committed-1", "committed-2", "after-restart");
            }
        }
    }

    @Test
    void theBrokerHasTheSettingsTheBridgeRecommends() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Admin admin = Admin.create(kafka.clientProperties())) {
            String node = String.valueOf(admin.describeCluster().nodes().get().iterator().next().id());
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
            org.apache.kafka.clients.admin.Config config = admin.describeConfigs(List.of(broker)).all().get()
                    .get(broker);
            BrokerSettings.RECOMMENDED.forEach((name, value) ->
                    assertThat(config.get(name).value()).as(name).isEqualTo(value));
        }
    }

    /**
     * Power loss: the broker has one replica, so a write it acknowledged must be on disk, not in the page cache, or a
     * power cut loses it and cuts each partition's log back on its own (the checkpoints could then keep a checkpoint
     * whose events the events partition lost: the listener would resume after events in no topic, without a gap).
     * Kafka's own flush count ({@code LogFlushRateAndTimeMs}) grows before each acknowledgement: the records'
     * append, then the transaction's commit. No power is cut here.
     */
    @Test
    void eachWriteTheBrokerAcknowledgesIsOnDiskFirst() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
                producer.initTransactions();
                for (int i = 0; i < 3; i++) {
                    producer.beginTransaction();
                    long before = logFlushes();
                    producer.send(new ProducerRecord<>("t", "k", "event-" + i)).get();
                    long appended = logFlushes();
                    assertThat(appended).as("flushes once the records were acknowledged").isGreaterThan(before);
                    producer.commitTransaction();
                    assertThat(logFlushes()).as("flushes once the commit was acknowledged").isGreaterThan(appended);
                }
            }
        }
    }

    /** How many times the brokers of this JVM forced a log to disk: Kafka's own count. */
    private static long logFlushes() {
        return KafkaYammerMetrics.defaultRegistry().allMetrics().entrySet().stream()
                .filter(m -> m.getKey().getName().equals("LogFlushRateAndTimeMs"))
                .mapToLong(m -> ((Timer) m.getValue()).count()).sum();
    }

    @Test
    void aPortInUseIsReportedWithThePortAndLeavesTheDataDirUsable() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(taken.getLocalPort())))
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
        }
    }

    @Test
    void aSecondBrokerOnTheSameDataDirIsRefusedAndTheFirstKeepsRunning() throws Exception {
        try (EmbeddedKafka first = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0)))
                    .hasMessage(DataDirLockTest.inUse(dataDir));
            try (Admin admin = Admin.create(first.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("still-up", 1, (short) 1))).all().get();
            }
        }
    }

    @Test
    void aClientWithoutTheCredentialsOrWithWrongOnesCannotListReadOrWrite() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("secret", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.clientProperties(),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("secret", "k", "exec: cat /etc/shadow")).get();
            }

            Properties anonymous = quick(new Properties());
            anonymous.setProperty("bootstrap.servers", kafka.bootstrapServers());
            Properties wrongPassword = quick(kafka.clientProperties());
            wrongPassword.setProperty(SaslConfigs.SASL_JAAS_CONFIG,
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"dwb\" "
                            + "password=\"guessed\";");
            for (Properties intruder : List.of(anonymous, wrongPassword)) {
                try (Admin admin = Admin.create(intruder)) {
                    assertThatThrownBy(() -> admin.listTopics().names().get()).isInstanceOf(ExecutionException.class);
                }
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(intruder, new StringSerializer(),
                        new StringSerializer())) {
                    assertThatThrownBy(() -> producer.send(new ProducerRecord<>("secret", "k", "forged")).get())
                            .isInstanceOf(ExecutionException.class);
                }
                Properties reader = KafkaClientConfig.with(intruder, new Properties());
                reader.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "intruder");
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(reader, new StringDeserializer(),
                        new StringDeserializer())) {
                    consumer.assign(List.of(new TopicPartition("secret", 0)));
                    consumer.seekToBeginning(List.of(new TopicPartition("secret", 0)));
                    assertThatThrownBy(() -> {
                        // Anonymous: the broker drops the connection, so polls return nothing until the timeout.
                        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                        while (System.nanoTime() < deadline) {
                            assertThat(consumer.poll(Duration.ofMillis(500))).isEmpty();
                        }
                        consumer.position(new TopicPartition("secret", 0), Duration.ofSeconds(2));
                    }).isInstanceOfAny(AuthenticationException.class, org.apache.kafka.common.errors.TimeoutException.class);
                }
            }
            // The broker's user still sees exactly what it wrote: nothing forged went in.
            try (KafkaConsumer<String, String> consumer = committedReader(kafka)) {
                consumer.assign(List.of(new TopicPartition("secret", 0)));
                consumer.seekToBeginning(List.of(new TopicPartition("secret", 0)));
                assertThat(readValues(consumer, 1)).containsExactly("exec: cat /etc/shadow");
            }
        }
    }

    @Test
    void credentialsAreOwnerOnlyAndTheSameAfterARestart() throws Exception {
        Path credentials = dataDir.resolve(BrokerCredentials.FILE_NAME);
        Path clientProperties = dataDir.resolve(EmbeddedKafka.CLIENT_PROPERTIES);
        String first;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            first = Files.readString(credentials);
            assertThat(Files.getPosixFilePermissions(dataDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            // Made by this first start: owner-only already (it was 0755, its segments 0644, until the next start).
            assertThat(Files.getPosixFilePermissions(kafka.logDir())).as("the kafka directory")
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getPosixFilePermissions(credentials))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(clientProperties))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.readString(clientProperties)).contains("bootstrap.servers=" + kafka.bootstrapServers())
                    .contains("security.protocol=SASL_PLAINTEXT").contains("sasl.mechanism=SCRAM-SHA-512");
            // kcat (librdkafka) refuses client.properties ("Java JAAS configuration is not supported"): its own
            // file, in librdkafka's property names, the same login.
            Path kcat = dataDir.resolve(EmbeddedKafka.KCAT_CONFIG);
            assertThat(Files.getPosixFilePermissions(kcat)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            Properties login = new Properties();
            try (var in = Files.newBufferedReader(credentials)) {
                login.load(in);
            }
            Properties kcatConfig = new Properties();
            try (var in = Files.newBufferedReader(kcat)) {
                kcatConfig.load(in);
            }
            assertThat(kcatConfig).containsOnly(Map.entry("bootstrap.servers", kafka.bootstrapServers()),
                    Map.entry("security.protocol", "SASL_PLAINTEXT"), Map.entry("sasl.mechanisms", "SCRAM-SHA-512"),
                    Map.entry("sasl.username", login.getProperty("client.user")),
                    Map.entry("sasl.password", login.getProperty("client.password")));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(Files.readString(credentials)).isEqualTo(first);
            // What an operator's tool reads, as is, logs in.
            Properties operator = quick(new Properties());
            try (var in = Files.newBufferedReader(clientProperties)) {
                operator.load(in);
            }
            try (Admin admin = Admin.create(operator)) {
                assertThat(admin.listTopics().names().get()).isNotNull();
            }
        }
    }

    @Test
    void aDataDirOpenToOthersIsClosedAndACredentialsFileOpenToOthersIsRefused() throws Exception {
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(Files.getPosixFilePermissions(dataDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }
        Path credentials = dataDir.resolve(BrokerCredentials.FILE_NAME);
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0)))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageContaining(credentials.toString()).hasMessageContaining("chmod 600");
    }

    /**
     * A data directory open to others before a start: another user may have made its {@code kafka} directory, which
     * stayed theirs after the start restricted the data directory (they kept every event written there).
     */
    @Test
    void aKafkaDirectoryOrCredentialsAnotherUserMadeAreRefusedTheOwnersKafkaDirectoryIsRestricted() throws Exception {
        Path kafka = Files.createDirectory(dataDir.resolve("kafka"));
        Files.setPosixFilePermissions(kafka, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setOwner(kafka, dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        // A configuration error (exit 2): the units would restart an exit 1 every 10 s for ever, and no restart mends it
        assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0)))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageContaining(kafka + " is owned by nobody").hasMessageContaining("remove it");
        assertThat(Files.list(kafka)).as("nothing written into it").isEmpty();

        Files.setOwner(kafka, Files.getOwner(dataDir));
        try (EmbeddedKafka ignored = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(Files.getPosixFilePermissions(kafka)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }

        Path credentials = dataDir.resolve(BrokerCredentials.FILE_NAME); // the same for a credentials file
        Files.setOwner(credentials, kafka.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName("nobody"));
        assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0)))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining(credentials + " is owned by nobody");
    }

    /**
     * A FIFO planted as the broker's lock file, by another user while the data dir was open to them, in a log
     * directory of theirs or of the owner's: the start opened it to look for a running broker's lock, and the open
     * waited for a reader for good (a unit "active (running)" that captured nothing, and did not stop at SIGTERM).
     * Now both are refused, exit 2, before the file is opened.
     */
    @Test
    void aFifoPlantedAsTheBrokersLockIsRefusedNotOpened() throws Exception {
        Path kafka = Files.createDirectory(dataDir.resolve("kafka"));
        Path lock = kafka.resolve(".lock");
        Commands.run(List.of("mkfifo", lock.toString()), Map.of(), Duration.ofSeconds(10));
        Files.setOwner(kafka, dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> EmbeddedKafka.start(
                dataDir, BrokerPorts.ClientPort.asked(0))).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining(kafka + " is owned by nobody"));

        Files.setOwner(kafka, Files.getOwner(dataDir));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> EmbeddedKafka.start(
                dataDir, BrokerPorts.ClientPort.asked(0))).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining(lock + " is not a regular file").hasMessageContaining("remove it"));
    }

    @Test
    void deletedCredentialsAreMadeAnewTheOldPasswordIsRefusedAndTheDataStays() throws Exception {
        Properties before;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            before = kafka.clientProperties();
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            }
        }
        Files.delete(dataDir.resolve(BrokerCredentials.FILE_NAME));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(kafka.clientProperties().getProperty(SaslConfigs.SASL_JAAS_CONFIG))
                    .isNotEqualTo(before.getProperty(SaslConfigs.SASL_JAAS_CONFIG));
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                assertThat(admin.listTopics().names().get()).contains("kept");
            }
            Properties old = quick(kafka.clientProperties());
            old.setProperty(SaslConfigs.SASL_JAAS_CONFIG, before.getProperty(SaslConfigs.SASL_JAAS_CONFIG));
            try (Admin admin = Admin.create(old)) {
                assertThatThrownBy(() -> admin.listTopics().names().get())
                        .hasCauseInstanceOf(AuthenticationException.class);
            }
        }
    }

    @Test
    void aLoginSomeoneAddedWithTheCredentialsIsRemovedAtTheNextStart() throws Exception {
        Properties intruder;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            try (Admin admin = Admin.create(kafka.clientProperties())) { // someone who read the credentials once
                admin.alterUserScramCredentials(List.of(
                        new UserScramCredentialUpsertion("intruder",
                                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "their-own"),
                        new UserScramCredentialUpsertion(BrokerCredentials.CLIENT_USER,
                                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "their-own"))).all().get();
            }
            intruder = quick(kafka.clientProperties());
            intruder.setProperty(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram."
                    + "ScramLoginModule required username=\"intruder\" password=\"their-own\";");
            try (Admin admin = Admin.create(intruder)) {
                assertThat(admin.listTopics().names().get()).as("the login works while it exists").isNotNull();
            }
        }
        Files.delete(dataDir.resolve(BrokerCredentials.FILE_NAME)); // what the docs say to do then
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            intruder.setProperty("bootstrap.servers", kafka.bootstrapServers());
            try (Admin admin = Admin.create(intruder)) {
                assertThatThrownBy(() -> admin.listTopics().names().get())
                        .hasCauseInstanceOf(AuthenticationException.class);
            }
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                assertThat(admin.describeUserScramCredentials().all().get().keySet())
                        .containsExactly(BrokerCredentials.CLIENT_USER);
                assertThat(admin.describeUserScramCredentials().all().get().get(BrokerCredentials.CLIENT_USER)
                        .credentialInfos()).extracting(ScramCredentialInfo::mechanism)
                        .containsExactly(ScramMechanism.SCRAM_SHA_512);
            }
        }
    }

    @Test
    void brokerSettingsSomeoneChangedWithTheCredentialsAreUndoneAtTheNextStart() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        ConfigResource everyBroker = new ConfigResource(ConfigResource.Type.BROKER, "");
        String mechanisms = "listener.name.client.sasl.enabled.mechanisms";
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Admin admin = Admin.create(kafka.clientProperties())) { // someone who read the credentials once
            admin.incrementalAlterConfigs(Map.of(
                    broker, List.of(new AlterConfigOp(new ConfigEntry(mechanisms, "SCRAM-SHA-512,PLAIN"),
                            AlterConfigOp.OpType.SET)),
                    everyBroker, List.of(new AlterConfigOp(new ConfigEntry("log.retention.ms", "1000"),
                            AlterConfigOp.OpType.SET)))).all().get();
            // The controller answers once it committed the change; the broker applies it a moment later (a CI run
            // under load read the old value)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(admin.describeConfigs(
                    List.of(broker)).all().get().get(broker).get(mechanisms).value())
                    .as("taken at run time").isEqualTo("SCRAM-SHA-512,PLAIN"));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Admin admin = Admin.create(kafka.clientProperties())) {
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(broker, everyBroker)).all().get();
            assertThat(configs.get(broker).get(mechanisms).value()).isEqualTo(EmbeddedKafka.SCRAM_MECHANISM);
            assertThat(configs.get(broker).get("log.retention.ms").value()).isNotEqualTo("1000");
            assertThat(configs.values()).flatExtracting(Config::entries)
                    .filteredOn(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG
                            || e.source() == ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
                    .extracting(ConfigEntry::name).as("nothing changed at run time is left but what Kafka sets")
                    .containsOnly("min.insync.replicas");
        }
    }

    /** Short timeouts: a refused client gives up in seconds. */
    private static Properties quick(Properties p) {
        p.setProperty("default.api.timeout.ms", "5000");
        p.setProperty("request.timeout.ms", "3000");
        p.setProperty("max.block.ms", "3000");
        p.setProperty("delivery.timeout.ms", "6000");
        p.setProperty("linger.ms", "0");
        return p;
    }

    /**
     * A data directory of an earlier version (Kafka 4.1: topics without max.decompressed.message.bytes): the
     * standalone sets the bound on its own broker's topics at start instead of warning at every start.
     */
    @Test
    void topicsOfAnEarlierVersionGetTheDecompressedBound() throws Exception {
        String setting = TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(Topics.EVENTS, 1, (short) 1),
                    new NewTopic(Topics.CHECKPOINTS, 1, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                            TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
            StandaloneTopics.ensure(kafka.clientProperties(), StandaloneTopics.plan(Duration.ofDays(7), 1L << 30));
            for (String topic : List.of(Topics.EVENTS, Topics.CHECKPOINTS)) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get(setting).value())
                        .as(topic).isEqualTo(String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES));
            }
        }
    }

    static KafkaProducer<String, String> transactionalProducer(EmbeddedKafka kafka) {
        Properties p = kafka.clientProperties();
        p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-test");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> committedReader(EmbeddedKafka kafka) {
        Properties p = kafka.clientProperties();
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "embedded-test");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until {@code count} values arrived, or 30 s passed; then polls once more to catch any extra. */
    static List<String> readValues(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (values.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.add(r.value());
            }
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            values.add(r.value());
        }
        return values;
    }
}
