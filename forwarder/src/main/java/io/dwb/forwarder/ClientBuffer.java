package io.dwb.forwarder;

import io.dwb.runtime.OssecConf;
import java.util.Locale;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * wazuh-agentd's anti-flooding buffer as it reads its settings: {@code Read_ClientBuffer} ({@code
 * src/config/buffer-config.c}) runs once for each {@code <client_buffer>} block, in file order, and sets only the
 * fields that block names, so each field's last value wins, wherever it is. Taking the last block whole paced at 450/s
 * an agent that drains at 100/s (its events_per_second in an earlier block), which dropped the rest after the forwarder
 * committed it. One reading for {@link Pacing} and {@link AgentStateGate}. The values are the file's text, unchecked.
 *
 * @param disabled        {@code disabled} (or {@code disable}, its older name), null when no block sets it
 * @param queueSize       {@code queue_size} (or {@code length}, its older name), null when no block sets it
 * @param eventsPerSecond {@code events_per_second}, null when no block sets it
 */
record ClientBuffer(String disabled, String queueSize, String eventsPerSecond) {
    static ClientBuffer of(OssecConf conf) {
        String disabled = null;
        String queueSize = null;
        String eventsPerSecond = null;
        for (Element block : conf.all("client_buffer")) {
            for (Node n = block.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    switch (e.getTagName()) {
                        case "disabled", "disable" -> disabled = e.getTextContent();
                        case "queue_size", "length" -> queueSize = e.getTextContent();
                        case "events_per_second" -> eventsPerSecond = e.getTextContent();
                        default -> { } // agentd refuses to start with it: the socket will say so
                    }
                }
            }
        }
        return new ClientBuffer(disabled, queueSize, eventsPerSecond);
    }

    /** The buffer is off: agentd sends each event at once, nothing drops it for want of room or pace. */
    boolean off() {
        return disabled != null && disabled.strip().toLowerCase(Locale.ROOT).equals("yes");
    }
}
