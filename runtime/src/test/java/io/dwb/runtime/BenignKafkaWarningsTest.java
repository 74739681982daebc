package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.dwb.schemas.testing.LogLines;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.LogContext;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What reaches the log, past {@link BenignKafkaWarnings}, from a real Kafka client whose Kafka is down (nothing listens
 * at its bootstrap address): none of the client's warnings of each try, about one a second for each client; the
 * bridge says the outage in its own words, once.
 */
class BenignKafkaWarningsTest {

    /**
     * A new client knows its bootstrap brokers only, and each refused try was two WARN lines: "Connection to node -1
     * … could not be established" (left out already) and "Bootstrap broker … disconnected", which flooded the journal
     * through a Kafka outage (~1.4 lines a second a client, the listener building a new producer every 60 s at most).
     */
    @Test
    void aClientWhoseKafkaIsDownWarnsOfNothing() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        // Installed by LogConfiguration unless DWB_KAFKA_LOG_LEVEL is set: installed here whatever the environment.
        BenignKafkaWarnings benign = null;
        if (context.getTurboFilterList().stream().noneMatch(f -> f instanceof BenignKafkaWarnings)) {
            benign = new BenignKafkaWarnings();
            benign.setContext(context);
            benign.start();
            context.addTurboFilter(benign);
        }
        LogLines seen = LogLines.of("org.apache.kafka.clients.NetworkClient").atLevel(Level.WARN).attach();
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9"); // refused: Kafka down
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("max.block.ms", "5000");
        try (seen; KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            assertThatThrownBy(() -> producer.partitionsFor("events")).isInstanceOf(TimeoutException.class);
        } finally {
            if (benign != null) {
                context.getTurboFilterList().remove(benign);
            }
        }
        List<String> kept = seen.events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(kept).as("the client's WARN lines kept in 5 s of refused tries").isEmpty();
    }

    /**
     * A broker whose name does not resolve (a Compose broker stopped: Docker's DNS forgets it) was a WARN with a stack
     * trace of some 25 lines at each try, 2-3 a second from one forwarder: said once a node, in one line, then again
     * after 10 minutes if it goes on. Through Kafka's own logger (LogContext's, which formats the message and its
     * client's prefix itself): a first version matched only a plain SLF4J call's arguments, and let every trace
     * through. (A real client cannot show it here: one whose bootstrap name does not resolve fails at its
     * construction, and no broker here advertises a name that does not.)
     */
    @Test
    void aConnectionErrorIsSaidOnceANodeEveryTenMinutes() {
        long[] now = {0};
        org.slf4j.Logger network = new LogContext("[Consumer clientId=c] ").logger(NetworkClient.class);
        java.net.UnknownHostException cause = new java.net.UnknownHostException("kafka");
        List<ILoggingEvent> seen = throughFilter(new BenignKafkaWarnings(() -> now[0]),
                "org.apache.kafka.clients.NetworkClient", () -> {
                    for (long minute = 0; minute <= 10; minute++) {
                        now[0] = java.time.Duration.ofMinutes(minute).toNanos();
                        network.warn("Error connecting to node {}", "kafka:9092 (id: 1 rack: null)", cause);
                    }
                    network.warn("Error connecting to node {}", "kafka-2:9092 (id: 2 rack: null)", cause);
                });
        String line = "[Consumer clientId=c] cannot connect to node %s (java.net.UnknownHostException: kafka): said "
                + "again in 10 minutes if it goes on, without its stack trace (DWB_KAFKA_LOG_LEVEL=WARN says each)";
        assertThat(seen).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                line.formatted("kafka:9092 (id: 1 rack: null)"), line.formatted("kafka:9092 (id: 1 rack: null)"),
                line.formatted("kafka-2:9092 (id: 2 rack: null)"));
        assertThat(seen).allSatisfy(e -> assertThat(e.getThrowableProxy()).as("no stack trace").isNull());
    }

    /**
     * Kafka's ERRORs at each try of a refused commit, admin lookup or login, whose words move (an offset): once every
     * ten minutes a client. An ACL review counted one to two a second while an ACL or a login was refused.
     */
    @Test
    void refusalsWhoseWordsMoveAreSaidOnceEveryTenMinutesAClient() {
        long[] now = {0};
        org.slf4j.Logger coordinator = new LogContext("[Consumer clientId=c, groupId=g] ").logger(
                org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.class);
        org.slf4j.Logger network = new LogContext("[Producer clientId=p] ").logger(NetworkClient.class);
        List<ILoggingEvent> seen = throughFilter(new BenignKafkaWarnings(() -> now[0]), "org.apache.kafka.clients",
                () -> {
                    for (long seconds = 0; seconds <= 600; seconds++) {
                        now[0] = java.time.Duration.ofSeconds(seconds).toNanos();
                        coordinator.error("Offset commit failed on partition {} at offset {}: {}", "events-0",
                                seconds, "Group authorization failed.");
                        if (seconds == 30) { // another reason: said too
                            coordinator.error("Offset commit failed on partition {} at offset {}: {}", "events-0",
                                    seconds, "The coordinator is not aware of this member.");
                        }
                        network.error("Connection to node {} ({}) failed authentication due to: {}", 1,
                                "kafka/10.0.0.1:9092", "Authentication failed");
                    }
                });
        assertThat(seen).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "[Consumer clientId=c, groupId=g] Offset commit failed on partition events-0 at offset 0: Group "
                        + "authorization failed.",
                "[Producer clientId=p] Connection to node 1 (kafka/10.0.0.1:9092) failed authentication due to: "
                        + "Authentication failed",
                "[Consumer clientId=c, groupId=g] Offset commit failed on partition events-0 at offset 30: The "
                        + "coordinator is not aware of this member.",
                "[Consumer clientId=c, groupId=g] Offset commit failed on partition events-0 at offset 600: Group "
                        + "authorization failed.",
                "[Producer clientId=p] Connection to node 1 (kafka/10.0.0.1:9092) failed authentication due to: "
                        + "Authentication failed");
    }

    /**
     * While an ACL is missing the Kafka client says its ERROR again at each try (a group's Read revoked: at each poll,
     * every 5 s, 720 lines an hour a forwarder; a topic's Describe: at each metadata answer of each listener), which
     * the bridge says once itself with the fix: an alert on ERROR lines fired for a whole fleet. The first is said as
     * Kafka says it, then none for 10 minutes. Through Kafka's own loggers.
     */
    @Test
    void aKafkaErrorSaidAtEachRefusedTryIsSaidOnceEveryTenMinutes() {
        long[] now = {0};
        org.slf4j.Logger coordinator = new LogContext("[Consumer clientId=c, groupId=g] ").logger(
                org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.class);
        org.slf4j.Logger metadata = new LogContext("[Producer clientId=p] ").logger(
                org.apache.kafka.clients.Metadata.class);
        org.slf4j.Logger dlq = new LogContext("[Producer clientId=dlq] ").logger(
                org.apache.kafka.clients.Metadata.class);
        List<ILoggingEvent> seen = throughFilter(new BenignKafkaWarnings(() -> now[0]), "org.apache.kafka.clients",
                () -> {
                    for (long seconds = 0; seconds <= 600; seconds += 5) {
                        now[0] = java.time.Duration.ofSeconds(seconds).toNanos();
                        coordinator.error("JoinGroup failed due to fatal error: {}", "Not authorized");
                        metadata.error("Topic authorization failed for topics {}", "[events]");
                        if (seconds == 30) { // another client, another topic: said too
                            dlq.error("Topic authorization failed for topics {}", "[events-dlq]");
                        }
                    }
                });
        assertThat(seen).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "[Consumer clientId=c, groupId=g] JoinGroup failed due to fatal error: Not authorized",
                "[Producer clientId=p] Topic authorization failed for topics [events]",
                "[Producer clientId=dlq] Topic authorization failed for topics [events-dlq]",
                "[Consumer clientId=c, groupId=g] JoinGroup failed due to fatal error: Not authorized",
                "[Producer clientId=p] Topic authorization failed for topics [events]");
        BenignKafkaWarnings benign = new BenignKafkaWarnings(() -> 0);
        Logger other = (Logger) LoggerFactory.getLogger("io.dwb.forwarder.DeliveryLoop");
        assertThat(benign.decide(null, other, Level.ERROR, "JoinGroup failed due to fatal error: x", null, null))
                .as("not Kafka's").hasToString("NEUTRAL");
    }

    /**
     * What {@code loggerName} (and those under it) logs at WARN and above while {@code run} runs, past {@code filter}
     * alone: the context's own BenignKafkaWarnings (LogConfiguration's, with the real clock) taken out meanwhile.
     */
    private static List<ILoggingEvent> throughFilter(BenignKafkaWarnings filter, String loggerName, Runnable run) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        List<ch.qos.logback.classic.turbo.TurboFilter> installed = context.getTurboFilterList().stream()
                .filter(f -> f instanceof BenignKafkaWarnings).toList();
        context.getTurboFilterList().removeAll(installed);
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
        LogLines seen = LogLines.of(loggerName).atLevel(Level.WARN).attach();
        try (seen) {
            run.run();
        } finally {
            context.getTurboFilterList().remove(filter);
            context.getTurboFilterList().addAll(installed);
        }
        return seen.events();
    }

    @Test
    void onlyTheClientsWarningsOfEachTryAreLeftOut() {
        BenignKafkaWarnings benign = new BenignKafkaWarnings();
        Logger network = (Logger) LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient");
        assertThat(benign.decide(null, network, Level.WARN, "[Producer clientId=p] Bootstrap broker {} disconnected",
                null, null)).as("a bootstrap broker disconnected").hasToString("DENY");
        assertThat(benign.decide(null, network, Level.WARN, "[Producer clientId=p] Connection to node {} ({}) "
                + "failed authentication due to: {}", null, null)).as("an authentication failure").hasToString(
                "NEUTRAL");
        Logger fetches = (Logger) LoggerFactory.getLogger("org.apache.kafka.clients.consumer.internals.FetchCollector");
        assertThat(benign.decide(null, fetches, Level.WARN, "[Consumer clientId=c] Not authorized to read from "
                + "partition {}.", null, null)).as("each partition of each refused fetch").hasToString("DENY");
        assertThat(benign.decide(null, network, Level.ERROR, "[Producer clientId=p] Bootstrap broker {} disconnected",
                null, null)).as("not at WARN").hasToString("NEUTRAL");
    }
}
