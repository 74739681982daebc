package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.forwarder.ForwarderCommand;
import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Topics;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.KafkaImage;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import io.dwb.schemas.testing.TestJvmFlags;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Container;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The Kafka ACLs of docs/security.md, on a KRaft broker with StandardAuthorizer whose clients connect with SASL_SSL
 * (PLAIN mechanism, a broker certificate signed by a CA made for the run). The kafka-acls.sh lines of the document
 * run as they are; then a real listener and a real forwarder, each with only its own principal and the CA as
 * truststore, carry a container's life to Wazuh, and each is refused what its role does not need.
 */
class KafkaAclTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String IMAGE = KafkaImage.name();
    private static final Map<String, String> PASSWORDS = Map.of(
            "admin", "admin-secret", "dwb-listener", "listener-secret", "dwb-forwarder", "forwarder-secret");

    private static final String STORE_PASSWORD = "changeit-" + UUID.randomUUID();
    private static final String BROKER_KEYSTORE = "/etc/kafka/secrets/broker.p12";

    private static KafkaContainer broker;

    /** The CA (truststore.p12, what clients trust) and the broker's key and certificate (broker.p12). */
    @TempDir
    static Path tls;

    @TempDir
    Path work;

    @BeforeAll
    static void startBrokerWithAcls() throws Exception {
        StringBuilder users = new StringBuilder();
        PASSWORDS.forEach((user, password) -> users.append(" user_").append(user).append("=\"").append(password)
                .append('"'));
        TestCertificates.create(tls, STORE_PASSWORD);
        broker = new KafkaContainer(DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("apache/kafka"))
                .withCommand(SharedKafka.START_COMMAND)
                // Clients (the mapped listener, named PLAINTEXT by Testcontainers) use TLS and authenticate; the
                // broker's own listeners stay inside the container, where the broker itself and the admin commands
                // below are ANONYMOUS.
                .withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                        "BROKER:PLAINTEXT,PLAINTEXT:SASL_SSL,CONTROLLER:PLAINTEXT")
                .withCopyFileToContainer(MountableFile.forHostPath(tls.resolve("broker.p12"), 0644), BROKER_KEYSTORE)
                .withEnv("KAFKA_SSL_KEYSTORE_LOCATION", BROKER_KEYSTORE)
                .withEnv("KAFKA_SSL_KEYSTORE_TYPE", "PKCS12")
                .withEnv("KAFKA_SSL_KEYSTORE_PASSWORD", STORE_PASSWORD)
                .withEnv("KAFKA_SSL_KEY_PASSWORD", STORE_PASSWORD)
                .withEnv("KAFKA_SASL_ENABLED_MECHANISMS", "PLAIN")
                .withEnv("KAFKA_LISTENER_NAME_PLAINTEXT_PLAIN_SASL_JAAS_CONFIG",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required" + users + ";")
                .withEnv("KAFKA_AUTHORIZER_CLASS_NAME", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .withEnv("KAFKA_SUPER_USERS", "User:admin;User:ANONYMOUS")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_JVM_PERFORMANCE_OPTS", TestJvmFlags.kafkaPerformanceOpts())
                .withStartupTimeout(Duration.ofMinutes(2));
        broker.start();
        try (Admin admin = Admin.create(client("admin"))) {
            // As an administrator would (docs/deployment.md#topics): the roles have no Create.
            String bound = String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES);
            admin.createTopics(List.of(new NewTopic(Topics.EVENTS, 12, (short) 1).configs(Map.of(
                            TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG, bound)),
                    new NewTopic(Topics.CHECKPOINTS, 12, (short) 1).configs(Map.of(
                            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.SEGMENT_MS_CONFIG, "3600000",
                            TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG, bound)),
                    new NewTopic(Topics.DLQ, 3, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        List<List<String>> commands = documentedAclCommands();
        assertThat(commands).hasSize(6);
        for (List<String> arguments : commands) {
            List<String> command = new ArrayList<>(List.of("java", "-Xmx128m", "-cp", "/opt/kafka/libs/*",
                    "org.apache.kafka.tools.AclCommand", "--bootstrap-server", "localhost:9093"));
            command.addAll(arguments);
            Container.ExecResult result = broker.execInContainer(command.toArray(String[]::new));
            assertThat(result.getExitCode()).as("%s:%n%s%s", arguments, result.getStdout(), result.getStderr())
                    .isZero();
        }
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void eachRoleWorksWithItsOwnAclsAndIsRefusedBeyondThem() throws Exception {
        String name = TestEngine.uniqueName("acl");
        try (DatagramReceiver wazuh = DatagramReceiver.bind(work.resolve("queue"));
             JavaProcess listener = JavaProcess.start(io.dwb.listener.Main.class, Map.of(), List.of(
                     "--kafka-config", clientFile("dwb-listener").toString(), "--create-topics", "false",
                     "--host-name", "acl-test-" + UUID.randomUUID().toString().substring(0, 8),
                     "--transaction-interval", "100ms"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), List.of(
                     "--kafka-config", clientFile("dwb-forwarder").toString(), "--create-topics", "false",
                     "--wazuh-queue", work.resolve("queue").toString()))) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(listener.isAlive()).as("listener output:%n%s", listener.output()).isTrue();
                return listener.output().contains("subscribed to GET /events");
            });
            run("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true", "--name", name,
                    TestEngine.BUSYBOX, "true");

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(forwarder.isAlive()).as("forwarder output:%n%s", forwarder.output()).isTrue();
                return actionsFor(wazuh, name).containsAll(List.of("create", "start", "die", "destroy"));
            });
            assertThat(listener.output()).doesNotContain("not authorized", "AuthorizationException");
            assertThat(forwarder.output()).doesNotContain("not authorized", "AuthorizationException");
        }

        // The forwarder cannot forge events, nor take a listener's transactional id (which would fence it).
        assertThat(failureOf(() -> produce("dwb-forwarder", Topics.EVENTS))).as("the forwarder writing events")
                .isInstanceOf(TopicAuthorizationException.class);
        assertThat(failureOf(() -> initTransactions("dwb-forwarder", "docker-listener-0123456789abcdef")))
                .as("the forwarder taking a listener's transactional id")
                .isInstanceOf(TransactionalIdAuthorizationException.class);
        // The listener cannot read the dead letters nor other hosts' events, nor write dead letters.
        assertThat(failureOf(() -> consume("dwb-listener", Topics.DLQ))).as("the listener reading dead letters")
                .isInstanceOf(TopicAuthorizationException.class);
        assertThat(failureOf(() -> consume("dwb-listener", Topics.EVENTS))).as("the listener reading events")
                .isInstanceOf(TopicAuthorizationException.class);
        assertThat(failureOf(() -> produce("dwb-listener", Topics.DLQ))).as("the listener writing dead letters")
                .isInstanceOf(TopicAuthorizationException.class);
        // And what each may do, with the same kind of client: a control for the refusals above.
        assertThat(failureOf(() -> produce("dwb-forwarder", Topics.DLQ))).as("the forwarder writing dead letters")
                .isNull();
        assertThat(failureOf(() -> produce("dwb-listener", Topics.CHECKPOINTS))).as("the listener writing checkpoints")
                .isNull();
    }

    @Test
    void checkSaysWhatEachPrincipalMayAndMayNotDo() throws Exception {
        String host = "acl-check-" + UUID.randomUUID().toString().substring(0, 8);
        try (DatagramReceiver wazuh = DatagramReceiver.bind(work.resolve("check-queue"))) {
            List<String> listenerAsListener = check(io.dwb.listener.Main.class, "dwb-listener", 0,
                    "--host-name", host);
            assertThat(listenerAsListener).contains("ok    topic " + Topics.EVENTS + ": 12 partition(s), "
                    + "replication 1; WRITE, DESCRIBE allowed");
            List<String> forwarderAsForwarder = check(ForwarderCommand.class, "dwb-forwarder", 0,
                    "--wazuh-queue", wazuh.path().toString());
            assertThat(forwarderAsForwarder).anySatisfy(l -> assertThat(l)
                    .startsWith("ok    topic " + Topics.EVENTS + ": ").endsWith("READ, DESCRIBE allowed"));

            // Each role's check run with the other's credentials: every refusal is a FAIL line naming the grant.
            List<String> listenerAsForwarder = check(io.dwb.listener.Main.class, "dwb-forwarder", 1,
                    "--host-name", host);
            assertThat(listenerAsForwarder).anySatisfy(l -> assertThat(l).startsWith("FAIL  topic " + Topics.EVENTS
                    + ": ").contains("may not WRITE it").contains("grant WRITE"));
            assertThat(listenerAsForwarder).anySatisfy(l -> assertThat(l).startsWith("FAIL  topic "
                    + Topics.CHECKPOINTS + ": this principal may not describe it"));
            assertThat(listenerAsForwarder).anySatisfy(l -> assertThat(l).startsWith("FAIL  transactional id: ")
                    .contains("grant Write and Describe on transactional id docker-listener-"));
            List<String> forwarderAsListener = check(ForwarderCommand.class, "dwb-listener", 1,
                    "--wazuh-queue", wazuh.path().toString());
            assertThat(forwarderAsListener).anySatisfy(l -> assertThat(l).startsWith("FAIL  topic " + Topics.EVENTS
                    + ": ").contains("may not READ it"));
            assertThat(forwarderAsListener).anySatisfy(l -> assertThat(l).startsWith("FAIL  consumer group "));
            assertThat(forwarderAsListener).anySatisfy(l -> assertThat(l).startsWith("FAIL  topic " + Topics.DLQ
                    + ": this principal may not describe it"));
        }
    }

    /** {@code --check} of {@code main} with {@code user}'s client settings: its ok and FAIL lines. */
    private List<String> check(Class<?> main, String user, int expectedExit, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--check", "--kafka-config",
                clientFile(user).toString(), "--create-topics", "false"));
        args.addAll(List.of(extra));
        try (JavaProcess p = JavaProcess.start(main, Map.of(), args)) {
            assertThat(p.waitFor(Duration.ofMinutes(2))).as(p.output()).isEqualTo(expectedExit);
            return java.util.Arrays.stream(p.output().split("\\R"))
                    .filter(l -> l.startsWith("ok ") || l.startsWith("FAIL ")).toList();
        }
    }

    @Test
    void aClientThatDoesNotTrustTheBrokersCaIsRefused() {
        Properties p = client("admin");
        p.remove("ssl.truststore.location");
        p.remove("ssl.truststore.type");
        p.remove("ssl.truststore.password");
        // Right password, but the JDK's default CAs: the handshake fails before the password is sent.
        try (Admin admin = Admin.create(p)) {
            assertThat(failureOf(() -> admin.describeCluster().clusterId().get(60, TimeUnit.SECONDS)))
                    .as("a client without the truststore")
                    .isInstanceOf(SslAuthenticationException.class);
        }
    }

    /** The arguments after {@code kafka-acls.sh $ADMIN} of each command in docs/security.md's ACL block. */
    /**
     * Read on the events topic taken from the forwarder's principal while it runs, and given back: it exited 1 at the
     * next poll (TopicAuthorizationException), as did its restarts and each member its partitions moved to. Now it
     * waits, says so once in an ERROR naming the fix, and delivers what was captured meanwhile once granted again.
     */
    @Test
    void aForwarderWhoseReadIsRevokedWaitsAndDeliversOnceItIsGrantedAgain() throws Exception {
        String before = TestEngine.uniqueName("acl-before");
        String during = TestEngine.uniqueName("acl-during");
        List<String> read = List.of("--allow-principal", "User:dwb-forwarder", "--operation", "Read", "--topic",
                Topics.EVENTS);
        try (DatagramReceiver wazuh = DatagramReceiver.bind(work.resolve("revoked-queue"));
             JavaProcess listener = JavaProcess.start(io.dwb.listener.Main.class, Map.of(), List.of(
                     "--kafka-config", clientFile("dwb-listener").toString(), "--create-topics", "false",
                     "--host-name", "acl-revoked-" + UUID.randomUUID().toString().substring(0, 8),
                     "--transaction-interval", "100ms"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), List.of(
                     "--kafka-config", clientFile("dwb-forwarder").toString(), "--create-topics", "false",
                     "--wazuh-queue", work.resolve("revoked-queue").toString()))) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> listener.output().contains("subscribed to GET /events") || !listener.isAlive());
            run("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true", "--name", before,
                    TestEngine.BUSYBOX, "true");
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(forwarder.isAlive()).as("forwarder output:%n%s", forwarder.output()).isTrue();
                return actionsFor(wazuh, before).contains("destroy");
            });

            acl("--remove", read);
            try {
                run("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true", "--name", during,
                        TestEngine.BUSYBOX, "true");
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    assertThat(forwarder.isAlive()).as("forwarder output:%n%s", forwarder.output()).isTrue();
                    return forwarder.output().contains("Kafka refuses the forwarder, not allowed to read the topic");
                });
                await("still running, waiting").during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15))
                        .until(forwarder::isAlive);
                assertThat(actionsFor(wazuh, during)).isEmpty();
            } finally {
                acl("--add", read);
            }
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(forwarder.isAlive()).as("forwarder output:%n%s", forwarder.output()).isTrue();
                return actionsFor(wazuh, during).contains("destroy");
            });
            assertThat(forwarder.output()).contains("Kafka accepts the forwarder's polls again");
            assertThat(forwarder.output().split("not allowed to read the topic", -1)).as("said once").hasSize(2);
            assertThat(forwarder.output()).as("not Kafka's line a partition a poll")
                    .doesNotContain("Not authorized to read from partition");
            assertThat(forwarder.output()).as("a refusal is an answer: not said unreachable, sending the operator to "
                    + "the network").doesNotContain("Kafka unreachable");
        }
    }

    /**
     * A forwarder whose password the broker refuses: exit 1 at start with Kafka's refusal; its line said "no answer
     * within default.api.timeout.ms" before, sending the operator to the network instead of the credentials.
     */
    @Test
    void aRefusalAtStartIsSaidAsARefusalNotAsNoAnswer() throws Exception {
        Path file = clientFile("dwb-forwarder");
        Files.writeString(file, Files.readString(file).replace(PASSWORDS.get("dwb-forwarder"), "not-the-password"));
        try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), List.of(
                "--kafka-config", file.toString(), "--create-topics", "false",
                "--wazuh-queue", work.resolve("refused-queue").toString()))) {
            assertThat(forwarder.waitFor(Duration.ofSeconds(90))).as(forwarder.output()).isEqualTo(1);
            assertThat(forwarder.output()).contains("error: Kafka at " + broker.getBootstrapServers() + " refused to ")
                    .contains("Authentication failed").doesNotContain("no answer");
        }
    }

    /**
     * A topic the principal may not describe, its ACL missing at start (an ACL set being re-applied): exit 1, which
     * the units restart, with the grant to make. It was taken for a topic that does not exist: "create it" or "not
     * allowed to create topic", exit 2, which the units do not restart, a host left without delivery until someone
     * restarted it by hand.
     */
    @Test
    void aTopicAclMissingAtStartIsARefusalThatARestartTriesAgainNotAMissingTopic() throws Exception {
        List<String> deadLetters = List.of("--allow-principal", "User:dwb-forwarder", "--operation", "Write",
                "--operation", "Describe", "--operation", "DescribeConfigs", "--topic", Topics.DLQ);
        acl("--remove", deadLetters);
        try {
            for (String create : List.of("false", "true")) {
                try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), List.of(
                        "--kafka-config", clientFile("dwb-forwarder").toString(), "--create-topics", create,
                        "--wazuh-queue", work.resolve("dlq-refused-queue").toString()))) {
                    assertThat(forwarder.waitFor(Duration.ofSeconds(90))).as(forwarder.output()).isEqualTo(1);
                    assertThat(forwarder.output()).contains("does not let this principal describe topic "
                            + Topics.DLQ).contains("docs/security.md").doesNotContain("does not exist")
                            .doesNotContain("not allowed to create");
                }
            }
        } finally {
            acl("--add", deadLetters);
        }
    }

    private static void acl(String change, List<String> acl) throws Exception {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx128m", "-cp", "/opt/kafka/libs/*",
                "org.apache.kafka.tools.AclCommand", "--bootstrap-server", "localhost:9093", change, "--force"));
        command.addAll(acl);
        Container.ExecResult result = broker.execInContainer(command.toArray(String[]::new));
        assertThat(result.getExitCode()).as("%s:%n%s%s", command, result.getStdout(), result.getStderr()).isZero();
    }

    private static List<List<String>> documentedAclCommands() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/security.md"));
        int begin = doc.indexOf("<!-- acls:begin");
        int end = doc.indexOf("<!-- acls:end -->");
        assertThat(begin).as("docs/security.md has an acls:begin marker").isNotNegative();
        assertThat(end).as("docs/security.md has an acls:end marker").isGreaterThan(begin);
        String prefix = "kafka-acls.sh $ADMIN ";
        List<List<String>> commands = new ArrayList<>();
        for (String line : doc.substring(begin, end).split("\n")) {
            if (line.startsWith(prefix)) {
                commands.add(Arrays.asList(line.substring(prefix.length()).strip().split("\\s+")));
            }
        }
        return commands;
    }

    private static Properties client(String user) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", broker.getBootstrapServers());
        p.setProperty("security.protocol", "SASL_SSL");
        p.setProperty("ssl.truststore.location", tls.resolve("truststore.p12").toString());
        p.setProperty("ssl.truststore.type", "PKCS12");
        p.setProperty("ssl.truststore.password", STORE_PASSWORD);
        p.setProperty("sasl.mechanism", "PLAIN");
        p.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + user + "\" password=\"" + PASSWORDS.get(user) + "\";");
        p.setProperty("default.api.timeout.ms", "30000");
        p.setProperty("max.block.ms", "30000");
        return p;
    }

    /** A --kafka-config file with the client settings of {@code user}. */
    private Path clientFile(String user) throws IOException {
        Path file = work.resolve(user + ".properties");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            client(user).store(out, "role " + user);
        }
        // It holds the role's login: readable by its owner alone (one every user may read is refused).
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static Void produce(String user, String topic) throws Exception {
        Properties p = client(user);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, "acl-test".getBytes(StandardCharsets.UTF_8), new byte[0]))
                    .get(60, TimeUnit.SECONDS);
        }
        return null;
    }

    private static Void initTransactions(String user, String transactionalId) {
        Properties p = client(user);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
        }
        return null;
    }

    /** Reads partition 0 of {@code topic} without a group, as far as the broker lets {@code user}. */
    private static Void consume(String user, String topic) {
        Properties p = client(user);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                if (!consumer.poll(Duration.ofSeconds(1)).isEmpty()) {
                    return null;
                }
            }
        }
        return null;
    }

    /** What {@code action} threw (unwrapping ExecutionException), or null when it succeeded. */
    private static Throwable failureOf(Callable<?> action) {
        try {
            action.call();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    /** The Action of every alert about container {@code name} received so far. */
    private static List<String> actionsFor(DatagramReceiver wazuh, String name) throws IOException {
        List<String> actions = new ArrayList<>();
        for (String text : wazuh.texts()) {
            var alert = ContractJson.tree(text.substring(text.indexOf('{')).getBytes(StandardCharsets.UTF_8));
            if (name.equals(alert.path("docker").path("Actor").path("Attributes").path("name").asText(null))) {
                actions.add(alert.path("docker").path("Action").asText());
            }
        }
        return actions;
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
        assertThat(process.exitValue()).as("%s: %s", List.of(command), output).isZero();
    }
}
