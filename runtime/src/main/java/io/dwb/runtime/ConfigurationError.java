package io.dwb.runtime;

/**
 * A problem the user must fix in the configuration (an unreadable file, a malformed ossec.conf, an unknown value).
 * {@link Launcher} prints its message as one line and exits with {@link Launcher#EXIT_USAGE}.
 */
public class ConfigurationError extends RuntimeException {
    public ConfigurationError(String message) {
        super(message);
    }

    public ConfigurationError(String message, Throwable cause) {
        super(message, cause);
    }
}
