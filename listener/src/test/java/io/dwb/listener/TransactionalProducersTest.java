package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.KafkaConfigFile;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's producers after the start, each built from the {@code --kafka-config} file as it is then: a login
 * rotated in the file reaches the next producer and the lookups after it; a file Kafka's client refuses leaves the
 * settings in use in place. No broker: each producer is built by Kafka's client (which refuses what it refuses without
 * a request) and replaced by a MockProducer.
 */
class TransactionalProducersTest {
    private static final HostIdentity HOST = HostIdentity.fromHostName("producers");
    private static final String LOGIN = "bootstrap.servers=127.0.0.1:9\nsecurity.protocol=SASL_PLAINTEXT\n"
            + "sasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
            + "required username=\"dwb-listener\" password=\"%s\";\n";

    @TempDir
    Path dir;

    @RegisterExtension
    final LogLines lines = LogLines.of(KafkaClientSettings.class);
    /** The properties each producer was built from, in order. */
    private final List<Properties> built = new CopyOnWriteArrayList<>();

    /**
     * Kafka's own producer is built from the properties, so that what it refuses is refused, then closed at once (it
     * sent nothing); the loop gets a MockProducer in its place.
     */
    private Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
        TransactionalPublisher.producer(clientConfig, host).close(Duration.ZERO);
        built.add(clientConfig);
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private Path write(String content) throws IOException {
        return Files.writeString(dir.resolve("client.properties"), content);
    }

    /** The loop's producers and settings, from the file as read at start. */
    private record Loop(TransactionalProducers producers, KafkaClientSettings settings) {
        /** The password of the next producer's settings; the producer taken and closed. */
        String nextPassword(List<Properties> built) {
            producers.take().producer().close(Duration.ZERO);
            return password(built.get(built.size() - 1));
        }
    }

    private Loop loop(Path file) {
        KafkaConfigFile kafkaFile = new KafkaConfigFile(null, file);
        KafkaClientSettings settings = new KafkaClientSettings(kafkaFile, kafkaFile.load(), p -> {
            Properties withTimeouts = new Properties();
            withTimeouts.putAll(p);
            withTimeouts.putIfAbsent("max.block.ms", "30000");
            return withTimeouts;
        });
        return new Loop(new TransactionalProducers(settings, HOST, this::producer,
                new CommitTiming(Duration.ofMillis(150), Duration.ZERO)), settings);
    }

    private static String password(Properties p) {
        return p.getProperty("sasl.jaas.config").replaceAll(".*password=\"([^\"]*)\".*", "$1");
    }

    /**
     * The principal's password rotated (the broker's SCRAM user, then the file): the next producer logs in with the
     * new one, the checkpoint lookups after it too, and one INFO says the file was read again, naming the setting,
     * never its value. Before, the file was read once and every producer after the rotation used the old password:
     * an outage until the listener was restarted by hand.
     */
    @Test
    void aPasswordRotatedInTheFileIsUsedByTheNextProducerAndTheLookups() throws IOException {
        Loop loop = loop(write(LOGIN.formatted("first")));
        assertThat(loop.nextPassword(built)).isEqualTo("first");

        write(LOGIN.formatted("second"));

        assertThat(loop.nextPassword(built)).isEqualTo("second");
        assertThat(password(loop.settings().inUse())).as("the lookups' consumers").isEqualTo("second");
        assertThat(loop.settings().inUse().getProperty("max.block.ms")).isEqualTo("30000");
        assertThat(lines.messages(Level.INFO)).singleElement().asString().contains("client.properties")
                .contains("changed (sasl.jaas.config): read again").doesNotContain("second");
        assertThat(loop.nextPassword(built)).isEqualTo("second");
        assertThat(lines.messages(Level.INFO)).as("read once").hasSize(1);
    }

    /**
     * A file edited wrongly while the listener runs (a JAAS line without its semicolon, a number that is not one):
     * Kafka's client refuses it, the settings in use build the producer, one WARN says so, and no exit (before, a
     * refused producer configuration was exit 2, never restarted). Mended, the file is used.
     */
    @Test
    void aFileKafkasClientRefusesLeavesTheSettingsInUse() throws IOException {
        Loop loop = loop(write(LOGIN.formatted("first")));
        loop.nextPassword(built);

        write(LOGIN.formatted("second").replace("\";\n", "\"\n")); // the JAAS line's semicolon lost
        assertThat(loop.nextPassword(built)).isEqualTo("first");
        assertThat(loop.nextPassword(built)).isEqualTo("first");
        write(LOGIN.formatted("second") + "linger.ms=soon\n");
        assertThat(loop.nextPassword(built)).isEqualTo("first");

        assertThat(lines.messages(Level.WARN)).hasSize(2).allSatisfy(line -> assertThat(line)
                .contains("changed (", ") but Kafka's client refuses it (").contains("keep the settings read before")
                .doesNotContain("second"));
        assertThat(lines.messages(Level.WARN).get(0)).contains("JAAS config entry not terminated by semi-colon");
        assertThat(lines.messages(Level.WARN).get(1)).contains("linger.ms");
        assertThat(password(loop.settings().inUse())).isEqualTo("first");

        write(LOGIN.formatted("second"));
        assertThat(loop.nextPassword(built)).isEqualTo("second");
    }

