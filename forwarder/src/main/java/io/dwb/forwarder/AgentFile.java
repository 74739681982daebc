package io.dwb.forwarder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A file of agents read into host → agent: an explicit map ({@code <host> <agent id> <agent name> <agent ip>} a line,
 * the host being a Docker host's name or engine id), or the manager's agent registry {@code client.keys} ({@code <id>
 * <name> <ip> <key>} a line, keyed by agent name, which is matched against the Docker host's name). Both: {@code #}
 * starts a comment line, blank lines are ignored. A line that cannot be an agent is skipped and reported by number
 * and reason, never by content: a {@code client.keys} line holds the agent's key. The file is hostile input of up to
 * megabytes (its directory is the wazuh group's): its lines are walked in place, not split into an array of them all,
 * only the first {@link #MAX_SKIPPED_LISTED} skipped lines are listed (the others counted), and at most a caller's
 * number of agents is kept; what it holds is what it keeps.
 */
final class AgentFile {
    /** The two layouts. */
    enum Format {
        /** {@code --agent-map}: {@code <host> <id> <name> <ip>}. */
        MAP("agent map"),
        /** {@code --agent-keys}: Wazuh's {@code client.keys}, {@code <id> <name> <ip> <key>}. */
        CLIENT_KEYS("client.keys");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** Why a line was skipped. */
    enum LineProblem {
        FIELDS("not four fields separated by spaces"),
        ID(WazuhAgent.Problem.ID.meaning()),
        NAME(WazuhAgent.Problem.NAME.meaning()),
        IP(WazuhAgent.Problem.IP.meaning()),
        DUPLICATE("an earlier line maps the same host");

        private final String meaning;

        LineProblem(String meaning) {
            this.meaning = meaning;
        }

        String meaning() {
            return meaning;
        }

        static LineProblem of(WazuhAgent.Problem problem) {
            return switch (problem) {
                case ID -> ID;
                case NAME -> NAME;
                case IP -> IP;
            };
        }
    }

    /**
     * The most skipped lines a parse lists, each for a WARN line; the others are only counted. A file of a million
     * lines that are not agents (2 MB of {@code x}) listed each, and split into an array of them all, ran the
     * forwarder's 72 MB heap out, and would have written a million WARN lines.
     */
    static final int MAX_SKIPPED_LISTED = 20;
    private static final Pattern BLANKS = Pattern.compile("[ \t]+");

    /** A line left out, by its number (from 1). */
    record Skipped(int line, LineProblem problem) {}

    /**
     * What a file maps.
     *
     * @param agents       host (name or engine id; for client.keys the agent's name) → agent
     * @param skipped      the first {@link #MAX_SKIPPED_LISTED} lines skipped
     * @param skippedLines how many lines were skipped in all
     * @param removed      client.keys entries of removed agents (name starting with {@code !} or {@code #}), left out
     * @param leftOut      agents left out because the caller's names do not take them
     */
    record Parsed(Map<String, WazuhAgent> agents, List<Skipped> skipped, int skippedLines, int removed, int leftOut) {}

    /** More agents than the caller keeps: the file is not taken (a part of it is a mapping no one wrote). */
    static final class TooManyAgents extends IOException {
        TooManyAgents(int maxAgents) {
            super("it gives more than " + maxAgents + " agents to keep");
        }
    }

    private AgentFile() {}

    /** Every agent of {@code text} kept. */
    static Parsed parse(String text, Format format) {
        try {
            return parse(text.getBytes(StandardCharsets.UTF_8), format, host -> true, Integer.MAX_VALUE);
        } catch (IOException e) {
            throw new IllegalStateException("a string's own UTF-8, every agent kept", e);
        }
    }

    /**
     * The agents of a file's bytes, UTF-8 (strictly: a file with other bytes is not taken, {@link
     * CharacterCodingException}).
     *
     * @param names     which hosts may be kept; the others are counted ({@link Parsed#leftOut}), not held
     * @param maxAgents the most agents kept; past it, {@link TooManyAgents}
     */
    static Parsed parse(byte[] bytes, Format format, Predicate<String> names, int maxAgents) throws IOException {
        requireUtf8(bytes);
        Map<String, WazuhAgent> agents = new HashMap<>();
        List<Skipped> skipped = new ArrayList<>();
        int skippedLines = 0;
        int removed = 0;
        int leftOut = 0;
        int number = 0;
        for (int start = 0; start <= bytes.length; ) { // as split("\n", -1): the text after the last \n is a line
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            number++;
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            // whole characters: no UTF-8 sequence holds a \n byte
            String line = new String(bytes, start, stop - start, StandardCharsets.UTF_8);
            start = end + 1;
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            String[] fields = BLANKS.split(line.strip());
            if (fields.length != 4) {
                skippedLines = skip(skipped, skippedLines, new Skipped(number, LineProblem.FIELDS));
                continue;
            }
            String host;
            String id;
            String name;
            String ip;
            if (format == Format.MAP) {
                host = fields[0];
                id = fields[1];
                name = fields[2];
                ip = fields[3];
            } else {
                id = fields[0];
                name = fields[1];
                ip = fields[2];
                if (name.startsWith("!") || name.startsWith("#")) { // how manage_agents marks a removed agent
                    removed++;
                    continue;
                }
                host = name;
            }
            Optional<WazuhAgent.Problem> problem = WazuhAgent.problem(id, name, ip);
            if (problem.isPresent()) {
                skippedLines = skip(skipped, skippedLines, new Skipped(number, LineProblem.of(problem.get())));
            } else if (!names.test(host)) {
                leftOut++;
            } else if (agents.putIfAbsent(host, new WazuhAgent(id, name, ip)) != null) {
                skippedLines = skip(skipped, skippedLines, new Skipped(number, LineProblem.DUPLICATE));
            } else if (agents.size() > maxAgents) {
                throw new TooManyAgents(maxAgents);
            }
        }
        return new Parsed(Collections.unmodifiableMap(agents), List.copyOf(skipped), skippedLines, removed, leftOut);
    }

    /** Lists the line among the first skipped; returns the new count of skipped lines. */
    private static int skip(List<Skipped> listed, int skippedLines, Skipped line) {
        if (listed.size() < MAX_SKIPPED_LISTED) {
            listed.add(line);
        }
        return skippedLines + 1;
    }

    /** Strictly UTF-8, checked through a small buffer (not decoded into a copy of the file). */
    private static void requireUtf8(byte[] bytes) throws CharacterCodingException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed and unmappable input
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(8192);
        CoderResult result;
        do {
            out.clear();
            result = decoder.decode(in, out, true);
            if (result.isError()) {
                result.throwException();
            }
        } while (result.isOverflow());
        out.clear();
        result = decoder.flush(out);
        if (result.isError()) {
            result.throwException();
        }
    }
}
