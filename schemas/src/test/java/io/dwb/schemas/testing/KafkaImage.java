package io.dwb.schemas.testing;

import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The Kafka broker image the tests run: {@code -Ddwb.kafka.image} (bin/test gives the image it built), else
 * {@code DWB_KAFKA_IMAGE}, else Apache's image of the Kafka version the build uses (pom.xml's {@code kafka.version},
 * read from the client on the class path), so that no test writes a version of its own.
 */
public final class KafkaImage {
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
