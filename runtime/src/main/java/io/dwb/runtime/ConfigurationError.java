package io.dwb.runtime;

import javax.security.auth.login.LoginException;
import org.apache.kafka.common.config.ConfigException;

/**
 * A problem the user must fix in the configuration (an unreadable file, a malformed ossec.conf, an unknown value).
 * {@link Launcher} prints its message as one line and exits with {@link Launcher#EXIT_USAGE}.
 */
public class ConfigurationError extends RuntimeException {
    /** How Kafka's ConfigException for bootstrap servers none of which resolves begins. */
    private static final String UNRESOLVED_SERVERS = "No resolvable bootstrap urls";
    /** The JDK's words for a JAAS login module whose class is not there. */
    private static final String NO_LOGIN_MODULE = "No LoginModule found for";

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
     * the name may resolve at the next start (DNS still coming up at boot). Nor its other failures to build a client
     * (a keystore file not written yet). But a {@code sasl.jaas.config} Kafka cannot parse ({@code JAAS config entry
     * not terminated by semi-colon}), refused with an {@link IllegalArgumentException} rather than a {@link
     * ConfigException}: before, a start with one was a failure (exit 1), restarted for ever by systemd. So is a login
     * module whose class is not there ({@code No LoginModule found for …PlainLoginModul}).
     */
    public static boolean refusedByKafka(Throwable failure) {
        return Causes.find(failure, t -> t instanceof ConfigException
                && !String.valueOf(t.getMessage()).startsWith(UNRESOLVED_SERVERS)
                || t instanceof IllegalArgumentException && Causes.thrownBy(t, Causes.JAAS_PARSER)
                // A login module's class that is not there (misspelt): no restart finds it.
                || t instanceof LoginException && String.valueOf(t.getMessage()).startsWith(NO_LOGIN_MODULE))
                != null;
    }
}
