package io.dwb.forwarder.wazuh;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.forwarder.HostRef;
import io.dwb.forwarder.LegacyFieldsMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/wazuh.md's table of the stock rules that fire for each kind of event, generated from Wazuh's own rules
 * files. Those are GPLv2 data kept outside the project: this test reads them from the directory given by
 * {@code -Ddwb.wazuh.rules} and runs only in the {@code wazuh-rules} profile (see the parent pom), where it fails
 * when the directory or a file is missing.
 */
@Tag("wazuh-rules")
class StockRulesDocTest {
    static final String RULES_DIR = "dwb.wazuh.rules";
    static final String BEFORE_4144 = "0560-docker_integration_rules.v4.14.3.xml";
    static final String FROM_4144 = "0560-docker_integration_rules.v4.14.4.xml";

    private static Path before;
    private static Path from;
    private static StockRuleTable table;
    private static List<StockRuleTable.Row> rows;

    @BeforeAll
    static void stockFiles() {
        String dir = System.getProperty(RULES_DIR, "");
        assertThat(dir).as("-D%s=<directory with %s and %s> is required by the wazuh-rules profile", RULES_DIR,
                BEFORE_4144, FROM_4144).isNotBlank();
        before = Path.of(dir, BEFORE_4144);
        from = Path.of(dir, FROM_4144);
        assertThat(before).as("Wazuh's rules before 4.14.4").isRegularFile();
        assertThat(from).as("Wazuh's rules from 4.14.4").isRegularFile();
        table = new StockRuleTable(RuleTree.load(before, BridgeRulesTable.RULES),
                RuleTree.load(from, BridgeRulesTable.RULES));
        rows = table.rows();
    }

    @Test
    void theTableInTheDocsIsWhatTheStockRulesGive() {
        new DocSection(DocSection.WAZUH_MD, "stock-rules").check(table.markdown());
    }

    @Test
    void everyDescriptionInTheTableHasAValueForEachOfItsVariables() {
        // the evaluator prints a missing $(field) as nothing; the table must not depend on what Wazuh prints then
        assertThat(rows).allSatisfy(row -> assertThat(List.of(row.beforeAuto(), row.beforeNever(), row.fromAuto()))
                .allSatisfy(fired -> assertThat(fired.missingVariables()).as(row.label()).isEmpty()));
    }

    @Test
    void from4144TheLegacyFieldsChangeNothing() {
        assertThat(rows).allSatisfy(row -> assertThat(row.fromNever()).as(row.label())
                .isEqualTo(row.fromAuto()));
    }

    @Test
    void before4144AContainerOrImageEventAsEngine29SendsItRaisesNoAlertAndTheLegacyFieldsBringItBack() {
        // what docs/wazuh.md says an admin on 4.14.3 or older sees with Engine 29, and why --legacy-fields auto
        assertThat(rows).filteredOn(row -> row.label().startsWith("`container`")
                        || row.label().startsWith("`image`"))
                .isNotEmpty()
                .allSatisfy(row -> assertThat(row.beforeNever().alerts()).as(row.label()).isFalse())
                .filteredOn(row -> row.fromAuto().alerts())
                .allSatisfy(row -> assertThat(row.beforeAuto()).as(row.label()).isEqualTo(row.fromAuto()));
    }

    @Test
    void theKindsTheDocsListAsWithoutAStockRuleRaiseNothingInAnyColumn() {
        List<String> withoutRule = List.of("`container` `exec_create", "`container` `exec_die`",
                "`container` `health_status", "`container` `oom`", "`daemon` `reload`", "`builder` `prune`");
        for (String kind : withoutRule) {
            assertThat(rows).filteredOn(row -> row.label().startsWith(kind)).as(kind).isNotEmpty()
                    .allSatisfy(row -> assertThat(List.of(row.beforeAuto(), row.beforeNever(), row.fromAuto()))
                            .allSatisfy(fired -> assertThat(fired.alerts()).as(row.label()).isFalse()));
        }
    }

