package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import java.nio.file.Path;

/**
 * How fast delivery goes ({@code --eps}), and why, for the line that starts delivery. {@code --eps auto} (the
 * default) is the pace the Wazuh installation behind {@code --wazuh-queue} takes without dropping.
 * An agent's wazuh-agentd moves what arrives on the queue socket into its anti-flooding bucket ({@code
 * <client_buffer>}: 5,000 events, drained at {@code events_per_second}, 500 by default) and drops what overflows, after
 * the forwarder committed it; the bucket also takes the agent's own modules' events, so the bridge keeps to
 * {@value #SHARE_PERCENT} % of that rate. A replay takes {@value #REPLAY_SHARE_PERCENT} %: it runs beside the live
 * forwarder, which does not know of it, and the two at 90 % each overflowed the bucket; together they leave the
 * agent's modules 5 %. A manager's queue is read by analysisd, whose input thread never stops reading and drops each
 * event that finds its event queue ({@code analysisd.decode_event_queue_size}, 16,384 by default) full: paced at
 * {@value #MANAGER_EPS} a second ({@value #MANAGER_REPLAY_EPS} for a replay), which {@link AnalysisdStateGate} can
 * stop in time (it reads analysisd's state, written every 5 s: 6 s at {@value #MANAGER_EPS}/s and the 250/s of a
 * replay beside it fill 7,500 of the half of the queue it keeps free, were analysisd to take none), or at
 * {@value #SHARE_PERCENT} % ({@value #REPLAY_SHARE_PERCENT} % for a replay) of its {@code <global><limits><eps>
 * <maximum>} (Wazuh 4.4+) when that is lower: analysisd decodes no faster, and holds the rest in that queue. A queue
 * socket laid out as Wazuh's whose ossec.conf cannot be read: paced as an agent of Wazuh's default rate, with a WARN. Standard output, or a socket with no Wazuh installation around it: unpaced, and the reason says
 * so.
 *
 * @param eps        datagrams a second at most; 0 for unpaced
 * @param reason     for the log line
 * @param assumption what was assumed for want of the installation's settings, for a WARN when delivery starts (not
 *                   at parsing: a start that fails for another reason says only that); null when nothing was
 */
public record Pacing(int eps, String reason, String assumption) {
    Pacing(int eps, String reason) {
        this(eps, reason, null);
    }

    static final String AUTO = "auto";
    /** wazuh-agentd's events_per_second when ossec.conf does not set it. */
    static final int AGENT_EVENTS_PER_SECOND = 500;
    static final int SHARE_PERCENT = 90;
    /** What a replay takes: half of what the live forwarder's share leaves, the other half the agent's modules'. */
    static final int REPLAY_SHARE_PERCENT = (100 - SHARE_PERCENT) / 2;
    /** A manager's pace, unless its analysisd EPS limit is lower: see the class comment. */
    static final int MANAGER_EPS = 1000;
    /** A replay's, to a manager: beside the live forwarder's {@link #MANAGER_EPS}. */
    static final int MANAGER_REPLAY_EPS = 250;

    /** {@code --eps N}: N a second at most, 0 for unpaced. */
    static Pacing given(int eps) {
        return new Pacing(eps, eps > 0 ? "at most " + eps + " alerts/s (--eps)" : "unpaced (--eps 0)");
    }

    /**
     * {@code --eps auto}: from the installation {@code wazuh} read around {@code --wazuh-queue} ({@code
     * <home>/queue/sockets/queue}: {@code <home>/etc/ossec.conf}); a replay's share when {@code replay}.
     *
     * @throws ConfigurationError for an ossec.conf that is readable but malformed, or an unusable events_per_second
     */
    static Pacing auto(WazuhInstallation wazuh, boolean replay) {
        Path conf = wazuh.ossecConf();
        return switch (wazuh.kind()) {
            case STANDARD_OUTPUT -> new Pacing(0, "unpaced (alerts go to standard output)");
            case NONE -> new Pacing(0, "unpaced: " + wazuh.queue() + " is not the queue socket of a Wazuh "
                    + "installation (<home>/queue/sockets/queue); give --eps to pace");
            case NO_CONF, UNREADABLE -> assumedAgent(conf, replay);
            case MALFORMED -> throw new ConfigurationError(wazuh.problem());
            case MANAGER -> manager(wazuh.analysisdEpsLimit(), conf, replay);
            case AGENT -> agent(wazuh.agent(), conf, replay);
        };
    }

