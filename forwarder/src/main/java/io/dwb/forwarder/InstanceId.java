package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder's {@code group.instance.id} (static group membership): a forwarder restarted with the same id takes
 * its partitions back at once, instead of waiting for the dead process's session ({@code session.timeout.ms}) to
 * expire. By default it is this host's name and a hash of the group and the Wazuh queue, so it is the same across
 * restarts and differs between forwarders of one host that feed different queues. A host's name must tell hosts apart
 * for that: one that does not resolve is the kernel's, and a host named {@code localhost} (the default of some VM
 * images) is told by its machine id, else every such forwarder of a group had the same id and fenced the others.
 */
final class InstanceId {
    private static final Logger log = LoggerFactory.getLogger(InstanceId.class);
    private static final Path KERNEL_HOST_NAME = Path.of("/proc/sys/kernel/hostname");
    private static final Path MACHINE_ID = Path.of("/etc/machine-id");
    /** Of a machine id's {@link #appSpecific} hash, what names the host: 48 bits. */
    private static final int MACHINE_ID_CHARS = 12;
    /** What the machine id is keyed to ({@link #appSpecific}): this use of it, and no other. */
    private static final String APP_ID = "docker-wazuh-bridge forwarder group.instance.id";
    /** A machine id as systemd writes it; {@code uninitialized} (its first boot's marker) names no host. */
    private static final Pattern MACHINE_ID_FORMAT = Pattern.compile("[0-9a-f]{32}");
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
        return of(hostName(InstanceId::resolvedHostName, KERNEL_HOST_NAME, MACHINE_ID), group, wazuhQueue);
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

    /** Where this host's name comes from first: the JDK's, which fails when the name does not resolve. */
    @FunctionalInterface
    interface ResolvedHostName {
        String get() throws UnknownHostException;
    }

    /**
     * This host's name: {@code resolved}, else the kernel's ({@code kernelHostName}); one that is {@code localhost}
     * (or {@code localhost.<domain>}), as every host of some VM images is, or none: {@code machine-<12 hex digits of
     * machineId's app-specific hash>}; without one, {@code localhost} and a WARN.
     */
    static String hostName(ResolvedHostName resolved, Path kernelHostName, Path machineId) {
        String name;
        try {
            name = resolved.get();
        } catch (UnknownHostException e) {
            name = firstLine(kernelHostName); // the same name, which only its lookup failed
        }
        if (name != null && !name.isBlank() && !isLocalhost(name)) {
            return name;
        }
        String machine = firstLine(machineId);
        if (machine != null && MACHINE_ID_FORMAT.matcher(machine).matches()) {
            return "machine-" + HexFormat.of().formatHex(appSpecific(machine), 0, MACHINE_ID_CHARS / 2);
        }
        log.warn("this host has no name of its own (localhost) and no {}: every forwarder of the group on such a host "
                + "takes the same instance id and fences the others; give each its own --instance-id", machineId);
        return "localhost";
    }

    /**
     * The machine id keyed to this use, as systemd's {@code sd_id128_get_machine_app_specific}: HMAC-SHA-256 of
     * {@link #APP_ID} keyed by it. The id is sent to the brokers and shown to every principal that may describe the
     * group, and machine-id(5) says not to let it out as it is (it identifies the host to other uses of it).
     */
    private static byte[] appSpecific(String machineId) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(HexFormat.of().parseHex(machineId), "HmacSHA256"));
            return hmac.doFinal(APP_ID.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static boolean isLocalhost(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.equals("localhost") || n.startsWith("localhost.");
    }

    /** The file's first line, stripped; null when it cannot be read or is empty. */
    private static String firstLine(Path file) {
        try {
            String line = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            return line.isEmpty() ? null : line;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String resolvedHostName() throws UnknownHostException {
        return InetAddress.getLocalHost().getHostName();
    }
}
