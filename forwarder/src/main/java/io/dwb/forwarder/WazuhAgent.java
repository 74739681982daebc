package io.dwb.forwarder;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Wazuh agent as the manager registers it in {@code client.keys}: id, name and registered address. Only values
 * Wazuh itself accepts are representable, so none can break the location {@link AgentLocation} builds from them (a
 * {@code ]} would end the id early, a {@code )} the name, a {@code -} or {@code >} would move where analysisd finds the
 * address and the original location, a newline or NUL would end the datagram's text).
 *
 * @param id   1 to 8 digits (Wazuh's {@code OS_IsValidID}, src/addagent/validate.c)
 * @param name 2 to 128 of {@code A-Z a-z 0-9 - _ .} (Wazuh's {@code OS_IsValidName}, same file)
 * @param ip   {@code any}, or an IPv4 / IPv6 address or network ({@code 10.0.0.0/24}): hex digits, {@code .},
 *             {@code :} and {@code /} only
 */
public record WazuhAgent(String id, String name, String ip) {
    private static final Pattern ID = Pattern.compile("[0-9]{1,8}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{2,128}");
    private static final Pattern IP = Pattern.compile("any|[0-9A-Fa-f.:/]{2,64}");

    /** Why a value cannot be an agent's. */
    public enum Problem {
        ID("the agent id is not 1 to 8 digits"),
        NAME("the agent name is not 2 to 128 of A-Z a-z 0-9 - _ . (what Wazuh accepts)"),
        IP("the agent address is not 'any' or an IP address or network");

        private final String meaning;

        Problem(String meaning) {
            this.meaning = meaning;
        }

        public String meaning() {
            return meaning;
        }
    }

    public WazuhAgent {
        Optional<Problem> problem = problem(id, name, ip);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get().meaning());
        }
    }

    /** What is wrong with these values, if anything; never echoes them (a line may hold a key). */
    public static Optional<Problem> problem(String id, String name, String ip) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.of(Problem.ID);
        }
        if (name == null || !NAME.matcher(name).matches()) {
            return Optional.of(Problem.NAME);
        }
        if (ip == null || !IP.matcher(ip).matches()) {
            return Optional.of(Problem.IP);
        }
        return Optional.empty();
    }
}
