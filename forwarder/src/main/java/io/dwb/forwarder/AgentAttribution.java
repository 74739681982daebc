package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>client.keys lies in the manager's {@code etc}, which the wazuh group writes (0770 root:wazuh, the file wazuh:wazuh
 * 0660), and this runs on the delivery thread: each file is read as Wazuh's state files are ({@link WazuhStateFile},
 * {@linkplain WazuhStateFile#whole whole}): never through a link (the map, the operator's, through its links to a
 * regular file), only a regular file (a FIFO renamed over it held the delivery thread in its open for good, nothing
 * logged; a link to {@code /dev/zero} ran the heap out), at most {@link #MAX_FILE_BYTES}, on a reading thread of its
 * own that delivery waits for {@link WazuhStateFile#WHOLE_READ_WITHIN_MILLIS} at most; and a file may give at most {@link #MAX_AGENTS} agents. A file refused so keeps its last mapping, as one
 * that cannot be read, and is not read again until it changes; at start it is a configuration error.
 *
 * <p>A record's host name is what its writer says (any listener's credentials may write any host's records), so
 * {@code --agent-keys} alone lets such a writer attribute alerts to any agent the manager registered, a database
 * server's say. {@code --agent-keys-names} bounds which of client.keys' agents may be taken ({@link #agentNames}).
 */
final class AgentAttribution implements AlertOwners {
    private static final Logger log = LoggerFactory.getLogger(AgentAttribution.class);
    static final long CHECK_NANOS = 5_000_000_000L;
    /**
     * The largest file read. A manager of 100,000 agents has a client.keys of about 10 MB (a line of ~100 bytes: id,
     * name, address, 64 hex digits of key); 16 MiB leaves it 60 % to grow (longer names). Not more: the file is read
     * into one array on the forwarder's 72 MB heap (-Xmx72m, young and old generations of 32 MB), where 64 MiB could
     * not be allocated at all. An agent map, written by hand, is far smaller.
     */
    static final int MAX_FILE_BYTES = 16 * 1024 * 1024;
    /**
     * The most agents a file may give (hosts, for a map; with {@code --agent-keys-names}, the matching agents only:
     * the others are counted, not held); past it, the file is refused. What the file holds, not its bytes, is what
     * the heap keeps: 16 MiB of the shortest agent lines are a million agents. 20,000 agents of Wazuh's longest names
     * and addresses (128 and 64 characters) were read, and read again beside the last mapping, by a process of a 32 MB
     * heap (30,000 ran it out): the rest of the 72 MB is the forwarder's. A manager of more agents than that takes
     * {@code --agent-keys-names}, which it should have anyway.
     */
    static final int MAX_AGENTS = 20_000;

    private final List<Source> sources;
    private final byte[] unattributed = AgentLocation.unattributed();
    private long lastCheck;

    /** One file, with what was last read from it. */
    private static final class Source {
        final WazuhStateFile file;
        final AgentFile.Format format;
        /** Which of the file's agents may be taken, by agent name. */
        final Predicate<String> names;
        Stamp stamp;
        /** The file as it was when its content was refused (not UTF-8, too many agents): not read again as it is. */
        Stamp refused;
        Map<String, byte[]> heads = Map.of();
        boolean failing;

        Source(Path file, AgentFile.Format format, Predicate<String> names) {
            // The map is the operator's (a ConfigMap's file is a link); client.keys is in etc/, which the wazuh
            // group writes: never through a link there
            this.file = format == AgentFile.Format.MAP
                    ? WazuhStateFile.wholeFollowingLinks(file, "agent-map-reader", MAX_FILE_BYTES)
                    : WazuhStateFile.whole(file, "agent-keys-reader", MAX_FILE_BYTES);
            this.format = format;
            this.names = names;
        }

        Path path() {
            return file.path();
        }
    }

    private record Stamp(FileTime modified, long size, Object key) {
        static Stamp of(BasicFileAttributes attributes) {
            return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
        }
    }

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
                read(source, Stamp.of(source.file.attributes()));
            } catch (IOException e) {
                throw new ConfigurationError("cannot read the " + source.format.label() + " " + source.path() + ": "
                        + (e instanceof AgentFile.TooManyAgents ? reason(source, e) : e.getMessage()), e);
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
                Stamp stamp = Stamp.of(source.file.attributes()); // a look: never through a link, never waits
                if (stamp.equals(source.refused)) {
                    continue; // still failing, said once: read again once it changes
                }
                if (!stamp.equals(source.stamp)) {
                    read(source, stamp);
                }
                if (source.failing) {
                    source.failing = false;
                    log.info("the {} {} is readable again", source.format.label(), source.path());
                }
            } catch (IOException e) {
                if (!source.failing) {
                    source.failing = true;
                    log.warn("cannot read the {} {} ({}): keeping its last {} agent(s)", source.format.label(),
                            source.path(), reason(source, e), source.heads.size());
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
                    .append(source.format.label()).append(' ').append(source.path());
        }
        return out.toString();
    }

    /** Reads the file, which its look found as {@code stamp}; the mapping changes only once the whole file is taken. */
    private static void read(Source source, Stamp stamp) throws IOException {
        AgentFile.Parsed parsed;
        try {
            parsed = AgentFile.parse(source.file.bytes(), source.format, source.names, MAX_AGENTS);
        } catch (CharacterCodingException | AgentFile.TooManyAgents e) {
            // Its content, not a passing state (permissions, a rename under way): not read again as it is, if the file
            // read is still the one looked at (not one renamed in between).
            if (stamp.equals(Stamp.of(source.file.attributes()))) {
                source.refused = stamp;
            }
            throw e;
        }
        for (AgentFile.Skipped skipped : parsed.skipped()) {
            // The line number and the reason only: a client.keys line holds the agent's key.
            log.warn("skipped line {} of the {} {}: {}", skipped.line(), source.format.label(), source.path(),
                    skipped.problem().meaning());
        }
        Map<String, byte[]> heads = new HashMap<>();
        for (Map.Entry<String, WazuhAgent> agent : parsed.agents().entrySet()) {
            heads.put(agent.getKey(), AgentLocation.of(agent.getValue()));
        }
        boolean first = source.stamp == null;
        source.heads = Map.copyOf(heads);
        source.stamp = stamp;
        source.refused = null;
        int skipped = parsed.skippedLines();
        log.info("{} {}: {} agent(s){}{}{}", first ? "read the" : "read again the", source.format.label() + " "
                + source.path(), heads.size(), skipped == 0 ? "" : ", " + skipped + " line(s) skipped"
                + (skipped > parsed.skipped().size() ? " (the first " + parsed.skipped().size() + " said)" : ""),
                parsed.removed() == 0 ? "" : ", " + parsed.removed() + " removed agent(s)",
                parsed.leftOut() == 0 ? "" : ", " + parsed.leftOut()
                        + " agent(s) not matching --agent-keys-names left out");
    }

    /** Why a file is not read: the bridge's own refusals by their message, which names the file; others as they are. */
    private static String reason(Source source, IOException e) {
        if (e instanceof AgentFile.TooManyAgents) {
            return e.getMessage() + (source.format == AgentFile.Format.CLIENT_KEYS ? " (--agent-keys-names keeps only "
                    + "those a Docker host may take: the others are only counted)" : "");
        }
        return e instanceof WazuhStateFile.NotRegularFile || e instanceof WazuhStateFile.TooLarge ? e.getMessage()
                : e.toString();
    }
}
