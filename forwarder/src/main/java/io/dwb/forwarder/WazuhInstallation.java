package io.dwb.forwarder;

import java.nio.file.Path;

/**
 * The Wazuh installation whose queue socket {@code --wazuh-queue} is, as read once at start ({@link
 * WazuhInstallationReader}): an agent's or a manager's, or what could not be told. {@link Pacing} ({@code --eps auto}),
 * {@link AgentStateGate}, {@link AnalysisdStateGate} and {@code --agent-map}'s check ({@code ForwarderCommand.owners})
 * take this one value. When each read ossec.conf on its own, a file changed between the reads could pace as an agent
 * a manager the gates took for one, or the other way round. A file changed later is taken when the forwarder starts
 * again.
 *
 * @param kind              what the installation is, as far as it can be told
 * @param queue             the queue socket's absolute path; null for standard output
 * @param home              {@code <home>} of {@code <home>/queue/sockets/queue}; null when the queue is not laid out so
 * @param ossecConf         {@code <home>/etc/ossec.conf}, whether it exists or not; null when {@code home} is
 * @param problem           why ossec.conf could not be read ({@link Kind#UNREADABLE}, {@link Kind#MALFORMED}): the
 *                          reader's message, naming the file (and line); null otherwise
 * @param agent             an agent's buffer ({@link Kind#AGENT}): ossec.conf's, and a centrally managed agent's
 *                          agent.conf over it; null otherwise
 * @param analysisdEpsLimit a manager's analysisd EPS limit ({@link Kind#MANAGER}, {@code <global><limits><eps>
 *                          <maximum>}); 0 when none, and for any other kind
 */
record WazuhInstallation(Kind kind, Path queue, Path home, Path ossecConf, String problem, AgentBuffer agent,
                         int analysisdEpsLimit) {

    /** What reads the queue socket, as far as ossec.conf says. */
    enum Kind {
        /** {@code --wazuh-queue -}: alerts go to standard output, no Wazuh reads them. */
        STANDARD_OUTPUT,
        /** A socket not laid out as Wazuh's ({@code <home>/queue/sockets/queue}): no installation around it. */
        NONE,
        /**
         * Laid out as Wazuh's, but ossec.conf is not a regular file: missing (a container given only the sockets
         * directory), or a directory (what a bind mount of none makes). Most likely an agent's.
         */
        NO_CONF,
        /** A regular ossec.conf this process may not read. */
        UNREADABLE,
        /** One it may read that could not be read or parsed (one Wazuh refuses too: an element not closed). */
        MALFORMED,
        /** ossec.conf has a {@code <client>} block: wazuh-agentd reads the socket. */
        AGENT,
        /** ossec.conf has none: wazuh-analysisd reads the socket. */
        MANAGER
    }
}
