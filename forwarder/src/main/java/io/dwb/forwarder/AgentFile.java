package io.dwb.forwarder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A file of agents read into host → agent: an explicit map ({@code <host> <agent id> <agent name> <agent ip>} a line,
 * the host being a Docker host's name or engine id), or the manager's agent registry {@code client.keys} ({@code <id>
 * <name> <ip> <key>} a line, keyed by agent name, which is matched against the Docker host's name). Both: {@code #}
 * starts a comment line, blank lines are ignored. A line that cannot be an agent is skipped and reported by number
 * and reason, never by content: a {@code client.keys} line holds the agent's key.
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

    /** A line left out, by its number (from 1). */
    record Skipped(int line, LineProblem problem) {}

    /**
     * What a file maps.
     *
     * @param agents  host (name or engine id; for client.keys the agent's name) → agent
     * @param removed client.keys entries of removed agents (name starting with {@code !} or {@code #}), left out
     */
    record Parsed(Map<String, WazuhAgent> agents, List<Skipped> skipped, int removed) {}

    private AgentFile() {}

    static Parsed parse(String text, Format format) {
        Map<String, WazuhAgent> agents = new HashMap<>();
        List<Skipped> skipped = new ArrayList<>();
        int removed = 0;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            String[] fields = line.strip().split("[ \t]+");
            if (fields.length != 4) {
                skipped.add(new Skipped(i + 1, LineProblem.FIELDS));
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
                skipped.add(new Skipped(i + 1, LineProblem.of(problem.get())));
            } else if (agents.putIfAbsent(host, new WazuhAgent(id, name, ip)) != null) {
                skipped.add(new Skipped(i + 1, LineProblem.DUPLICATE));
            }
        }
        return new Parsed(Map.copyOf(agents), List.copyOf(skipped), removed);
    }
}
