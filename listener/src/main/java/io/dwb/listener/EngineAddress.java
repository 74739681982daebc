package io.dwb.listener;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.FileAudience;
import io.dwb.runtime.LogText;
import io.dwb.runtime.WholeFile;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the Docker engine listens and whether it speaks TLS, resolved as the docker CLI resolves {@code -H},
 * {@code DOCKER_HOST}, {@code DOCKER_TLS_VERIFY} and {@code DOCKER_CERT_PATH}: {@code --docker-host}, else
 * {@code DOCKER_HOST}, else {@code unix:///var/run/docker.sock}. Nothing else: not docker-java's other sources (the
 * CLI's current context, {@code ~/.docker-java.properties}, system properties), so that a service's engine is what
 * its configuration says, whatever the home directory of its user holds.
 *
 * @param uri          {@code unix:///path} or {@code tcp://host:port[/path]}, the port always given; a path is the
 *                     API's base path, every request made under it (docker-java's and {@link KeepAliveEventsClient})
 * @param tlsDirectory for a {@code tcp://} engine with TLS, the directory of {@code ca.pem}, {@code cert.pem} and
 *                     {@code key.pem}; null for none
 */
public record EngineAddress(URI uri, Path tlsDirectory) {
    private static final Logger log = LoggerFactory.getLogger(EngineAddress.class);
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    /**
     * The docker CLI's port for {@code tcp://host}, with TLS as without (its 2376 is for no DOCKER_HOST at all with
     * TLS on, tcp://localhost:2376, where the listener takes the default socket).
     */
    public static final int DEFAULT_TCP_PORT = 2375;
    static final List<String> TLS_FILES = List.of("ca.pem", "cert.pem", "key.pem");
    /** The docker CLI's config.json read for its current context: a few kilobytes at most. */
    private static final int CONFIG_MAX_BYTES = 1024 * 1024;

    /** From the {@code --docker-host} option (null or blank when not given) and this process's environment. */
    public static EngineAddress resolve(String option) {
        return resolve(option, System.getenv(), System.getProperty("user.home"));
    }

    /**
     * @param userHome where {@code ~/.docker} is when the environment has no {@code HOME}
     * @throws ConfigurationError for an address the listener cannot reach an engine at, or TLS without its files
     */
    static EngineAddress resolve(String option, Map<String, String> env, String userHome) {
        String source = "--docker-host";
        String given = option;
        if (blank(given)) {
            source = "DOCKER_HOST";
            given = env.get("DOCKER_HOST");
        }
        if (blank(given)) {
            unfollowedContext(env, userHome).ifPresent(context -> log.warn("the docker CLI's context {} is not "
                    + "followed: the listener reads the engine at {}; give that context's address with --docker-host "
                    + "or DOCKER_HOST (docker context inspect {}), or unset it", context, DEFAULT_HOST,
                    context.substring(0, context.indexOf(' '))));
            return new EngineAddress(URI.create(DEFAULT_HOST), null);
        }
        given = given.strip();
        int separator = given.indexOf("://");
        String scheme = separator < 0 ? "" : given.substring(0, separator).toLowerCase(Locale.ROOT);
        String rest = separator < 0 ? given : given.substring(separator + 3);
        String where = source + " " + given + ": ";
        return switch (scheme) {
            case "unix" -> new EngineAddress(unix(where, rest.isEmpty() ? "/var/run/docker.sock" : rest), null);
            // TLS only over TCP: a Unix socket is a file, and its permissions are its protection.
            case "tcp" -> inTheClear(new EngineAddress(tcp(where, rest), tlsDirectory(env, userHome)));
            // docker-java, which the listener reads the engine with, has no ssh transport.
            case "ssh" -> throw new ConfigurationError(where + "ssh:// is not supported: forward the engine's socket "
                    + "over ssh and give its local end (ssh -NL /run/dwb/engine.sock:/var/run/docker.sock " + rest
                    + ", then unix:///run/dwb/engine.sock), or let the engine listen on tcp:// with TLS "
                    + "(DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)");
            default -> throw new ConfigurationError(where + "not an engine address: give unix:///path/to/docker.sock "
                    + "or tcp://host[:port]");
        };
    }

    public boolean tls() {
        return tlsDirectory != null;
    }

    /**
     * {@code address}, said in a WARN when it is a {@code tcp://} engine off this host without TLS: its events (exec
     * command lines, labels) cross the network in the clear, and whoever is on the path can answer as the engine,
     * feeding the listener the events it chooses. Taken, as the docker CLI takes it.
     */
    private static EngineAddress inTheClear(EngineAddress address) {
        String host = address.uri().getHost();
        boolean local = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
        if (!address.tls() && !local) {
            log.warn("the Docker engine at {} is read without TLS: its events (exec command lines, labels) cross the "
                    + "network in the clear, and whoever is on the path can answer as the engine; set "
                    + "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (docs/security.md)", address.uri());
        }
        return address;
    }

    private static URI unix(String where, String path) {
        // docker-java would read the first part of a relative path as a host name.
        if (!path.startsWith("/")) {
            throw new ConfigurationError(where + "not a socket: its path is absolute, unix:///path/to/docker.sock");
        }
        // Taken as the docker CLI takes it, literally: '#', '?', '%' and spaces are part of the file's name, not a
        // fragment, a query or an escape (docker-java opens the URI's decoded path, which held /tmp/a of /tmp/a#b).
        try {
            return new URI("unix", "", path, null, null);
        } catch (URISyntaxException e) {
            throw new ConfigurationError(where + "not an address: " + e.getReason());
        }
    }

    /** {@code host[:port][/path]} of a {@code tcp://} address, the port defaulted as the docker CLI does. */
    private static URI tcp(String where, String rest) {
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        String host;
        String port;
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            String after = end < 0 ? "" : authority.substring(end + 1);
            if (end < 0 || !(after.isEmpty() || after.startsWith(":"))) {
                throw new ConfigurationError(where + "not a host: an IPv6 address is written tcp://[::1]:2375");
            }
            host = authority.substring(0, end + 1);
            port = after.isEmpty() ? "" : after.substring(1);
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon != authority.indexOf(':')) {
                throw new ConfigurationError(where + "not a host: an IPv6 address is written tcp://[::1]:2375");
            }
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? "" : authority.substring(colon + 1);
        }
        if (!port.isEmpty() && !validPort(port)) {
            throw new ConfigurationError(where + "not a port: '" + port + "' (tcp://host:port, from 1 to 65535)");
        }
        URI uri = uri(where, "tcp://" + (host.isEmpty() ? "localhost" : host) + ":"
                + (port.isEmpty() ? DEFAULT_TCP_PORT : port) + path);
        if (uri.getHost() == null) {
            throw new ConfigurationError(where + notAHostName(host));
        }
        return uri;
    }

    private static boolean validPort(String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        int number = Integer.parseInt(port);
        return number >= 1 && number <= 65_535;
    }

    /**
     * Why a host is refused. docker-java connects to the host of a {@link URI}, which has none for a name outside
     * RFC 1123 (Go's, and so the docker CLI's, takes it): a Compose service named {@code docker_proxy} was refused as
     * "not a host and port", which sent the reader to the port.
     */
    private static String notAHostName(String host) {
        int underscore = host.indexOf('_');
        if (underscore >= 0) {
            return "not a host name the listener can connect to: '" + host + "' has a '_', which a host name cannot "
                    + "have (RFC 1123: letters, digits, '-' and '.'); name the engine by its IP address or by an alias "
                    + "without '_' (with Compose, a network alias of its service: networks: <network>: aliases: ["
                    + host.replace('_', '-') + "])";
        }
        return "not a host name: '" + host + "' (RFC 1123: labels of letters, digits and '-', not beginning or "
                + "ending with '-', separated by single dots) nor an IP address (an IPv6 one is written [::1])";
    }

    private static URI uri(String where, String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new ConfigurationError(where + "not an address: " + e.getReason());
        }
    }

    /**
     * The docker CLI's context other than {@code default}, which the CLI would follow and the listener does not (a
     * rootless engine, Docker Desktop's {@code desktop-linux}): {@code DOCKER_CONTEXT}, else {@code currentContext} of
     * {@code config.json} (in {@code DOCKER_CONFIG}, else {@code ~/.docker}), named with where it was set. The
     * listener read {@code /var/run/docker.sock} without a word, maybe another engine than the user's CLI.
     */
    private static Optional<String> unfollowedContext(Map<String, String> env, String userHome) {
        String context = env.get("DOCKER_CONTEXT");
        if (!blank(context)) {
            return context.strip().equals("default") ? Optional.empty()
                    : Optional.of(LogText.escaped(context.strip()) + " (DOCKER_CONTEXT)");
        }
        Path config = (!empty(env.get("DOCKER_CONFIG")) ? Path.of(env.get("DOCKER_CONFIG"))
                : Path.of(empty(env.get("HOME")) ? userHome : env.get("HOME"), ".docker")).resolve("config.json");
        try {
            if (!Files.isRegularFile(config)) {
                return Optional.empty();
            }
            String current = ContractJson.MAPPER.readTree(WholeFile.read(config, CONFIG_MAX_BYTES))
                    .path("currentContext").asText("");
            return current.isBlank() || current.equals("default") ? Optional.empty()
                    : Optional.of(LogText.escaped(LogText.bounded(current, 200)) + " (currentContext in " + config
                    + ")");
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the CLI's file, not the listener's: nothing to say of it
        }
    }

    /**
     * As the docker CLI: TLS when DOCKER_TLS_VERIFY has any value at all ({@code 0} and {@code false} too; docker-java
     * took only {@code 1} and {@code true}, and spoke plain HTTP to the engine otherwise), with the files of
     * DOCKER_CERT_PATH, else of the CLI's configuration directory: DOCKER_CONFIG, else {@code ~/.docker}.
     */
    private static Path tlsDirectory(Map<String, String> env, String userHome) {
        if (empty(env.get("DOCKER_TLS_VERIFY"))) {
            if (!empty(env.get("DOCKER_TLS"))) {
                // The docker CLI's TLS without verifying the engine: it was ignored, and the listener spoke plain
                // HTTP where its user had asked for TLS.
                throw new ConfigurationError("DOCKER_TLS is set without DOCKER_TLS_VERIFY: TLS that does not verify "
                        + "the engine's certificate is not supported (whoever is on the path could answer as the "
                        + "engine); set DOCKER_TLS_VERIFY=1, with the engine's CA as ca.pem beside the client's "
                        + "cert.pem and key.pem in DOCKER_CERT_PATH");
            }
            return null;
        }
        Path dir;
        if (!empty(env.get("DOCKER_CERT_PATH"))) {
            dir = Path.of(env.get("DOCKER_CERT_PATH"));
        } else if (!empty(env.get("DOCKER_CONFIG"))) {
            dir = Path.of(env.get("DOCKER_CONFIG"));
        } else {
            dir = Path.of(empty(env.get("HOME")) ? userHome : env.get("HOME"), ".docker");
        }
        // docker-java needs all three (the CLI goes without a client certificate); it made no TLS at all, silently,
        // when one was missing.
        for (String name : TLS_FILES) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new ConfigurationError("DOCKER_TLS_VERIFY is set but " + dir.resolve(name) + " is missing: "
                        + "the directory of DOCKER_CERT_PATH (else of DOCKER_CONFIG, else ~/.docker) holds the "
                        + "engine's CA as ca.pem and the client's certificate and key as cert.pem and key.pem");
            }
        }
        warnOfTlsFilesOpenToOthers(dir);
        return dir;
    }

    /**
     * Said at every start, not refused (as for the Kafka client configuration's files): a {@code ca.pem} or
     * {@code cert.pem} that users besides its owner may write (whoever writes the CA chooses the engine this process
     * trusts, and so the events it takes for the engine's), a {@code key.pem} that they may read or write: the engine
     * takes its holder for this process's client, and the engine's API is root on its host (the docker CLI's
     * documentation makes it 0400). Nothing is said where the file system has no POSIX permissions.
     */
    private static void warnOfTlsFilesOpenToOthers(Path dir) {
        for (String name : TLS_FILES) {
            Path file = dir.resolve(name);
            Set<PosixFilePermission> permissions;
            try {
                permissions = Files.getPosixFilePermissions(file);
            } catch (UnsupportedOperationException | IOException e) {
                continue; // not a POSIX file system: nothing to say about others
            }
            String mode = PosixFilePermissions.toString(permissions);
            if (name.equals("key.pem")) {
                String byOthers = access(permissions, PosixFilePermission.OTHERS_READ,
                        PosixFilePermission.OTHERS_WRITE);
                String byGroup = access(permissions, PosixFilePermission.GROUP_READ,
                        PosixFilePermission.GROUP_WRITE);
                if (byOthers != null || byGroup != null) {
                    log.warn("the Docker engine's client key {} may be {} by {} ({}): whoever holds it is this "
                            + "process to the engine, whose API is root on its host: chmod 600 {}", file,
                            byOthers != null ? byOthers : byGroup,
                            byOthers != null ? "every user of this host" : "its group", mode, file);
                }
                continue;
            }
            String writers = FileAudience.writers(permissions);
            if (writers != null) {
                log.warn(name.equals("ca.pem")
                        ? "the Docker engine's CA {} may be written by {} ({}): whoever writes it chooses the engine "
                                + "this process trusts, and so the events it takes for the engine's: chmod go-w {}"
                        : "the Docker engine's client certificate {} may be written by {} ({}): whoever writes it "
                                + "chooses the certificate this process shows the engine: chmod go-w {}",
                        file, writers, mode, file);
            }
        }
    }

    /** "read and written", "read" or "written": what {@code read} and {@code write} allow; null for neither. */
    private static String access(Set<PosixFilePermission> permissions, PosixFilePermission read,
            PosixFilePermission write) {
        boolean reads = permissions.contains(read);
        boolean writes = permissions.contains(write);
        return reads && writes ? "read and written" : reads ? "read" : writes ? "written" : null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    /** The address as given: a socket's path as its file is named, not escaped as in {@link #uri()}. */
    @Override
    public String toString() {
        return "unix".equals(uri.getScheme()) ? "unix://" + uri.getPath() : uri.toString();
    }
}