    /** No readable {@code conf}: paced as an agent of Wazuh's default rate, with a WARN. */
    private static Pacing assumedAgent(Path conf, boolean replay) {
        // Most likely an agent (a container given only the sockets directory): unpaced, a backlog after an outage
        // would overflow its bucket, which drops what was committed. A manager is paced needlessly.
        int share = replay ? REPLAY_SHARE_PERCENT : SHARE_PERCENT;
        int eps = AGENT_EVENTS_PER_SECOND * share / 100;
        return new Pacing(eps, "at most " + eps + " alerts/s: " + share + " % of Wazuh's default "
                + "<client_buffer><events_per_second> " + AGENT_EVENTS_PER_SECOND + ", as there is no readable "
                + conf + "; give --eps to pace otherwise", "no readable " + conf + " to take the agent's "
                + "events_per_second from: pacing at " + share + " % of Wazuh's default " + AGENT_EVENTS_PER_SECOND
                + ", " + eps + " alerts/s; give --eps (" + MANAGER_EPS + " for a manager), or make it readable");
    }

    /**
     * An agent's ({@code conf} with a {@code <client>} block): its buffer as ossec.conf sets it, and a centrally
     * managed agent's agent.conf over it. See the class comment.
     */
    private static Pacing agent(AgentBuffer agent, Path conf, boolean replay) {
        String ownRate = agent.local().eventsPerSecond(); // every block, field by field, as agentd reads them
        if (ownRate != null && rate(ownRate) < 1) {
            throw new ConfigurationError(conf + ": <client_buffer><events_per_second> must be a number above "
                    + "0, not '" + ownRate.strip() + "'; or give --eps");
        }
        String central = (agent.from().isEmpty() ? "" : "; " + agent.from())
                + (agent.warning() == null ? "" : "; " + agent.warning());
        ClientBuffer buffer = agent.buffer();
        if (buffer.off()) {
            // agentd then sends each alert to its manager at once, without congestion control: a backlog went at tens
            // of thousands a second into the manager's analysisd, whose full event queue drops every agent's events.
            int eps = replay ? MANAGER_REPLAY_EPS : MANAGER_EPS;
            return new Pacing(eps, "at most " + eps + " alerts/s, as to a manager: the agent's <client_buffer> is "
                    + "disabled in " + conf + ", so agentd sends each alert to its manager at once, without congestion "
                    + "control" + (replay ? " (a replay: the live forwarder keeps " + MANAGER_EPS + ")" : "")
                    + "; give --eps for more" + central);
        }
        String rate = buffer.eventsPerSecond();
        int agentRate = rate == null ? AGENT_EVENTS_PER_SECOND : rate(rate);
        int share = replay ? REPLAY_SHARE_PERCENT : SHARE_PERCENT;
        int eps = Math.max(1, agentRate * share / 100);
        return new Pacing(eps, "at most " + eps + " alerts/s: " + share + " % of the agent's "
                + "<client_buffer><events_per_second> " + agentRate + (rate == null ? " (Wazuh's default)" : "")
                + " in " + conf + ", which drops what exceeds it" + (replay ? " (a replay: the live forwarder keeps "
                + SHARE_PERCENT + " %; give --eps for more while it is stopped)" : "") + central);
    }

    private static int rate(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A manager's ({@code conf} without a {@code <client>} block): see the class comment. */
    private static Pacing manager(int limit, Path conf, boolean replay) {
        int most = replay ? MANAGER_REPLAY_EPS : MANAGER_EPS;
        String why = conf + " is a manager's (no <client> block): analysisd drops each event that finds its event "
                + "queue full (16,384 events by default), and its state file, written every 5 s, says it is filling "
                + "too late to stop a faster burst";
        String more = replay ? " (a replay: the live forwarder keeps " + MANAGER_EPS + "; give --eps for more while "
                + "it is stopped)" : "; give --eps for more (--eps 0: unpaced)";
        if (limit > 0) { // analysisd's EPS limit: WazuhInstallationReader.analysisdEpsLimit
            int share = replay ? REPLAY_SHARE_PERCENT : SHARE_PERCENT;
            int eps = Math.max(1, limit * share / 100);
            if (eps < most) {
                return new Pacing(eps, "at most " + eps + " alerts/s: " + share + " % of analysisd's <global><limits>"
                        + "<eps><maximum> " + limit + " in " + conf + ", which holds what exceeds it in its event queue "
                        + "and drops what finds that full" + (replay ? " (a replay: the live forwarder keeps "
                        + SHARE_PERCENT + " %; give --eps for more while it is stopped)" : ""));
            }
        }
        return new Pacing(most, "at most " + most + " alerts/s: " + why + more);
    }
}
