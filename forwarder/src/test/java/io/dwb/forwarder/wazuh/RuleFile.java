package io.dwb.forwarder.wazuh;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Reads the rules of a Wazuh rules file: the {@code <rule>} elements of its {@code <group>}s. An element or
 * attribute this evaluator does not understand is refused with the rule's id, rather than ignored: a rule read
 * without one of its conditions would fire where Wazuh's does not.
 */
public final class RuleFile {
    /** Elements that do not decide whether a rule fires (labels, compliance mappings, output options). */
    private static final Set<String> INERT = Set.of("group", "mitre", "options", "info");
    private static final Set<String> FIELD_ATTRIBUTES = Set.of("name", "type");

    private RuleFile() {}

    public static List<WazuhRule> read(Path file) {
        try {
            return parse(Files.readString(file), file.getFileName().toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Wazuh rules file " + file + ": " + e, e);
        }
    }

    /** Rules from the text of a rules file; {@code name} names it in messages. */
    public static List<WazuhRule> parse(String xml, String name) {
        NodeList nodes;
        try {
            // A rules file holds several top-level elements: analysisd reads them inside a wrapper, so do we.
            nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(("<rules>" + xml + "</rules>").getBytes(StandardCharsets.UTF_8)))
                    .getElementsByTagName("rule");
        } catch (Exception e) {
            throw new IllegalArgumentException("Wazuh rules file " + name + " is not well-formed XML: " + e, e);
        }
        List<WazuhRule> rules = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            rules.add(rule((Element) nodes.item(i), name));
        }
        return rules;
    }

    private static WazuhRule rule(Element rule, String file) {
        int id = Integer.parseInt(rule.getAttribute("id"));
        int level = Integer.parseInt(rule.getAttribute("level"));
        List<Integer> ifSids = new ArrayList<>();
        String decodedAs = null;
        String description = "";
        List<WazuhRule.Field> fields = new ArrayList<>();
        for (Node n = rule.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Element e)) {
                continue;
            }
            String text = e.getTextContent().trim();
            switch (e.getTagName()) {
                case "if_sid" -> Arrays.stream(text.split("[,\\s]+")).filter(s -> !s.isEmpty())
                        .map(Integer::valueOf).forEach(ifSids::add);
                case "decoded_as" -> decodedAs = text;
                case "description" -> description = text;
                case "field" -> {
                    for (int a = 0; a < e.getAttributes().getLength(); a++) {
                        String attribute = e.getAttributes().item(a).getNodeName();
                        if (!FIELD_ATTRIBUTES.contains(attribute)) {
                            throw unsupported(file, id, "field attribute " + attribute);
                        }
                    }
                    if (e.hasAttribute("type") && !e.getAttribute("type").equals("osregex")) {
                        throw unsupported(file, id, "field type " + e.getAttribute("type"));
                    }
                    fields.add(new WazuhRule.Field(e.getAttribute("name"), OsRegex.compile(e.getTextContent())));
                }
                default -> {
                    if (!INERT.contains(e.getTagName())) {
                        throw unsupported(file, id, "element <" + e.getTagName() + ">");
                    }
                }
            }
        }
        return new WazuhRule(id, level, List.copyOf(ifSids), decodedAs, List.copyOf(fields), description, file);
    }

    private static IllegalArgumentException unsupported(String file, int id, String what) {
        return new IllegalArgumentException(file + ": rule " + id + " uses " + what
                + ", which this evaluator does not implement");
    }
}
