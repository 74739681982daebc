package io.dwb.forwarder.wazuh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.forwarder.LegacyFieldsMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The table of docs/wazuh.md saying which rule fires for each kind of event, under the rules before 4.14.4 (with
 * and without the forwarder's legacy fields) and from 4.14.4 on; each ruleset with the bridge's own rules loaded
 * after it, as an admin installs them.
 */
public final class StockRuleTable {
    private final RuleTree before4144;
    private final RuleTree from4144;
    private final ForwardedAlerts alerts = new ForwardedAlerts();

    /** One kind of event and what fires for it: before 4.14.4 (legacy auto, never), from 4.14.4 (auto, never). */
    public record Row(String label, RuleTree.Fired beforeAuto, RuleTree.Fired beforeNever, RuleTree.Fired fromAuto,
                      RuleTree.Fired fromNever) {}

    public StockRuleTable(RuleTree before4144, RuleTree from4144) {
        this.before4144 = before4144;
        this.from4144 = from4144;
    }

    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (EventCatalogue.Kind kind : EventCatalogue.kinds()) {
            rows.add(row("`" + kind.type() + "` `" + kind.action() + "`"
                    + (kind.variant().isEmpty() ? "" : " (" + kind.variant() + ")") + (kind.recorded() ? "" : " †"),
                    mode -> alerts.event(kind.engine29Event(), BridgeAlerts.HOST, mode)));
        }
        for (BridgeAlerts.Kind kind : BridgeAlerts.kinds(alerts)) {
            rows.add(row("bridge: " + kind.label(), kind.alert()));
        }
        return rows;
    }

    public String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| event | rules of Wazuh 4.12.0 – 4.14.3, forwarder default (`--legacy-fields auto`) "
                + "| rules of Wazuh 4.12.0 – 4.14.3, the event as Engine 29 sends it (`--legacy-fields never`) "
                + "| rules of Wazuh 4.14.4 and later (any `--legacy-fields`) |\n");
        out.append("|---|---|---|---|\n");
        for (Row row : rows()) {
            out.append("| ").append(escape(row.label())).append(" | ").append(cell(row.beforeAuto()))
                    .append(" | ").append(cell(row.beforeNever())).append(" | ").append(cell(row.fromAuto()))
                    .append(" |\n");
        }
        return out.toString();
    }

    private Row row(String label, Function<LegacyFieldsMode, ObjectNode> alert) {
        return new Row(label, before4144.evaluate(alert.apply(LegacyFieldsMode.AUTO)),
                before4144.evaluate(alert.apply(LegacyFieldsMode.NEVER)),
                from4144.evaluate(alert.apply(LegacyFieldsMode.AUTO)),
                from4144.evaluate(alert.apply(LegacyFieldsMode.NEVER)));
    }

    static String cell(RuleTree.Fired fired) {
        if (fired == null) {
            return "no rule";
        }
        if (!fired.alerts()) {
            return "no alert (stops at " + fired.id() + ", level 0)";
        }
        return "**" + fired.id() + "** (" + fired.level() + ") " + escape(fired.description());
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }
}
