package io.dwb.forwarder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The head of a datagram, {@code <queue>:<location>:}, before the alert JSON. Unattributed it is what the seed's wodle
 * sent, {@code 1:Wazuh-Docker:}: the alert belongs to whoever reads the socket (the manager itself, or the agent that
 * forwards it). Attributed to an agent it is what the manager's remote daemon writes for that agent's events,
 * {@code 1:[<id>] (<name>) <ip>->Wazuh-Docker:}, so analysisd gives the alert that agent's id, name and address.
 *
 * <p>From Wazuh 4.x's sources: remoted ({@code src/remoted/secure.c}, {@code HandleSecureMessage}) formats the agent
 * part {@code "[%s] (%s) %s"} from the agent's {@code client.keys} entry (id, name, registered address) and hands it
 * to {@code SendMSG} ({@code src/shared/mq_op.c}, {@code SendMSGAction}), which escapes the location with {@code
 * wstr_escape(..., '|', ':')} ({@code |} as {@code ||}, {@code :} as {@code |:}) and writes {@code %c:%s->%s}: the
 * queue character of the agent's event, the location, {@code ->}, then the agent's own {@code location:message}.
 * analysisd ({@code src/analysisd/cleanevent.c}, {@code OS_CleanMSG}) cuts the location at the first unescaped
 * {@code :}, unescapes it, and reads the id between {@code [} and {@code ]}, the name between {@code (} and {@code )}
 * ({@code W_JSON_ParseAgentIP} in {@code format/json_extended.c}: the address runs to the next {@code -}, and is
 * left out of the alert when it is {@code any}). Queue {@code 1} is {@code LOCALFILE_MQ}: ordinary log decoding,
 * where Wazuh's JSON decoder and the docker rules (parent 87900) apply.
 */
public final class AgentLocation {
    /** {@code LOCALFILE_MQ}: the queue of ordinary logs, decoded by the JSON decoder. */
    static final char LOCALFILE_QUEUE = '1';
    /** The seed wodle's location; kept after an agent's part so that it still says where the alert came from. */
    static final String LOCATION = "Wazuh-Docker";

    private static final byte[] UNATTRIBUTED = head(LOCATION);

    private AgentLocation() {}

    /** {@code 1:Wazuh-Docker:}, a new array each call (callers keep their own). */
    public static byte[] unattributed() {
        return UNATTRIBUTED.clone();
    }

    /** {@code 1:[<id>] (<name>) <ip>->Wazuh-Docker:}, escaped as remoted escapes it. */
    public static byte[] of(WazuhAgent agent) {
        return head("[" + agent.id() + "] (" + agent.name() + ") " + agent.ip() + "->" + LOCATION);
    }

    private static byte[] head(String location) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(location.length() + 8);
        out.write(LOCALFILE_QUEUE);
        out.write(':');
        out.writeBytes(escaped(location).getBytes(StandardCharsets.UTF_8));
        out.write(':');
        return out.toByteArray();
    }

    /** As Wazuh's {@code wstr_escape(dst, size, location, '|', ':')}: {@code |} becomes {@code ||}, {@code :} |:. */
    static String escaped(String location) {
        StringBuilder out = new StringBuilder(location.length() + 8);
        for (int i = 0; i < location.length(); i++) {
            char c = location.charAt(i);
            if (c == '|' || c == ':') {
                out.append('|');
            }
            out.append(c);
        }
        return out.toString();
    }
}