    /**
     * A file that names a truststore not written yet (the file updated first): refused, the settings in use kept,
     * and offered again to each next producer, so once the truststore is there the file is used, unchanged since.
     */
    @Test
    void settingsRefusedForAFileTheyNameAreTriedAgainAtTheNextProducer() throws Exception {
        Path truststore = dir.resolve("truststore.p12");
        Loop loop = loop(write("bootstrap.servers=127.0.0.1:9\nclient.id=first\n"));
        loop.producers().take().producer().close(Duration.ZERO);

        write("bootstrap.servers=127.0.0.1:9\nclient.id=second\nsecurity.protocol=SSL\nssl.truststore.type=PKCS12\n"
                + "ssl.truststore.location=" + truststore + "\nssl.truststore.password=changeit\n");
        loop.producers().take().producer().close(Duration.ZERO);
        assertThat(built.get(built.size() - 1).getProperty("client.id")).isEqualTo("first");

        emptyTruststore(truststore);
        loop.producers().take().producer().close(Duration.ZERO);

        assertThat(built.get(built.size() - 1).getProperty("client.id")).isEqualTo("second");
        assertThat(lines.messages(Level.WARN)).singleElement().asString().contains(truststore.toString());
    }

    /**
     * A change of bootstrap.servers is said and not followed (the cluster whose topics the start checked and whose
     * checkpoint it read); the rest of the change is.
     */
    @Test
    void bootstrapServersChangedIsKeptUntilARestartTheRestIsUsed() throws IOException {
        Loop loop = loop(write(LOGIN.formatted("first")));
        loop.nextPassword(built);

        write(LOGIN.formatted("second").replace("127.0.0.1:9", "127.0.0.2:9"));

        assertThat(loop.nextPassword(built)).isEqualTo("second");
        assertThat(built.get(built.size() - 1).getProperty("bootstrap.servers")).isEqualTo("127.0.0.1:9");
        assertThat(lines.messages(Level.WARN)).singleElement().asString()
                .contains("bootstrap.servers (127.0.0.1:9 -> 127.0.0.2:9)").contains("until it is restarted");
        assertThat(lines.messages(Level.INFO)).singleElement().asString().contains("(sasl.jaas.config)");
    }

    /** A file gone for a moment (an editor's save): one WARN, the settings in use kept, the file read once back. */
    @Test
    void aFileGoneForAMomentKeepsTheSettingsInUse() throws IOException {
        Path file = write(LOGIN.formatted("first"));
        Loop loop = loop(file);
        loop.nextPassword(built);

        Files.delete(file);
        assertThat(loop.nextPassword(built)).isEqualTo("first");
        assertThat(loop.nextPassword(built)).isEqualTo("first");
        assertThat(lines.messages(Level.WARN)).singleElement().asString().contains("cannot be read again");

        write(LOGIN.formatted("second"));
        assertThat(loop.nextPassword(built)).isEqualTo("second");
    }

    /** The brokers' refusal of a producer's transaction timeout, in the publisher's words. */
    private static final String REFUSED = "the brokers refuse transaction.timeout.ms, above their "
            + "transaction.max.timeout.ms (The transaction timeout is larger than the maximum value allowed by the "
            + "broker (as configured by transaction.max.timeout.ms).)";

