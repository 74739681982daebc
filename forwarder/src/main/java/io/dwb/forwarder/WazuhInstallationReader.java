package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.OssecConf;
import java.nio.file.Files;
import java.nio.file.Path;
import org.w3c.dom.Element;

/**
 * Reads the Wazuh installation around {@code --wazuh-queue} = {@code <home>/queue/sockets/queue} once: {@code
 * <home>/etc/ossec.conf}, a {@code <client>} block making it an agent's, and what pacing and the gates need of it. It
 * says nothing and stops nothing: a file that cannot be read is a kind, and what to make of it (a stop, a WARN, an
 * assumed pace) is each user's ({@link Pacing}, {@link AgentStateGate}, {@code ForwarderCommand.owners}).
 */
final class WazuhInstallationReader {
    private WazuhInstallationReader() {}

    static WazuhInstallation read(String wazuhQueue) {
        if ("-".equals(wazuhQueue)) {
            return new WazuhInstallation(WazuhInstallation.Kind.STANDARD_OUTPUT, null, null, null, null, null, 0);
        }
        Path queue = Path.of(wazuhQueue).toAbsolutePath().normalize();
        Path conf = ossecConf(queue);
        if (conf == null) {
            return new WazuhInstallation(WazuhInstallation.Kind.NONE, queue, null, null, null, null, 0);
        }
        Path home = conf.getParent().getParent();
        if (!Files.isRegularFile(conf)) {
            return new WazuhInstallation(WazuhInstallation.Kind.NO_CONF, queue, home, conf, null, null, 0);
        }
        OssecConf ossec;
        try {
            ossec = OssecConf.read(conf);
        } catch (ConfigurationError e) {
            // Not readable for want of permission: most likely an agent's, as a missing one. Readable, yet not read:
            // a file agentd or analysisd would refuse too.
            WazuhInstallation.Kind kind = Files.isReadable(conf) ? WazuhInstallation.Kind.MALFORMED
                    : WazuhInstallation.Kind.UNREADABLE;
            return new WazuhInstallation(kind, queue, home, conf, e.getMessage(), null, 0);
        }
        if (ossec.last("client") == null) {
            return new WazuhInstallation(WazuhInstallation.Kind.MANAGER, queue, home, conf, null, null,
                    analysisdEpsLimit(ossec));
        }
        // ossec.conf's buffer, and a centrally managed agent's agent.conf over it: read now, with ossec.conf.
        return new WazuhInstallation(WazuhInstallation.Kind.AGENT, queue, home, conf, null, AgentBuffer.of(conf, ossec),
                0);
    }

    /**
     * {@code <home>/etc/ossec.conf} of the installation whose queue socket {@code queue} (absolute, normalized) is
     * ({@code <home>/queue/sockets/queue}), whether it exists or not; null for any other path.
     */
    static Path ossecConf(Path queue) {
        Path sockets = queue.getParent();
        Path queueDir = sockets == null ? null : sockets.getParent();
        Path home = queueDir == null ? null : queueDir.getParent();
        if (home == null || !sockets.getFileName().toString().equals("sockets")
                || !queueDir.getFileName().toString().equals("queue")) {
            return null;
        }
        return home.resolve("etc").resolve("ossec.conf");
    }

    /**
     * wazuh-analysisd's events-per-second limit (Wazuh 4.4+, {@code Read_Global_limits_eps}): the last {@code
     * <global><limits><eps>} block's {@code <maximum>}; 0 when none, when that block has none (analysisd: "EPS limit
     * disabled"), or when it is 0 or not a number (analysisd refuses the latter; the socket will say so).
     */
    static int analysisdEpsLimit(OssecConf ossec) {
        String maximum = null;
        for (Element eps : ossec.all("eps")) {
            if (eps.getParentNode() instanceof Element limits && limits.getTagName().equals("limits")
                    && limits.getParentNode() instanceof Element global && global.getTagName().equals("global")) {
                maximum = OssecConf.child(eps, "maximum");
            }
        }
        if (maximum == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(maximum.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
