package io.dwb.forwarder.wazuh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How analysisd orders and descends rules, and what its JSON decoder makes of numbers: on rules written here. */
class RuleTreeTest {
    /** A small ruleset written for this test (ids outside Wazuh's ranges), in the shape of a rules file. */
    private static final String RULES = """
            <group name="test,">
              <rule id="500" level="0">
                <decoded_as>json</decoded_as>
                <field name="app">^shop$</field>
                <description>shop: $(kind)</description>
              </rule>
              <rule id="501" level="3">
                <if_sid>500</if_sid>
                <field name="action">^create$</field>
                <description>generic create of $(item.name)</description>
              </rule>
              <rule id="502" level="7">
                <if_sid>500</if_sid>
                <field name="action">^create$|^delete$</field>
                <description>create or delete, level 7</description>
              </rule>
              <rule id="503" level="3">
                <if_sid>500</if_sid>
                <field name="action">^create$</field>
                <description>a second level-3 create, loaded later</description>
              </rule>
              <rule id="504" level="0">
                <if_sid>500</if_sid>
                <field name="kind">^basket$</field>
                <description>basket events</description>
              </rule>
              <rule id="505" level="4">
                <if_sid>504</if_sid>
                <field name="action">^create$</field>
                <description>basket $(item.name) created, $(item.count) items at $(item.price)</description>
              </rule>
              <rule id="506" level="5">
                <if_sid>500</if_sid>
                <field name="item.count">^2147483647$</field>
                <field name="item.price">^2147483648.000000$</field>
                <description>numbers as the decoder prints them</description>
              </rule>
            </group>
            """;

    private static final RuleTree TREE = RuleTree.of(RuleFile.parse(RULES, "test_rules.xml"));

    private static RuleTree.Fired fire(String json) throws Exception {
        JsonNode alert = ContractJson.tree(json.getBytes(StandardCharsets.UTF_8));
        return TREE.evaluate(alert);
    }

    @Test
    void levelZeroChildrenAreTriedFirstThenTheHighestLevelThenFileOrder() {
        assertThat(TREE.childOrder(500)).containsExactly(504, 502, 506, 501, 503);
    }

    @Test
    void aLevelZeroGroupingRuleTakesTheEventBeforeAHigherLevelSibling() throws Exception {
        // 502 (level 7) would match "create" too, but the level-0 group 504 is tried before it and descends to 505.
        assertThat(fire("{\"app\":\"shop\",\"kind\":\"basket\",\"action\":\"create\",\"item\":{\"name\":\"b1\"}}")
                .id()).isEqualTo(505);
        assertThat(fire("{\"app\":\"shop\",\"kind\":\"order\",\"action\":\"create\"}").id()).isEqualTo(502);
    }

    @Test
    void aMatchingGroupWithNoMatchingChildStopsThereWithoutAlert() throws Exception {
        RuleTree.Fired fired = fire("{\"app\":\"shop\",\"kind\":\"basket\",\"action\":\"view\"}");
        assertThat(fired.id()).isEqualTo(504);
        assertThat(fired.alerts()).isFalse();
    }

    @Test
    void nothingFiresWhenNoTopLevelRuleMatchesOrAFieldIsMissing() throws Exception {
        assertThat(fire("{\"app\":\"bank\",\"action\":\"create\"}")).isNull();
        assertThat(fire("{\"app\":\"shop\"}").id()).isEqualTo(500);
    }

    @Test
    void descriptionsTakeTheDecodedValuesNestedKeysJoinedWithDots() throws Exception {
        RuleTree.Fired fired = fire("{\"app\":\"shop\",\"kind\":\"basket\",\"action\":\"create\","
                + "\"item\":{\"name\":\"b1\",\"count\":3,\"price\":2.5}}");
        assertThat(fired.description()).isEqualTo("basket b1 created, 3 items at 2.500000");
        assertThat(fired.missingVariables()).isEmpty();
        assertThat(fire("{\"app\":\"shop\",\"kind\":\"basket\",\"action\":\"create\"}").missingVariables())
                .containsExactly("item.name", "item.count", "item.price");
    }

    @Test
    void numbersAreTextAnIntAsAnIntegerAnythingLargerAsADoubleWithSixDecimals() throws Exception {
        assertThat(fire("{\"app\":\"shop\",\"item\":{\"count\":2147483647,\"price\":2147483648}}").id())
                .isEqualTo(506);
        JsonNode time = ContractJson.tree("{\"time\":1795748392,\"timeNano\":1795748392241090648}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(DecodedFields.of(time)).containsEntry("time", "1795748392")
                // the double nearest the nanoseconds, printed exactly as C's %f does
                .containsEntry("timeNano", "1795748392241090560.000000");
        assertThat(DecodedFields.of(ContractJson.tree("{\"a\":{\"b\":true,\"c\":-3}}"
                .getBytes(StandardCharsets.UTF_8)))).containsEntry("a.b", "true").containsEntry("a.c", "-3");
    }

    @Test
    void aParentMustBeLoadedBeforeItsChildrenAndIdsAreUnique() {
        String orphan = "<group><rule id=\"601\" level=\"3\"><if_sid>600</if_sid><description>x</description>"
                + "</rule></group>";
        assertThatThrownBy(() -> RuleTree.of(RuleFile.parse(orphan, "orphan.xml")))
                .hasMessageContaining("rule 601 has if_sid 600");
        assertThatThrownBy(() -> RuleTree.of(RuleFile.parse(RULES + RULES, "twice.xml")))
                .hasMessageContaining("rule 500 is defined in");
    }

    @Test
    void aConditionTheEvaluatorDoesNotKnowIsRefused() {
        String match = "<group><rule id=\"700\" level=\"3\"><match>text</match><description>x</description>"
                + "</rule></group>";
        assertThatThrownBy(() -> RuleFile.parse(match, "match.xml"))
                .hasMessageContaining("rule 700 uses element <match>");
        String pcre = "<group><rule id=\"701\" level=\"3\"><field name=\"a\" type=\"pcre2\">x</field>"
                + "<description>x</description></rule></group>";
        assertThatThrownBy(() -> RuleFile.parse(pcre, "pcre.xml")).hasMessageContaining("field type pcre2");
    }
}
