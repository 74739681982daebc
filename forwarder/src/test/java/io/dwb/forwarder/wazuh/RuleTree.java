package io.dwb.forwarder.wazuh;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules files loaded in order, as analysisd links them: each rule becomes a child of every rule of its
 * {@code if_sid}, and the children of a rule (like the top-level rules) are tried in this order: level 0 first
 * (analysisd loads a level-0 rule as level 99 for the ordering), then the highest level first; equal levels keep
 * the order they were loaded in. An event descends from the first matching top-level rule into its first matching
 * child, and so on: the rule it stops at is the one that fires (no alert when its level is 0).
 */
public final class RuleTree {
    /** The decoder the alerts of the bridge are decoded by ({@code decoded_as}). */
    public static final String JSON_DECODER = "json";

    private final List<WazuhRule> roots = new ArrayList<>();
    private final Map<Integer, List<WazuhRule>> children = new HashMap<>();

    /** What fired: the rule, and its description with the event's values. */
    public record Fired(int id, int level, String description, List<String> missingVariables) {
        /** Whether Wazuh writes an alert for it (level 0 rules only group and silence). */
        public boolean alerts() {
            return level > 0;
        }
    }

    private RuleTree(List<WazuhRule> rules) {
        Map<Integer, WazuhRule> byId = new LinkedHashMap<>();
        for (WazuhRule rule : rules) {
            WazuhRule before = byId.putIfAbsent(rule.id(), rule);
            if (before != null) {
                throw new IllegalArgumentException("rule " + rule.id() + " is defined in " + before.file() + " and "
                        + rule.file());
            }
            if (rule.ifSids().isEmpty()) {
                insert(roots, rule);
            }
            for (int parent : rule.ifSids()) {
                if (!byId.containsKey(parent)) {
                    // analysisd refuses it too: a parent must be loaded before its children
                    throw new IllegalArgumentException(rule.file() + ": rule " + rule.id() + " has if_sid " + parent
                            + ", which no file loaded before it defines");
                }
                insert(children.computeIfAbsent(parent, p -> new ArrayList<>()), rule);
            }
        }
    }

    public static RuleTree of(List<WazuhRule> rules) {
        return new RuleTree(rules);
    }

    /** The rules of these files, loaded in this order (the stock ruleset first, then etc/rules). */
    public static RuleTree load(Path... files) {
        List<WazuhRule> rules = new ArrayList<>();
        for (Path file : files) {
            rules.addAll(RuleFile.read(file));
        }
        return new RuleTree(rules);
    }

    private static int orderingLevel(WazuhRule rule) {
        return rule.level() == 0 ? 99 : rule.level();
    }

    /** Before the first rule of a lower ordering level: equal levels keep load order. */
    private static void insert(List<WazuhRule> list, WazuhRule rule) {
        int at = 0;
        while (at < list.size() && orderingLevel(list.get(at)) >= orderingLevel(rule)) {
            at++;
        }
        list.add(at, rule);
    }

    /** The children of {@code id} in the order analysisd tries them. */
    public List<Integer> childOrder(int id) {
        return children.getOrDefault(id, List.of()).stream().map(WazuhRule::id).toList();
    }

    /** The rule an alert (its JSON, as the forwarder sends it) stops at, or null when no top-level rule matches. */
    public Fired evaluate(JsonNode alert) {
        Map<String, String> decoded = DecodedFields.of(alert);
        for (WazuhRule root : roots) {
            if (root.matches(JSON_DECODER, decoded)) {
                WazuhRule rule = descend(root, decoded);
                return new Fired(rule.id(), rule.level(), rule.describe(decoded), rule.missingVariables(decoded));
            }
        }
        return null;
    }

    private WazuhRule descend(WazuhRule rule, Map<String, String> decoded) {
        for (WazuhRule child : children.getOrDefault(rule.id(), List.of())) {
            if (child.matches(JSON_DECODER, decoded)) {
                return descend(child, decoded);
            }
        }
        return rule;
    }
}
