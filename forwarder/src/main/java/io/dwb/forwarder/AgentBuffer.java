package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.OssecConf;
import io.dwb.runtime.WholeFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * An agent's anti-flooding buffer as far as the forwarder can tell: ossec.conf's {@code <client_buffer>} ({@link
 * ClientBuffer}), then a centrally managed agent's {@code <home>/etc/shared/agent.conf}, which wazuh-agentd reads after
 * ossec.conf when {@code agent.remote_conf} is on (its default; {@code ClientConf}, {@code src/client-agent/config.c}):
 * a group's {@code <agent_config>} blocks may lower {@code events_per_second} or {@code queue_size}, or turn the buffer
 * off or on again. A block with a {@code name}, {@code os} or {@code profile} attribute applies only to the agents it
 * matches, which the forwarder does not decide (agentd matches the name in {@code client.keys} as a pattern, and the
 * host's OS and profiles): such a block <em>may</em> apply. So each field is the most restrictive value it may have:
 * the lowest {@code events_per_second} and {@code queue_size} among ossec.conf's and those of the blocks that may still
 * be in force (a later block without filters overrides every earlier value for sure), and off only when every value it
 * may have says off. Pacing slower and gating earlier than agentd is safe; faster drops what the forwarder committed.
 * An agent.conf that cannot be read or parsed, or one of its values that is not usable, is ignored, with a {@link
 * #warning}. Read once, at start: a changed agent.conf is taken when the forwarder starts again.
 *
 * @param local   ossec.conf's alone (its values are checked there)
 * @param buffer  the merged buffer, values as text (ossec.conf's own text when agent.conf sets nothing lower)
 * @param from    which file each of its values was taken from, for the start line ("" when only ossec.conf's)
 * @param warning what could not be taken from agent.conf, for a WARN; null when nothing
 */
record AgentBuffer(ClientBuffer local, ClientBuffer buffer, String from, String warning) {
    static final String AGENT_CONF = "shared/agent.conf";
    private static final Pattern REMOTE_CONF = Pattern.compile("^\\s*agent\\.remote_conf\\s*=\\s*(\\S*)\\s*$");

    /** {@code ossec} is {@code <home>/etc/ossec.conf} ({@code conf}), an agent's. */
    static AgentBuffer of(Path conf, OssecConf ossec) {
        ClientBuffer local = ClientBuffer.of(ossec); // every block, field by field, as agentd reads them
        Path etc = conf.getParent();
        Path agentConf = etc.resolve(AGENT_CONF);
        if (!Files.exists(agentConf) || !remoteConf(etc)) {
            return new AgentBuffer(local, local, "", null);
        }
        OssecConf central;
        try {
            if (!Files.isRegularFile(agentConf)) {
                throw new ConfigurationError("cannot read agent.conf " + agentConf + ": not a regular file");
            }
            central = OssecConf.read(agentConf, "agent.conf");
        } catch (ConfigurationError e) {
            return new AgentBuffer(local, local, "", e.getMessage() + "; ignored: the agent's <client_buffer> is "
                    + "taken from " + conf + " alone (a centrally managed agent's group may set a lower "
                    + "events_per_second or queue_size there; give --eps, or make it readable)");
        }
        return merge(local, conf, agentConf, central);
    }

    private static AgentBuffer merge(ClientBuffer local, Path conf, Path agentConf, OssecConf central) {
        List<String> unusable = new ArrayList<>();
        Field eps = new Field(local.eventsPerSecond(), Pacing.AGENT_EVENTS_PER_SECOND);
        Field size = new Field(local.queueSize(), AgentStateGate.DEFAULT_QUEUE_SIZE);
        TreeSet<Boolean> off = new TreeSet<>(List.of(local.off()));
        boolean offSet = false;
        for (Element block : central.all("agent_config")) {
            boolean certain = !block.hasAttributes(); // a block for every agent; one with any attribute may not apply
            for (Element buffer : children(block, "client_buffer")) {
                for (Element e : children(buffer, null)) {
                    String value = e.getTextContent().strip();
                    switch (e.getTagName()) {
                        case "disabled", "disable" -> {
                            if (certain) {
                                off.clear();
                            }
                            off.add(value.toLowerCase(Locale.ROOT).equals("yes"));
                            offSet = true;
                        }
                        case "queue_size", "length" -> size.take(value, certain, "queue_size", unusable);
                        case "events_per_second" -> eps.take(value, certain, "events_per_second", unusable);
                        default -> { }
                    }
                }
            }
        }
        String disabled = offSet ? (off.equals(new TreeSet<>(List.of(true))) ? "yes" : "no") : local.disabled();
        ClientBuffer merged = new ClientBuffer(disabled, size.text(), eps.text());
        List<String> from = new ArrayList<>();
        if (eps.central) {
            from.add("events_per_second " + eps.text() + " from " + agentConf);
        }
        if (size.central) {
            from.add("queue_size " + size.text() + " from " + agentConf);
        }
        if (offSet) {
            from.add("the buffer " + (merged.off() ? "off" : "on") + " by " + conf + " and " + agentConf);
        }
        String said = from.isEmpty() ? "" : String.join(", ", from) + " (agentd reads it after " + conf.getFileName()
                + "; of its <agent_config> blocks, whose filters the forwarder does not evaluate, the lowest that may "
                + "apply)";
        String warning = unusable.isEmpty() ? null : agentConf + ": " + String.join(", ", unusable) + " ignored: not "
                + "a number above 0";
        return new AgentBuffer(local, merged, said, warning);
    }

    /** One numeric field: the lowest value it may have, and whether agent.conf gave it. */
    private static final class Field {
        /** ossec.conf's text, returned as is when agent.conf sets nothing (its checks stay the callers'). */
        private final String local;
        private final TreeSet<Integer> may = new TreeSet<>();
        private boolean set;
        boolean central;

        Field(String local, int wazuhDefault) {
            this.local = local;
            may.add(parsed(local, wazuhDefault));
        }

        private static int parsed(String text, int wazuhDefault) {
            if (text == null) {
                return wazuhDefault;
            }
            try {
                int value = Integer.parseInt(text.strip());
                return value > 0 ? value : wazuhDefault;
            } catch (NumberFormatException e) {
                return wazuhDefault; // ossec.conf's: refused by its caller, or agentd's default
            }
        }

        void take(String value, boolean certain, String name, List<String> unusable) {
            int parsed;
            try {
                parsed = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                parsed = 0;
            }
            if (parsed < 1) {
                unusable.add("<" + name + "> '" + value + "'");
                return;
            }
            if (certain) {
                may.clear();
            }
            may.add(parsed);
            set = true;
        }

        String text() {
            if (!set) {
                return local;
            }
            int lowest = may.first();
            if (local != null && parsed(local, -1) == lowest) {
                return local; // ossec.conf's is still the lowest it may be
            }
            central = true;
            return String.valueOf(lowest);
        }
    }

    /** {@code parent}'s child elements named {@code name} (any, when null), in order. */
    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (name == null || e.getTagName().equals(name))) {
                found.add(e);
            }
        }
        return found;
    }

    /**
     * wazuh-agentd's {@code agent.remote_conf}: {@code local_internal_options.conf} before {@code
     * internal_options.conf}, on (1) unless set. Off only when the file that decides says 0 each time it sets it:
     * reading agent.conf when agentd does not paces slower at worst.
     */
    static boolean remoteConf(Path etc) {
        for (String file : List.of("local_internal_options.conf", "internal_options.conf")) {
            List<String> values = new ArrayList<>();
            try {
                // Bounded as ossec.conf is: the wazuh group may write etc (a FIFO held the start, a huge file ran
                // the heap out)
                String text = new String(WholeFile.read(etc.resolve(file), OssecConf.MAX_BYTES),
                        StandardCharsets.ISO_8859_1);
                for (String line : text.split("\\R")) {
                    Matcher m = REMOTE_CONF.matcher(line);
                    if (m.matches()) {
                        values.add(m.group(1));
                    }
                }
            } catch (IOException | RuntimeException e) {
                continue; // none, or not readable: the next, or agentd's default
            }
            if (!values.isEmpty()) {
                return !values.stream().allMatch("0"::equals);
            }
        }
        return true;
    }
}
