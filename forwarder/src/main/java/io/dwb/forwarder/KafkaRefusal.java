package io.dwb.forwarder;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * What Kafka refuses the running forwarder, as its consumer's poll throws it: an ACL removed, or credentials and
 * certificates it no longer accepts. Each kind names the fix an operator makes; the loop waits for it (docs/forwarder.md,
 * "Kafka refusing the forwarder").
 */
enum KafkaRefusal {
    /** Read or Describe on the events topic removed ({@link TopicAuthorizationException}). */
    TOPIC("not allowed to read the topic", "grant the forwarder's principal READ and DESCRIBE on the topic"),
    /** Read or Describe on the consumer group removed: its coordinator cannot be found or joined. */
    GROUP("not allowed to use the consumer group", "grant the forwarder's principal READ and DESCRIBE on the group"),
    /** Another authorization (a cluster-level one). */
    AUTHORIZATION("not authorized", "check the forwarder principal's ACLs"),
    /** SASL credentials refused, a TLS handshake failed (a certificate expired, replaced or no longer trusted). */
    AUTHENTICATION("its credentials refused", "fix the SASL credentials, keystore or truststore in --kafka-config and "
            + "restart the forwarder, which reads the file at start");

    private final String words;
    private final String fix;

    KafkaRefusal(String words, String fix) {
        this.words = words;
        this.fix = fix;
    }

    /** The refusal {@code e} says, by its class. */
    static KafkaRefusal of(ApiException e) {
        if (e instanceof TopicAuthorizationException) {
            return TOPIC;
        }
        if (e instanceof GroupAuthorizationException) {
            return GROUP;
        }
        return e instanceof AuthenticationException ? AUTHENTICATION : AUTHORIZATION;
    }

    /** The log's words for it: what is refused, Kafka's message, and the fix. */
    String line(String message) {
        return words + " (" + message + "): " + fix;
    }
}
