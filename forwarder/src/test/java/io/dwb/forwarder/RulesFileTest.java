package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The shipped Wazuh rules parse, use the custom id range, and match the fields the forwarder really emits. */
class RulesFileTest {
    private static final TopicPartition STALLED = new TopicPartition("docker-events", 3);

    static final Path RULES = Path.of("src/main/wazuh/docker-wazuh-bridge_rules.xml");

    record Rule(String id, int level, String parent, Map<String, String> fields, String description) {}

    private static List<Rule> rules() throws Exception {
        // Wazuh rule files hold several top-level elements: parse them inside a wrapper, as analysisd does.
        String xml = "<rules>" + Files.readString(RULES) + "</rules>";
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        List<Rule> rules = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName("rule");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element rule = (Element) nodes.item(i);
            Map<String, String> fields = new HashMap<>();
            NodeList fieldNodes = rule.getElementsByTagName("field");
            for (int j = 0; j < fieldNodes.getLength(); j++) {
                Element f = (Element) fieldNodes.item(j);
                fields.put(f.getAttribute("name"), f.getTextContent());
            }
            rules.add(new Rule(rule.getAttribute("id"), Integer.parseInt(rule.getAttribute("level")),
                    rule.getElementsByTagName("if_sid").item(0).getTextContent(), fields,
                    rule.getElementsByTagName("description").item(0).getTextContent()));
        }
        return rules;
    }

    /**
     * Every rule stores the alert once, as the stock Docker rules do: without {@code no_full_log} a state snapshot or
     * a trimmed event near 64 KB was kept twice in alerts.json and the indexer, as its data and as its full_log.
     */
    @Test
    void everyRuleLeavesOutTheFullLogAsTheStockDockerRulesDo() throws Exception {
        String xml = "<rules>" + Files.readString(RULES) + "</rules>";
        NodeList nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getElementsByTagName("rule");
        assertThat(nodes.getLength()).isEqualTo(rules().size()).isPositive();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element rule = (Element) nodes.item(i);
            List<String> options = new ArrayList<>();
            NodeList given = rule.getElementsByTagName("options");
            for (int j = 0; j < given.getLength(); j++) {
                options.add(given.item(j).getTextContent().strip());
            }
            assertThat(options).as("rule " + rule.getAttribute("id")).contains("no_full_log");
        }
    }

    private static Rule rule(List<Rule> rules, String fieldValue) {
        return rules.stream().filter(r -> r.fields().values().stream().anyMatch(v -> v.equals(fieldValue)))
                .findFirst().orElseThrow(() -> new AssertionError("no rule matches " + fieldValue));
    }

    /** The alerts the forwarder sends for a gap, a silent host and a trimmed event (through its own classes). */
    private static Map<String, ObjectNode> emitted() {
        AlertFormatter formatter = new AlertFormatter();
        HostRef host = new HostRef("web-1", "ENGINE-ID");
        Gap gap = new Gap("2026-11-27T03:00:00Z", "2026-11-27T03:05:00Z", 1_795_748_400_000_000_000L,
                1_795_748_700_000_000_000L, "engine-restarted", "restarted", null);
        ObjectNode silent = ContractJson.MAPPER.createObjectNode().put("intervalSeconds", 30)
                .put("silentSeconds", 95).put("lastHeartbeat", "2026-11-27T03:00:00Z");
        ObjectNode skipped = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 2)
                .put("fromOffset", 0).put("toOffset", 10).put("records", 10).put("from", "2026-11-20T00:00:00Z")
                .put("to", "2026-11-27T02:00:00Z");
        ObjectNode back = ContractJson.MAPPER.createObjectNode().put("silentSeconds", 600)
                .put("lastHeartbeat", "2026-11-27T03:00:00Z").put("heartbeat", "2026-11-27T03:10:00Z");
        ObjectNode deleted = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 2)
                .put("fromOffset", 0).put("toOffset", 10).put("records", 10);
        ObjectNode big = TestRecords.containerEvent("huge", 1_795_748_400_000_000_000L);
        ((ObjectNode) big.get("Actor").get("Attributes")).put("label", "x".repeat(70_000));
        AlertTrimmer.Fit trimmed = new AlertTrimmer(formatter).datagram(
                new Classified.Event(ContractJson.write(big), big, host, "id"), Map.of(), false);
        return Map.ofEntries(
                Map.entry("gap", TestRecords.alert(formatter.bridge(BridgeAlert.GAP,
                        (ObjectNode) ContractJson.MAPPER.valueToTree(gap), host, false, false))),
                Map.entry("silent-host", TestRecords.alert(formatter.bridge(BridgeAlert.SILENT_HOST, silent, host,
                        false, false))),
                Map.entry("host-back", TestRecords.alert(formatter.bridge(BridgeAlert.HOST_BACK, back, host, false,
                        false))),
                Map.entry("history-skipped", TestRecords.alert(formatter.bridge(BridgeAlert.HISTORY_SKIPPED, skipped,
                        HostRef.UNKNOWN, false, false))),
                Map.entry("deleted-before-delivery", TestRecords.alert(formatter.bridge(
                        BridgeAlert.DELETED_BEFORE_DELIVERY, deleted, HostRef.UNKNOWN, false, false))),
                Map.entry("truncated", TestRecords.alert(trimmed.fitted().datagram())),
                Map.entry("partition-stalled", partitionAlert(formatter, new StalledPartitions.Stalled(STALLED, 41,
                        7, 150_000_000_000L))),
                Map.entry("partition-moving", partitionAlert(formatter, new StalledPartitions.Released(STALLED, 41,
                        48, 200_000_000_000L, true))),
                Map.entry("partition-unwritable", partitionAlert(formatter, new UnwritablePartitions.Stopped(
                        STALLED, 3, 2, 2))),
                Map.entry("partition-writable", partitionAlert(formatter, new UnwritablePartitions.Started(STALLED,
                        3, 2, 45_000_000_000L))),
                Map.entry("host-flooding", partitionAlert(formatter, new FloodingHosts.Flooding(STALLED, host, 2_870,
                        3_010, 10_000_000_000L, 412_000))),
                Map.entry("partition-caught-up", partitionAlert(formatter, new FloodingHosts.CaughtUp(STALLED, host,
                        1_260_000_000_000L))),
                Map.entry("records-dead-lettered", deadLettered(formatter, host, "event")),
                Map.entry("records-dead-lettered, of a gap", deadLettered(formatter, host, "gap")));
    }

    /** What the forwarder sends for dead letters of {@code recordKind} records (AlertPipeline's own fields). */
    private static ObjectNode deadLettered(AlertFormatter formatter, HostRef host, String recordKind) {
        DeadLetterNotices.Notice notice = new DeadLetterNotices.Notice("docker-events", 4, DeadLetterReason.NOT_JSON,
                recordKind, 1_207, host, 3);
        return TestRecords.alert(formatter.bridge(BridgeAlert.RECORDS_DEAD_LETTERED,
                AlertPipeline.deadLettered(notice, "docker-events-dlq"), host, false, false));
    }

    /** What the forwarder sends for a partition's change (AlertPipeline's own fields). */
    private static ObjectNode partitionAlert(AlertFormatter formatter, PartitionChange change) {
        Map.Entry<BridgeAlert, ObjectNode> alert = AlertPipeline.partitionAlert(change);
        return TestRecords.alert(formatter.bridge(alert.getKey(), alert.getValue(), change.host(), false, false));
    }

    private static JsonNode path(JsonNode alert, String dotted) {
        JsonNode node = alert;
        for (String part : dotted.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    /** OS_Regex, as far as these rules use it: ^, $, and \. for any character. */
    private static boolean osRegexMatches(String osRegex, String value) {
        return Pattern.compile(osRegex.replace("\\.", ".")).matcher(value).find();
    }

    @Test
    void rulesAreWellFormedInTheCustomRangeAndRaiseGapsSilentHostsAndTruncatedEventsAtTheirLevels()
            throws Exception {
        List<Rule> rules = rules();
        assertThat(rules).extracting(Rule::id).doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat(Integer.parseInt(id)).isBetween(100_000, 120_000));
        assertThat(rule(rules, "^gap$").level()).isEqualTo(10);
        assertThat(rule(rules, "^silent-host$").level()).isEqualTo(8);
        assertThat(rule(rules, "^host-back$").level()).isEqualTo(3);
        assertThat(rule(rules, "^history-skipped$").level()).isEqualTo(5);
        assertThat(rule(rules, "^deleted-before-delivery$").level()).isEqualTo(10);
        assertThat(rule(rules, "^partition-stalled$").level()).isEqualTo(8);
        assertThat(rule(rules, "^partition-moving$").level()).isEqualTo(3);
        assertThat(rule(rules, "^partition-unwritable$").level()).isEqualTo(8);
        assertThat(rule(rules, "^partition-writable$").level()).isEqualTo(3);
        assertThat(rule(rules, "^host-flooding$").level()).isEqualTo(8);
        assertThat(rule(rules, "^partition-caught-up$").level()).isEqualTo(3);
        assertThat(rule(rules, "^records-dead-lettered$").level()).isEqualTo(5);
        assertThat(rules).filteredOn(r -> r.fields().containsKey("docker_bridge.recordKind")).singleElement()
                .satisfies(r -> assertThat(r.level()).isEqualTo(10))
                .satisfies(r -> assertThat(r.parent()).isEqualTo(rule(rules, "^records-dead-lettered$").id()));
        assertThat(rule(rules, "^true$").level()).isEqualTo(3);
        List<String> ids = rules.stream().map(Rule::id).toList();
        assertThat(rules).allSatisfy(r -> assertThat(r.parent()).isIn(concat("87900", ids)));
    }

    @Test
    void everyFieldAndDescriptionVariableOfTheRulesIsInTheAlertsTheForwarderEmits() throws Exception {
        List<Rule> rules = rules();
        Map<String, ObjectNode> emitted = emitted();
        Map<String, String> alertOf = Map.ofEntries(Map.entry("^gap$", "gap"),
                Map.entry("^silent-host$", "silent-host"), Map.entry("^host-back$", "host-back"),
                Map.entry("^history-skipped$", "history-skipped"),
                Map.entry("^deleted-before-delivery$", "deleted-before-delivery"), Map.entry("^true$", "truncated"),
                Map.entry("^partition-stalled$", "partition-stalled"),
                Map.entry("^partition-moving$", "partition-moving"),
                Map.entry("^partition-unwritable$", "partition-unwritable"),
                Map.entry("^partition-writable$", "partition-writable"),
                Map.entry("^host-flooding$", "host-flooding"),
                Map.entry("^partition-caught-up$", "partition-caught-up"),
                Map.entry("^records-dead-lettered$", "records-dead-lettered"));
        Map<Rule, String> checked = new java.util.LinkedHashMap<>();
        alertOf.forEach((field, alert) -> checked.put(rule(rules, field), alert));
        checked.put(rules.stream().filter(r -> r.fields().containsKey("docker_bridge.recordKind")).findFirst()
                .orElseThrow(), "records-dead-lettered, of a gap");
        for (Map.Entry<Rule, String> e : checked.entrySet()) {
            Rule rule = e.getKey();
            ObjectNode alert = emitted.get(e.getValue());
            assertThat(alert.get("integration").asText()).isEqualTo("docker"); // what parent 87900 matches
            for (Map.Entry<String, String> field : rule.fields().entrySet()) {
                JsonNode value = path(alert, field.getKey());
                assertThat(value.isMissingNode()).as("%s in %s", field.getKey(), alert).isFalse();
                assertThat(osRegexMatches(field.getValue(), value.asText())).as(field.getKey()).isTrue();
                // The grouping rule 110100 must match bridge alerts and only them.
                assertThat(osRegexMatches("\\.+", path(alert, "docker_bridge.event").asText()))
                        .isEqualTo(!e.getValue().equals("truncated"));
            }
            Matcher variables = Pattern.compile("\\$\\(([^)]+)\\)").matcher(rule.description());
            while (variables.find()) {
                assertThat(path(alert, variables.group(1)).isMissingNode()).as(variables.group(1)).isFalse();
            }
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest);
        all.add(first);
        return all;
    }
}
