package io.dwb.listener;

import io.dwb.runtime.Causes;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.List;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * What kind of failure a Kafka failure is, by the classes of its causes (Kafka's words change between versions, its
 * exception classes do not): what an operator does about it differs, so an outage that changes kind is said again
 * ({@link KafkaOutageReport}). A login refused after a password rotation and an ACL removed are each their own kind,
 * whatever timed out before them.
 */
enum KafkaFailureKind {
    /** No answer in time, or no connection: brokers down, a network cut, a failover. */
    UNREACHABLE("no answer or no connection"),
    /** The brokers refused this listener's login (SASL, TLS client certificate): credentials to check. */
    AUTHENTICATION("authentication refused"),
    /** The brokers refused an operation to this listener's principal: ACLs to check. */
    AUTHORIZATION("not authorized"),
    OTHER("another failure");

    /**
     * In the order they are looked for: a refusal wrapped in Kafka's "in an error state", or a timeout caused by one,
     * is the refusal.
     */
    private static final List<KafkaFailureKind> PRECEDENCE = List.of(AUTHENTICATION, AUTHORIZATION, UNREACHABLE);

    private final String words;

    KafkaFailureKind(String words) {
        this.words = words;
    }

    /** The kind in words, for the log: "Kafka still unavailable, now …". */
    String words() {
        return words;
    }

    static KafkaFailureKind of(Throwable failure) {
        for (KafkaFailureKind kind : PRECEDENCE) {
            if (Causes.find(failure, kind::is) != null) {
                return kind;
            }
        }
        return OTHER;
    }

    private boolean is(Throwable t) {
        return switch (this) {
            case AUTHENTICATION -> t instanceof AuthenticationException;
            case AUTHORIZATION -> t instanceof AuthorizationException;
            case UNREACHABLE -> t instanceof TimeoutException || t instanceof NetworkException
                    || t instanceof DisconnectException
                    || t instanceof java.util.concurrent.TimeoutException || t instanceof UnknownHostException
                    || t instanceof ConnectException || t instanceof NoRouteToHostException;
            case OTHER -> true;
        };
    }
}
