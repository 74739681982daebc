package io.dwb.listener;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.Launcher;
import io.dwb.runtime.LogConfiguration;
import io.dwb.runtime.OutOfMemoryExit;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** Entry point of the listener process ({@code bin/listener}, {@code listener.jar}). */
public final class Main {
    /**
     * Kafka client loggers that warn on every retry (broker unreachable, a transaction still completing). The
     * listener reports Kafka outages itself, once per state change, so these stay quiet unless DWB_KAFKA_LOG_LEVEL
     * asks for them.
     */
    private static final String[] RETRY_CHATTER = {
        "org.apache.kafka.clients.NetworkClient",
        "org.apache.kafka.clients.producer.internals.Sender",
        "org.apache.kafka.clients.producer.internals.TransactionManager",
        "org.apache.kafka.clients.admin.internals.AdminMetadataManager",
        "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
        "org.apache.kafka.clients.consumer.internals.AbstractCoordinator",
    };

    private Main() {}

    /** Every thread of the listener: an OutOfMemoryError it does not catch ends the process (3). */
    static final Predicate<String> VITAL_THREADS = name -> true;

    public static void main(String[] args) {
        OutOfMemoryExit.install(VITAL_THREADS);
        if (System.getenv(LogConfiguration.KAFKA_LEVEL_VARIABLE) == null
                && LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
            for (String name : RETRY_CHATTER) {
                context.getLogger(name).setLevel(Level.ERROR);
            }
        }
        Launcher.run("listener", new ListenerCommand(), args);
    }
}
