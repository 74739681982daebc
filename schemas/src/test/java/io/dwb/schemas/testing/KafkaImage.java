package io.dwb.schemas.testing;

import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The Kafka broker image the tests run: {@code -Ddwb.kafka.image} (bin/test gives the image it built), else
 * {@code DWB_KAFKA_IMAGE}, else Apache's image of the Kafka version the build uses (pom.xml's {@code kafka.version},
 * read from the client on the class path), so that no test writes a version of its own.
 */
public final class KafkaImage {
    /**
     * {@code KAFKA_JVM_PERFORMANCE_OPTS} for the brokers tests start: C1 only and the serial collector instead of the
     * image's C2 and G1. The CPU of a 2-core machine is what a test run waits for, and a broker that serves one test,
     * or one module's tests for ten minutes, spends less of it so (measured: the listener and forwarder modules'
     * tests side by side 11:11 -> 10:30 with the shared broker so, the standalone module's 13:16 -> 11:18 with the
     * processes and its own brokers so).
     */
    public static final String TEST_BROKER_JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 "
            + "-Djava.awt.headless=true";

    private KafkaImage() {}

    public static String name() {
        String image = System.getProperty("dwb.kafka.image", System.getenv("DWB_KAFKA_IMAGE"));
        return image == null || image.isBlank() ? apache() : image;
    }

    /** {@code apache/kafka:<the build's Kafka version>}: the Compose files' default, Docker Hub's image. */
    public static String apache() {
        return "apache/kafka:" + AppInfoParser.getVersion();
    }
}
