package io.dwb.standalone;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.OssecConf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.w3c.dom.Element;

/**
 * The stock {@code <wodle name="docker-listener">} of a Wazuh {@code ossec.conf}, as seen by a bridge that runs beside
 * the agent as its own service: when enabled, Wazuh's own wodle also sends every Docker event, and each alert arrives
 * twice. Wazuh runs the block unless its {@code <disabled>} says {@code yes} (the last one given wins, as for every
 * option of the file).
 */
enum StockWodle {
    /** No such block: nothing else sends Docker events. */
    ABSENT,
    /** {@code <disabled>yes</disabled>}. */
    DISABLED,
    /** The block runs: every alert twice. */
    ENABLED;

    static final String NAME = "docker-listener";

    static StockWodle of(OssecConf conf) {
        Element wodle = conf.last("wodle", NAME);
        if (wodle == null) {
            return ABSENT;
        }
        String disabled = OssecConf.child(wodle, "disabled");
        return disabled != null && disabled.strip().toLowerCase(Locale.ROOT).equals("yes") ? DISABLED : ENABLED;
    }

    /** {@code <wazuhHome>/etc/ossec.conf}. */
    static Path ossecConf(Path wazuhHome) {
        return wazuhHome.resolve("etc").resolve("ossec.conf");
    }

    /**
     * The WARN line a bridge started with {@code --wazuh-home} logs at start, or null when there is nothing to say:
     * the stock wodle enabled, or an ossec.conf that cannot be checked (the bridge still starts: its own alerts are
     * not at stake, only duplicates).
     */
    static String warning(Path wazuhHome) {
        Path conf = ossecConf(wazuhHome);
        if (!Files.isReadable(conf)) {
            return "cannot check whether the stock <wodle name=\"" + NAME + "\"> runs beside this bridge: no "
                    + "readable " + conf + " (--wazuh-home " + wazuhHome + ")";
        }
        try {
            if (of(OssecConf.read(conf)) == ENABLED) {
                return conf + " enables the stock <wodle name=\"" + NAME + "\">: Wazuh's own docker-listener sends "
                        + "every Docker event too, so each alert arrives twice. Set <disabled>yes</disabled> in that "
                        + "block and restart the agent (standalone/service/install does it)";
            }
            return null;
        } catch (ConfigurationError e) {
            return "cannot check whether the stock <wodle name=\"" + NAME + "\"> runs beside this bridge: "
                    + e.getMessage();
        }
    }
}
