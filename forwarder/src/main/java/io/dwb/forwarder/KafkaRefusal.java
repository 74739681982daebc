package io.dwb.forwarder;

import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * What Kafka refuses the running forwarder, as its consumer's poll throws it: an ACL removed. Each kind names the fix
 * an operator makes; the loop waits for it (docs/forwarder.md, /healthz). Credentials refused (an
 * AuthenticationException) are not waited for: the forwarder reads --kafka-config at start only, so it exits and its
 * supervisor's restart reads the file again, rotated credentials included.
 */
enum KafkaRefusal {
    /** Read or Describe on the events topic removed ({@link TopicAuthorizationException}). */
    TOPIC("not allowed to read the topic", "grant the forwarder's principal READ and DESCRIBE on the topic"),
    /** Read or Describe on the consumer group removed: its coordinator cannot be found or joined. */
    GROUP("not allowed to use the consumer group", "grant the forwarder's principal READ and DESCRIBE on the group"),
    /** Another authorization (a cluster-level one). */
    AUTHORIZATION("not authorized", "check the forwarder principal's ACLs");

    private final String words;
    private final String fix;

    KafkaRefusal(String words, String fix) {
        this.words = words;
        this.fix = fix;
    }

    /** The refusal {@code e} says, by its class. */
    static KafkaRefusal of(AuthorizationException e) {
        if (e instanceof TopicAuthorizationException) {
            return TOPIC;
        }
        return e instanceof GroupAuthorizationException ? GROUP : AUTHORIZATION;
    }

    /** The log's words for it: what is refused, Kafka's message, and the fix. */
    String line(String message) {
        return words + " (" + message + "): " + fix;
    }
}
