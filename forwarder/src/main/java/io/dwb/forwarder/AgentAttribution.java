package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts of a Docker host that has a Wazuh agent are attributed to that agent ({@link AgentLocation}); the others
 * keep {@code 1:Wazuh-Docker:}. The host's agent comes from an explicit map ({@code --agent-map}, by Docker host name,
 * else engine id) and, for hosts it does not name, from the manager's {@code client.keys} ({@code --agent-keys}, by
 * agent name = Docker host name). Each file is read again when it changes (modification time, size or inode, looked at
 * every {@link #CHECK_NANOS}); a file that cannot be read then keeps its last mapping, with one WARN line.
 *
 * <p>A record's host name is what its writer says (any listener's credentials may write any host's records), so
 * {@code --agent-keys} alone lets such a writer attribute alerts to any agent the manager registered, a database
 * server's say. {@code --agent-keys-names} bounds which of client.keys' agents may be taken ({@link #agentNames}).
 */
final class AgentAttribution implements AlertOwners {
    private static final Logger log = LoggerFactory.getLogger(AgentAttribution.class);
    static final long CHECK_NANOS = 5_000_000_000L;

    private final List<Source> sources;
    private final byte[] unattributed = AgentLocation.unattributed();
    private long lastCheck;

    /** One file, with what was last read from it. */
    private static final class Source {
        final Path file;
        final AgentFile.Format format;
        /** Which of the file's agents may be taken, by agent name. */
        final Predicate<String> names;
        Stamp stamp;
        Map<String, byte[]> heads = Map.of();
        boolean failing;

        Source(Path file, AgentFile.Format format, Predicate<String> names) {
            this.file = file;
            this.format = format;
            this.names = names;
        }
    }

    private record Stamp(FileTime modified, long size, Object key) {}

    private AgentAttribution(List<Source> sources, long nowNanos) {
        this.sources = sources;
        this.lastCheck = nowNanos;
    }

    /**
     * Reads the files once; null for either means none.
     *
     * @param clientKeysNames which of client.keys' agents may be taken ({@link #agentNames})
     * @throws ConfigurationError when a file given cannot be read
     */
    static AgentAttribution load(Path map, Path clientKeys, Predicate<String> clientKeysNames, long nowNanos) {
        List<Source> sources = new ArrayList<>();
        if (map != null) {
            sources.add(new Source(map, AgentFile.Format.MAP, name -> true)); // each line written on purpose
        }
        if (clientKeys != null) {
            sources.add(new Source(clientKeys, AgentFile.Format.CLIENT_KEYS, clientKeysNames));
        }
        for (Source source : sources) {
            try {
                read(source);
            } catch (IOException e) {
                throw new ConfigurationError("cannot read the " + source.format.label() + " " + source.file + ": "
                        + e.getMessage(), e);
            }
        }
        return new AgentAttribution(List.copyOf(sources), nowNanos);
    }

    @Override
    public byte[] head(HostRef host) {
        // The explicit map first (name, then engine id), then client.keys by name.
        for (Source source : sources) {
            byte[] head = host.name() == null ? null : source.heads.get(host.name());
            if (head == null && host.id() != null && source.format == AgentFile.Format.MAP) {
                head = source.heads.get(host.id());
            }
            if (head != null) {
                return head;
            }
        }
        return unattributed;
    }

    @Override
    public void refresh(long nowNanos) {
        if (nowNanos - lastCheck < CHECK_NANOS) {
            return;
        }
        lastCheck = nowNanos;
        for (Source source : sources) {
            try {
                if (!Objects.equals(stamp(source.file), source.stamp)) {
                    read(source);
                }
                if (source.failing) {
                    source.failing = false;
                    log.info("the {} {} is readable again", source.format.label(), source.file);
                }
            } catch (IOException e) {
                if (!source.failing) {
                    source.failing = true;
                    log.warn("cannot read the {} {} ({}): keeping its last {} agent(s)", source.format.label(),
                            source.file, e, source.heads.size());
                }
            }
        }
    }

    /**
     * {@code --agent-keys-names}: the agent names, a regular expression matching the whole name, that client.keys may
     * attribute alerts to (every name when null).
     *
     * @throws ConfigurationError when it is not a regular expression
     */
    static Predicate<String> agentNames(String regex) {
        if (regex == null) {
            return name -> true;
        }
        if (regex.isBlank()) { // a DWB_AGENT_KEYS_NAMES left empty would take no agent at all, quietly
            throw new ConfigurationError("--agent-keys-names is empty: give the agent names to take, or leave it out");
        }
        try {
            return Pattern.compile(regex).asMatchPredicate();
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ConfigurationError("--agent-keys-names is not a regular expression: "
                    + e.getMessage().replace('\n', ' '));
        }
    }

    /** How many hosts each file maps, for the start line. */
    String summary() {
        StringBuilder out = new StringBuilder();
        for (Source source : sources) {
            out.append(out.isEmpty() ? "" : ", ").append(source.heads.size()).append(" host(s) from the ")
                    .append(source.format.label()).append(' ').append(source.file);
        }
        return out.toString();
    }

    private static void read(Source source) throws IOException {
        Stamp stamp = stamp(source.file);
        AgentFile.Parsed parsed = AgentFile.parse(Files.readString(source.file, StandardCharsets.UTF_8),
                source.format);
        for (AgentFile.Skipped skipped : parsed.skipped()) {
            // The line number and the reason only: a client.keys line holds the agent's key.
            log.warn("skipped line {} of the {} {}: {}", skipped.line(), source.format.label(), source.file,
                    skipped.problem().meaning());
        }
        Map<String, byte[]> heads = new HashMap<>();
        int unnamed = 0;
        for (Map.Entry<String, WazuhAgent> agent : parsed.agents().entrySet()) {
            if (source.names.test(agent.getKey())) {
                heads.put(agent.getKey(), AgentLocation.of(agent.getValue()));
            } else {
                unnamed++;
            }
        }
        boolean first = source.stamp == null;
        source.heads = Map.copyOf(heads);
        source.stamp = stamp;
        log.info("{} {}: {} agent(s){}{}{}", first ? "read the" : "read again the", source.format.label() + " "
                + source.file, heads.size(), parsed.skipped().isEmpty() ? "" : ", " + parsed.skipped().size()
                + " line(s) skipped", parsed.removed() == 0 ? "" : ", " + parsed.removed() + " removed agent(s)",
                unnamed == 0 ? "" : ", " + unnamed + " agent(s) not matching --agent-keys-names left out");
    }

    private static Stamp stamp(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    }
}
