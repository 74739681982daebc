package io.dwb.forwarder;

import io.dwb.runtime.TopicProvisioner;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/**
 * The admin clients the forwarder makes beside its consumer, for its own look-ups (the written ends, the topic's
 * retention, the open-transaction watch): of the forwarder's Kafka settings, each named after the forwarder's
 * {@code client.id} and what it is for, so that a broker's logs and quotas tell them apart and put them with it.
 */
final class LookupAdmins {
    /** The consumer's {@code client.id} when the settings give none. */
    static final String DEFAULT_CLIENT_ID = "dwb-forwarder";

    private LookupAdmins() {}

    /** The {@code client.id} of the look-up named {@code suffix} ({@code -retention}, say). */
    static String clientId(Properties kafka, String suffix) {
        return kafka.getProperty(CommonClientConfigs.CLIENT_ID_CONFIG, DEFAULT_CLIENT_ID) + suffix;
    }

    /** A new admin client for the look-up named {@code suffix}, its requests answered within {@code timeout}. */
    static Admin open(Properties kafka, String suffix, Duration timeout) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId(kafka, suffix));
        return TopicProvisioner.admin(p, timeout);
    }
}
