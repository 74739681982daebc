package io.dwb.forwarder.wazuh;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Comment;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The table of the bridge's own rules in docs/wazuh.md, made from the shipped rules file: each rule's id, level,
 * parent, conditions, and the comment written above it (what fires it).
 */
public final class BridgeRulesTable {
    /** The shipped rules file, from the forwarder module's directory. */
    public static final Path RULES = Path.of("src/main/wazuh/docker-wazuh-bridge_rules.xml");

    private BridgeRulesTable() {}

    public static String markdown() throws Exception {
        String xml = "<rules>" + Files.readString(RULES) + "</rules>";
        NodeList rules = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getElementsByTagName("rule");
        StringBuilder out = new StringBuilder("| id | level | parent | fires when | what it means |\n"
                + "|---|---|---|---|---|\n");
        for (int i = 0; i < rules.getLength(); i++) {
            Element rule = (Element) rules.item(i);
            StringBuilder when = new StringBuilder();
            NodeList fields = rule.getElementsByTagName("field");
            for (int f = 0; f < fields.getLength(); f++) {
                Element field = (Element) fields.item(f);
                when.append(when.length() == 0 ? "" : " and ").append('`').append(field.getAttribute("name"))
                        .append("` matches `").append(field.getTextContent()).append('`');
            }
            out.append("| ").append(rule.getAttribute("id")).append(" | ").append(rule.getAttribute("level"))
                    .append(" | ").append(rule.getElementsByTagName("if_sid").item(0).getTextContent().trim())
                    .append(" | ").append(when.toString().replace("|", "\\|"))
                    .append(" | ").append(comment(rule).replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }

    /** The comment just before the rule, on one line. */
    private static String comment(Element rule) {
        for (Node n = rule.getPreviousSibling(); n != null; n = n.getPreviousSibling()) {
            if (n instanceof Comment c) {
                return c.getData().trim().replaceAll("\\s+", " ");
            }
            if (n instanceof Element) {
                break;
            }
        }
        throw new AssertionError("rule " + rule.getAttribute("id") + " of " + RULES
                + " has no comment before it saying what fires it");
    }
}