    @Test
    void aShellStartedWithArgumentsIsAnOrdinaryCommand() {
        // the recorded `docker exec c /bin/sh -c true`: Action "exec_start: /bin/sh -c true"
        ForwardedAlerts alerts = new ForwardedAlerts();
        ObjectNode event = EventCatalogue.recording().stream()
                .filter(e -> e.path("Action").asText().equals("exec_start: /bin/sh -c true")).findFirst()
                .map(EventCatalogue::engine29).orElseThrow();
        for (Path stock : new Path[] {before, from}) {
            assertThat(RuleTree.load(stock).evaluate(alerts.event(event, BridgeAlerts.HOST, LegacyFieldsMode.AUTO))
                    .id()).as(stock.toString()).isEqualTo(87907);
        }
    }

    @Test
    void aTrimmedEventKeepsItsStockRuleWhereItHasOne() {
        // both level 3: the stock rule is loaded first, so it is tried before the bridge's 110104
        StockRuleTable.Row start = rows.stream()
                .filter(row -> row.label().startsWith("bridge: `container` `start` trimmed")).findFirst().orElseThrow();
        assertThat(start.beforeAuto().id()).isEqualTo(87903);
        assertThat(start.fromAuto().id()).isEqualTo(87903);
        assertThat(start.beforeNever().id()).isEqualTo(110104);
    }

    @Test
    void volumeAndNetworkCreateStayOnTheirOwnRulesFrom4144() {
        // Wazuh's own test of the 4.14.4 change (ruleset/testing/tests/docker_integration.ini) expects these.
        RuleTree rules = RuleTree.load(from);
        ForwardedAlerts alerts = new ForwardedAlerts();
        for (EventCatalogue.Kind kind : EventCatalogue.kinds()) {
            int expected = switch (kind.type() + " " + kind.action()) {
                case "volume create" -> 87913;
                case "network create" -> 87930;
                default -> 0;
            };
            if (expected != 0) {
                assertThat(rules.evaluate(alerts.event(kind.engine29Event(), BridgeAlerts.HOST,
                        LegacyFieldsMode.AUTO)).id()).as(kind.action()).isEqualTo(expected);
            }
        }
    }

    @Test
    void theSampleLocalRuleRaisesCommandsInContainersOfProductionHostsOnly() {
        ForwardedAlerts alerts = new ForwardedAlerts();
        EventCatalogue.Kind exec = EventCatalogue.kinds().stream().filter(k -> k.action().startsWith("exec_start"))
                .findFirst().orElseThrow();
        EventCatalogue.Kind shell = EventCatalogue.kinds().stream().filter(k -> k.action().equals("exec_start: sh "))
                .findFirst().orElseThrow();
        for (Path stock : new Path[] {before, from}) {
            RuleTree rules = RuleTree.load(stock, BridgeRulesTable.RULES, WazuhDocsTest.LOCAL_RULES);
            HostRef prod = new HostRef("prod-web-1", "ID1");
            RuleTree.Fired onProd = rules.evaluate(alerts.event(exec.engine29Event(), prod, LegacyFieldsMode.AUTO));
            assertThat(onProd.id()).as(stock.toString()).isEqualTo(100210);
            assertThat(onProd.level()).isEqualTo(10);
            assertThat(onProd.description()).isEqualTo("Docker: command started in container "
                    + exec.engine29Event().path("Actor").path("Attributes").path("name").asText()
                    + " of production host prod-web-1: " + exec.action());
            assertThat(rules.evaluate(alerts.event(shell.engine29Event(), prod, LegacyFieldsMode.AUTO)).id())
                    .isEqualTo(100210);
            HostRef other = new HostRef("web-1", "ID2");
            assertThat(rules.evaluate(alerts.event(exec.engine29Event(), other, LegacyFieldsMode.AUTO)).id())
                    .isEqualTo(87907);
            assertThat(rules.evaluate(alerts.event(shell.engine29Event(), other, LegacyFieldsMode.AUTO)).id())
                    .isEqualTo(87908);
        }
    }
}
