package io.dwb.forwarder.wazuh;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.forwarder.BridgeAlert;
import io.dwb.forwarder.LegacyFieldsMode;
import io.dwb.schemas.ContractJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/wazuh.md's parts that need no stock Wazuh file (those are checked by {@link StockRulesDocTest}): the table of
 * the bridge's own rules is the shipped file's, the sample local rule is the one the tests evaluate, and each of the
 * bridge's own alerts reaches the rule the table gives for it.
 */
class WazuhDocsTest {
    /** The sample local rule, evaluated by StockRulesDocTest and shown in docs/wazuh.md. */
    static final Path LOCAL_RULES = Path.of("src/test/resources/io/dwb/forwarder/wazuh/local_rules.xml");

    /**
     * A stand-in for the stock parent rule, written for this test (the stock file is not part of the project):
     * every alert of the bridge has {@code "integration":"docker"}, which the stock parent matches.
     */
    private static final String STAND_IN_PARENT = "<group><rule id=\"87900\" level=\"0\"><decoded_as>json</decoded_as>"
            + "<field name=\"integration\">docker</field><description>stand-in parent</description></rule></group>";

    /** The shipped file's rule for an alert of the bridge it does not name. */
    private static final int CATCH_ALL = 110112;

    @Test
    void theTableOfTheBridgesOwnRulesIsTheShippedFiles() throws Exception {
        new DocSection(DocSection.WAZUH_MD, "bridge-rules").check(BridgeRulesTable.markdown());
    }

    @Test
    void theSampleLocalRuleInTheDocsIsTheOneTheTestsEvaluate() throws Exception {
        new DocSection(DocSection.WAZUH_MD, "local-rule").check("```xml\n" + Files.readString(LOCAL_RULES) + "```\n");
    }

    /** The stand-in parent, then the shipped rules file. */
    private static RuleTree shippedRules() {
        List<WazuhRule> rules = new ArrayList<>(RuleFile.parse(STAND_IN_PARENT, "stand-in.xml"));
        rules.addAll(RuleFile.read(BridgeRulesTable.RULES));
        return RuleTree.of(rules);
    }

    @Test
    void eachOfTheBridgesOwnAlertsReachesItsRuleWithEveryVariableOfItsDescription() {
        RuleTree tree = shippedRules();
        ForwardedAlerts alerts = new ForwardedAlerts();
        Map<String, RuleTree.Fired> fired = BridgeAlerts.kinds(alerts).stream().collect(Collectors.toMap(
                BridgeAlerts.Kind::label, k -> tree.evaluate(k.alert().apply(LegacyFieldsMode.AUTO))));
        assertThat(fired).allSatisfy((label, f) -> assertThat(f.missingVariables()).as(label).isEmpty());
        Map<String, Integer> ids = fired.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().id()));
        assertThat(ids).containsEntry("gap", 110101).containsEntry("state (after a gap)", 110103)
                .containsEntry("heartbeat (only with `--heartbeat-alerts`)", 110111)
                .containsEntry("silent-host", 110102).containsEntry("host-back", 110105)
                .containsEntry("history-skipped", 110106).containsEntry("deleted-before-delivery", 110107)
                .containsEntry("partition-unwritable", 110113).containsEntry("partition-writable", 110114)
                .containsEntry("host-flooding", 110115).containsEntry("partition-caught-up", 110116)
                .containsEntry("records-dead-lettered", 110117).containsEntry("records-dead-lettered, of a gap", 110118)
                // the stand-in has no stock child rules: a trimmed event reaches 110104 (the stock table says which
                // stock rule takes it first), a health check's its silent child: no alert of each probe
                .containsEntry("`container` `start` trimmed to fit (`truncated`)", 110104)
                .containsEntry("`container` `health_status: healthy` trimmed to fit (`truncated`)", 110119);
        assertThat(fired.get("`container` `health_status: healthy` trimmed to fit (`truncated`)").level()).isZero();
        assertThat(fired.get("gap").description()).isEqualTo("Docker events of host web-1 may be lost between"
                + " 2026-11-27T03:00:00Z and 2026-11-27T03:05:00Z: engine-restarted");
    }

    /**
     * A manager's rules file is upgraded apart from the forwarders: an alert a newer forwarder adds must not stop at
     * 110100 (level 0, no alert) on the rules of an older release, and no alert this release sends may reach the
     * catch-all, which is tried after every rule that names one.
     */
    @Test
    void anAlertOfTheBridgeTheseRulesDoNotNameIsRaisedByTheCatchAllAndNoneThisReleaseSendsIs() {
        RuleTree tree = shippedRules();
        ForwardedAlerts alerts = new ForwardedAlerts();
        List<BridgeAlerts.Kind> kinds = BridgeAlerts.kinds(alerts);
        assertThat(kinds).extracting(BridgeAlerts.Kind::event)
                .containsAll(Arrays.stream(BridgeAlert.values()).map(BridgeAlert::event).toList());
        for (BridgeAlerts.Kind kind : kinds) {
            RuleTree.Fired fired = tree.evaluate(kind.alert().apply(LegacyFieldsMode.AUTO));
            assertThat(fired.id()).as(kind.label()).isNotIn(110100, CATCH_ALL);
        }

        ObjectNode newer = alerts.bridge(BridgeAlert.PARTITION_MOVING, ContractJson.MAPPER.createObjectNode()
                .put("topic", "docker-events").put("partition", 3), BridgeAlerts.HOST);
        ((ObjectNode) newer.get("docker_bridge")).put("event", "partition-rebalanced");
        RuleTree.Fired fired = tree.evaluate(newer);
        assertThat(fired.id()).isEqualTo(CATCH_ALL);
        assertThat(fired.alerts()).isTrue();
        assertThat(fired.level()).isGreaterThanOrEqualTo(3); // alerts.log's default log_alert_level
        assertThat(fired.description()).isEqualTo("Docker bridge: partition-rebalanced from host web-1, an alert"
                + " these rules do not know: install the rules of the forwarder's release");
        assertThat(tree.childOrder(110100)).last().isEqualTo(CATCH_ALL);
    }
}
