package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Agent files are hostile input: a line that is not an agent is skipped by number and reason, the rest kept. */
class AgentFileTest {
    private static final String KEY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void clientKeysMapsAgentNamesSkipsRemovedAgentsAndHostileLinesByNumber() {
        String keys = String.join("\n",
                "001 web-1 10.0.0.5 " + KEY,
                "# a comment",
                "",
                "002 !old-web any " + KEY, // removed by manage_agents
                "003 db)x any " + KEY, // would end the name early
                "004 evil any" , // no key: not four fields
                "005 web-5 10.0.0.5->/etc " + KEY,
                "0x6 web-6 any " + KEY,
                "007 db-2 2001:db8::5 " + KEY + "\r",
                "008 web-1 any " + KEY); // a second agent of that name
        AgentFile.Parsed parsed = AgentFile.parse(keys, AgentFile.Format.CLIENT_KEYS);
        assertThat(parsed.agents()).isEqualTo(Map.of(
                "web-1", new WazuhAgent("001", "web-1", "10.0.0.5"),
                "db-2", new WazuhAgent("007", "db-2", "2001:db8::5")));
        assertThat(parsed.removed()).isEqualTo(1);
        assertThat(parsed.skipped()).containsExactly(
                new AgentFile.Skipped(5, AgentFile.LineProblem.NAME),
                new AgentFile.Skipped(6, AgentFile.LineProblem.FIELDS),
                new AgentFile.Skipped(7, AgentFile.LineProblem.IP),
                new AgentFile.Skipped(8, AgentFile.LineProblem.ID),
                new AgentFile.Skipped(10, AgentFile.LineProblem.DUPLICATE));
        // What a log line can say about a skipped line: its number and a fixed reason, never a value of it.
        assertThat(List.of(AgentFile.LineProblem.values()))
                .allSatisfy(p -> assertThat(p.meaning()).doesNotContain(KEY).doesNotContain("evil"));
    }

    @Test
    void anExplicitMapNamesHostsByNameOrEngineId() {
        String map = String.join("\n",
                "# docker host      agent id  name    ip",
                "web-1               001       web-1   10.0.0.5",
                "7TRN:IPZB:QYBG      002       db-2    any",
                "web-3               003       web]3   any",
                "web-1               004       other   any");
        AgentFile.Parsed parsed = AgentFile.parse(map, AgentFile.Format.MAP);
        assertThat(parsed.agents()).isEqualTo(Map.of(
                "web-1", new WazuhAgent("001", "web-1", "10.0.0.5"),
                "7TRN:IPZB:QYBG", new WazuhAgent("002", "db-2", "any")));
        assertThat(parsed.skipped()).containsExactly(
                new AgentFile.Skipped(4, AgentFile.LineProblem.NAME),
                new AgentFile.Skipped(5, AgentFile.LineProblem.DUPLICATE));
    }
}
