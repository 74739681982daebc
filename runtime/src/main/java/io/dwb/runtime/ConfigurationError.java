package io.dwb.runtime;

import org.apache.kafka.common.config.ConfigException;

/**
 * A problem the user must fix in the configuration (an unreadable file, a malformed ossec.conf, an unknown value).
 * {@link Launcher} prints its message as one line and exits with {@link Launcher#EXIT_USAGE}.
 */
public class ConfigurationError extends RuntimeException {
    /** How Kafka's ConfigException for bootstrap servers none of which resolves begins. */
    private static final String UNRESOLVED_SERVERS = "No resolvable bootstrap urls";
    public ConfigurationError(String message) {
        super(message);
    }

    public ConfigurationError(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether {@code failure} is a Kafka client refusing its configuration (a {@link ConfigException} among its
     * causes, as {@code delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms}): a
     * configuration error too, which a restart does not mend. Not a bootstrap server whose name does not resolve:
     * the name may resolve at the next start (DNS still coming up at boot).
     */
    public static boolean refusedByKafka(Throwable failure) {
        return Causes.find(failure, t -> t instanceof ConfigException
                && !String.valueOf(t.getMessage()).startsWith(UNRESOLVED_SERVERS)) != null;
    }
}
