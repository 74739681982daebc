package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The datagram head against the location format of Wazuh 4.x's remoted ({@code src/remoted/secure.c}: {@code "[%s]
 * (%s) %s"} then {@code SendMSG}'s {@code "%c:%s->%s"} with the location escaped by {@code wstr_escape(.., '|', ':')},
 * {@code src/shared/mq_op.c}), byte for byte.
 */
class AgentLocationTest {

    @Test
    void unattributedIsWhatTheSeedWodleSent() {
        assertThat(text(AgentLocation.unattributed())).isEqualTo("1:Wazuh-Docker:");
        assertThat(AlertFormatter.PREFIX).isEqualTo(AgentLocation.unattributed());
    }

    @Test
    void anAgentsHeadIsRemotedsLocationForItsEvents() {
        assertThat(text(AgentLocation.of(new WazuhAgent("001", "web-1", "10.0.0.5"))))
                .isEqualTo("1:[001] (web-1) 10.0.0.5->Wazuh-Docker:");
        assertThat(text(AgentLocation.of(new WazuhAgent("1024", "db_2.example", "any"))))
                .isEqualTo("1:[1024] (db_2.example) any->Wazuh-Docker:");
        assertThat(text(AgentLocation.of(new WazuhAgent("007", "net-7", "10.0.0.0/24"))))
                .isEqualTo("1:[007] (net-7) 10.0.0.0/24->Wazuh-Docker:");
    }

    @Test
    void colonsOfAnIpv6AddressAreEscapedAsRemotedEscapesThemSoTheLocationEndsAtTheLastColon() {
        byte[] head = AgentLocation.of(new WazuhAgent("002", "db-2", "2001:db8::5"));
        assertThat(text(head)).isEqualTo("1:[002] (db-2) 2001|:db8|:|:5->Wazuh-Docker:");
        // As analysisd's OS_CleanMSG reads it: the location runs to the first ':' not escaped by '|', then unescaped.
        String datagram = text(head) + "{\"integration\":\"docker\"}";
        int end = firstUnescapedColon(datagram, 2);
        assertThat(datagram.substring(end + 1)).isEqualTo("{\"integration\":\"docker\"}");
        assertThat(unescape(datagram.substring(2, end))).isEqualTo("[002] (db-2) 2001:db8::5->Wazuh-Docker");
    }

    @Test
    void theEscapeCharacterItselfIsDoubled() {
        assertThat(AgentLocation.escaped("a|b:c")).isEqualTo("a||b|:c");
    }

    @Test
    void valuesThatWouldBreakTheFormatAreNotAgents() {
        List<String[]> hostile = List.of(
                new String[] {"001]", "web-1", "any"}, new String[] {"01a", "web-1", "any"},
                new String[] {"123456789", "web-1", "any"}, new String[] {"", "web-1", "any"},
                new String[] {"001", "web)1", "any"}, new String[] {"001", "web]1", "any"},
                new String[] {"001", "web:1", "any"}, new String[] {"001", "web\n1", "any"},
                new String[] {"001", "web->1", "any"}, new String[] {"001", "web 1", "any"},
                new String[] {"001", "w", "any"}, new String[] {"001", "x".repeat(129), "any"},
                new String[] {"001", "web-1", "10.0.0.5->x"}, new String[] {"001", "web-1", "10.0.0.5)"},
                new String[] {"001", "web-1", "host name"}, new String[] {"001", "web-1", "a\n"},
                new String[] {"001", "web-1", "10-0-0-5"}, new String[] {"001", "web-1", ""});
        for (String[] values : hostile) {
            assertThat(WazuhAgent.problem(values[0], values[1], values[2])).as(String.join("|", values)).isPresent();
            assertThatThrownBy(() -> new WazuhAgent(values[0], values[1], values[2]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Wazuh's {@code wstr_chr_escape(text, ':', '|')} from {@code from}. */
    private static int firstUnescapedColon(String text, int from) {
        boolean escaped = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!escaped && c == ':') {
                return i;
            }
            escaped = !escaped && c == '|';
        }
        return -1;
    }

    /** Wazuh's {@code wstr_unescape(.., '|')}. */
    private static String unescape(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '|' && i + 1 < text.length()) {
                i++;
                c = text.charAt(i);
            }
            out.append(c);
        }
        return out.toString();
    }
}
