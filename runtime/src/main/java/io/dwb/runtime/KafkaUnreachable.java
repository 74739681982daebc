package io.dwb.runtime;

/** Kafka did not answer in time, or failed a request for a reason other than the configuration. */
public final class KafkaUnreachable extends RuntimeException {
    public KafkaUnreachable(String message, Throwable cause) {
        super(message, cause);
    }
}
