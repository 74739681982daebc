package io.dwb.listener;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.OssecConf;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The {@code <wodle name="docker-listener">} block of a Wazuh {@code ossec.conf}, with Wazuh 4.x's defaults for the
 * options it leaves out (interval 60 s, attempts 5, run_on_start yes, disabled no).
 *
 * @param disabled   {@code disabled=yes}: the listener exits 0 without connecting
 * @param runOnStart {@code run_on_start=no}: wait {@code interval} before the first connection
 * @param interval   the wait between reconnection attempts (and before the first one when not run on start)
 * @param attempts   consecutive failed connection attempts before the listener exits non-zero
 */
public record WodleConfig(boolean disabled, boolean runOnStart, Duration interval, int attempts) {
    public static final String WODLE_NAME = "docker-listener";
    /**
     * The tags Wazuh's {@code wm_docker_read} takes in the block: its own four and the scheduling ones every module
     * takes ({@code is_sched_tag}), which a listener that runs for good has no use for. Any other Wazuh refuses ("No
     * such tag '…' at module 'docker-listener'", the agent not started): a misspelt {@code <intervall>} was ignored
     * here.
     */
    static final Set<String> TAGS = Set.of("disabled", "run_on_start", "interval", "attempts", "day", "wday", "time");

    public static WodleConfig read(Path file) {
        return of(OssecConf.read(file));
    }

    /** {@code source} names the file in messages. */
    public static WodleConfig parse(String text, String source) {
        return of(OssecConf.parse(text, source));
    }

    private static WodleConfig of(OssecConf conf) {
        String source = conf.source();
        Element wodle = conf.last("wodle", WODLE_NAME);
        if (wodle == null) {
            throw new ConfigurationError(source + " has no <wodle name=\"" + WODLE_NAME + "\"> block");
        }
        for (Node n = wodle.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && !TAGS.contains(e.getTagName())) {
                throw new ConfigurationError(source + ": no such tag '" + e.getTagName() + "' at module '"
                        + WODLE_NAME + "' (Wazuh refuses it too); it takes " + String.join(", ", new TreeSet<>(TAGS)));
            }
        }
        boolean disabled = yesNo(wodle, "disabled", false, source);
        boolean runOnStart = yesNo(wodle, "run_on_start", true, source);
        Duration interval = Duration.ofSeconds(60);
        String intervalText = OssecConf.child(wodle, "interval");
        if (intervalText != null) {
            try {
                interval = DurationArgument.parse(intervalText);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationError(source + ": <interval> of the docker-listener wodle: " + e.getMessage());
            }
            if (interval.isZero()) {
                throw new ConfigurationError(source + ": <interval> of the docker-listener wodle must be above 0");
            }
        }
        int attempts = 5;
        String attemptsText = OssecConf.child(wodle, "attempts");
        if (attemptsText != null) {
            try {
                attempts = Integer.parseInt(attemptsText.strip());
            } catch (NumberFormatException e) {
                attempts = -1;
            }
            if (attempts <= 0) {
                throw new ConfigurationError(source + ": <attempts> of the docker-listener wodle must be a number "
                        + "above 0, not '" + attemptsText.strip() + "'");
            }
        }
        return new WodleConfig(disabled, runOnStart, interval, attempts);
    }

    private static boolean yesNo(Element wodle, String name, boolean defaultValue, String source) {
        String value = OssecConf.child(wodle, name);
        if (value == null) {
            return defaultValue;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new ConfigurationError(source + ": <" + name + "> of the docker-listener wodle must be "
                    + "yes or no, not '" + value.strip() + "'");
        };
    }
}