    /**
     * The brokers' transaction.max.timeout.ms lowered under Kafka's producer default, which the listener asks for when
     * the file sets none: the next producer asks for what a transaction needs (--transaction-interval + max.block.ms),
     * at once, and once it took the transactional id one WARN says which and where the brokers' maximum is. Before, the
     * refusal was exit 2 at every start.
     */
    @Test
    void theListenersDefaultRefusedIsSteppedDownForTheNextProducerWithOneWarn() throws IOException {
        // The producers' lines too: one WARN of either.
        LogLines settingsAndProducers = LogLines.of(KafkaClientSettings.class, TransactionalProducers.class).attach();
        try (settingsAndProducers) {
            Loop loop = loop(write(LOGIN.formatted("first")));
            TransactionalProducers.Built first = loop.producers().take();
            assertThat(built.get(0)).doesNotContainKey("transaction.timeout.ms");
            assertThat(first.timeout().millis()).isEqualTo(60_000);

            TransactionalProducers.Refused refused = loop.producers().timeoutRefused(REFUSED, false);
            assertThat(refused.outcome()).isEqualTo(TransactionalProducers.TimeoutRefusal.LOWERED);
            TransactionalProducers.Built next = loop.producers().take();
            loop.producers().initialized();
            loop.producers().initialized();

            assertThat(built.get(1).getProperty("transaction.timeout.ms")).isEqualTo("30150");
            assertThat(next.timeout()).isEqualTo(new TransactionTimeout(30_150,
                    TransactionTimeout.Origin.LISTENERS));
            assertThat(settingsAndProducers.messages(Level.WARN)).singleElement().asString()
                    .contains("the brokers refused transaction.timeout.ms=60000 ms (their transaction.max.timeout.ms "
                            + "is below it, and at least 30150 ms)").contains("ask for 30150 ms")
                    .contains("--transaction-interval 150 ms").contains("max.block.ms 30000 ms");
        }
    }

    /**
     * At start, a value of the user's the brokers refuse, or the listener's at what its transactions need, is a
     * configuration error naming the setting (exit 2); once this process held its transactional id the same refusal
     * is retried, never an exit: the brokers' maximum lowered while the listener runs is theirs or the file's to fix,
     * and the events held are kept meanwhile.
     */
    @Test
    void nothingLeftToLowerIsAnErrorAtStartAndRetriedOnceTheIdWasTaken() throws IOException {
        Loop users = loop(write(LOGIN.formatted("first") + "transaction.timeout.ms=120000\n"));
        users.producers().take();
        TransactionalProducers.Refused atStart = users.producers().timeoutRefused(REFUSED, false);
        TransactionalProducers.Refused running = users.producers().timeoutRefused(REFUSED, true);

        assertThat(atStart.outcome()).isEqualTo(TransactionalProducers.TimeoutRefusal.CONFIGURATION_ERROR);
        assertThat(atStart.message()).contains("transaction.timeout.ms").contains("transaction.max.timeout.ms")
                .contains("set a smaller transaction.timeout.ms in the Kafka client configuration");
        assertThat(running.outcome()).isEqualTo(TransactionalProducers.TimeoutRefusal.RETRIED);
        assertThat(running.message()).contains("lowered since this listener took its transactional id")
                .contains("tried again with backoff").contains("read again before each producer");

        Loop listeners = loop(write(LOGIN.formatted("first")));
        listeners.producers().take();
        listeners.producers().timeoutRefused(REFUSED, false);
        listeners.producers().take();
        TransactionalProducers.Refused atFloor = listeners.producers().timeoutRefused(REFUSED, true);
        assertThat(atFloor.outcome()).isEqualTo(TransactionalProducers.TimeoutRefusal.RETRIED);
        assertThat(atFloor.message()).contains("raise the brokers' transaction.max.timeout.ms to at least 30150 ms");
        assertThat(listeners.producers().timeoutRefused(REFUSED, false).outcome())
                .isEqualTo(TransactionalProducers.TimeoutRefusal.CONFIGURATION_ERROR);
    }

    /**
     * The user's value refused mid-run, then lowered in the file: the next producer asks for the new value, no
     * restart (the file is read again before each producer).
     */
    @Test
    void aUsersValueRefusedMidRunAndLoweredInTheFileIsTheNextProducers() throws IOException {
        Loop loop = loop(write(LOGIN.formatted("first") + "transaction.timeout.ms=120000\n"));
        loop.producers().take();
        loop.producers().timeoutRefused(REFUSED, true);

        write(LOGIN.formatted("first") + "transaction.timeout.ms=45000\n");
        TransactionalProducers.Built next = loop.producers().take();

        assertThat(next.timeout()).isEqualTo(new TransactionTimeout(45_000, TransactionTimeout.Origin.USERS));
        assertThat(built.get(built.size() - 1).getProperty("transaction.timeout.ms")).isEqualTo("45000");
    }

    private static void emptyTruststore(Path path) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (OutputStream out = Files.newOutputStream(path)) {
            store.store(out, "changeit".toCharArray());
        }
    }
}
