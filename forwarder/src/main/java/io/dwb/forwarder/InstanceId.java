package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The forwarder's {@code group.instance.id} (static group membership): a forwarder restarted with the same id takes
 * its partitions back at once, instead of waiting for the dead process's session ({@code session.timeout.ms}) to
 * expire. By default it is this host's name and a hash of the group and the Wazuh queue, so it is the same across
 * restarts and differs between forwarders of one host that feed different queues.
 */
final class InstanceId {
    /** What the broker accepts in a group instance id. */
    private static final Pattern LEGAL = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Pattern ILLEGAL_CHARACTERS = Pattern.compile("[^A-Za-z0-9._-]");
    private static final int HOST_PART_MAX = 200;

    private InstanceId() {}

    /** {@code --instance-id} when given (checked), else the default for this host. */
    static String resolve(String given, String group, String wazuhQueue) {
        if (given != null) {
            if (!LEGAL.matcher(given).matches()) {
                throw new ConfigurationError("--instance-id must be 1 to 249 letters, digits, '.', '_' or '-', not '"
                        + given + "'");
            }
            return given;
        }
        return of(hostName(), group, wazuhQueue);
    }

    /** {@code <host name>-<8 hex digits of SHA-256 of group and queue>}, with what the broker refuses replaced. */
    static String of(String hostName, String group, String wazuhQueue) {
        String host = ILLEGAL_CHARACTERS.matcher(hostName.toLowerCase(Locale.ROOT)).replaceAll("_");
        if (host.length() > HOST_PART_MAX) {
            host = host.substring(0, HOST_PART_MAX);
        }
        return host + "-" + hash(group + "\n" + wazuhQueue);
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost"; // no resolvable name: still stable across restarts on this host
        }
    }
}
