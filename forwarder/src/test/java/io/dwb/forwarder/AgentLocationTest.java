package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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
        // As analysisd reads it: the location runs to the first ':' not escaped by '|', then is unescaped.
        assertThat(AnalysisdLocation.read(text(head) + "{\"integration\":\"docker\"}")).isEqualTo(
                new AnalysisdLocation("002", "db-2", "2001:db8::5", "Wazuh-Docker", "{\"integration\":\"docker\"}"));
    }

    @Property
    void whateverTheValuesAnalysisdReadsBackExactlyThemOrTheyAreRefused(@ForAll("hostile") String id,
                                                                      @ForAll("hostile") String name,
                                                                      @ForAll("hostile") String ip) {
        if (WazuhAgent.problem(id, name, ip).isPresent()) {
            return;
        }
        String datagram = text(AgentLocation.of(new WazuhAgent(id, name, ip))) + "{\"a\":\"b:c\"}";
        assertThat(AnalysisdLocation.read(datagram))
                .isEqualTo(new AnalysisdLocation(id, name, ip, "Wazuh-Docker", "{\"a\":\"b:c\"}"));
    }

    @Provide
    Arbitrary<String> hostile() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("0123456789").ofMinLength(1).ofMaxLength(9),
                Arbitraries.strings().withChars("abAB09-_.").ofMinLength(1).ofMaxLength(12),
                Arbitraries.strings().withChars("0123456789abcdef.:/|").ofMinLength(1).ofMaxLength(16),
                Arbitraries.strings().withChars("a1-_.[]()<>:| \n\r\u0000>").ofMinLength(0).ofMaxLength(12),
                Arbitraries.of("any", "10.0.0.5", "2001:db8::5", "10.0.0.0/24"));
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

}
