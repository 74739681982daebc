package io.dwb.forwarder.wazuh;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code <rule>} of a Wazuh rules file, as far as this evaluator reads it.
 *
 * @param ifSids     the parents ({@code <if_sid>}); empty for a top-level rule
 * @param decodedAs  {@code <decoded_as>}, or null
 * @param fields     the {@code <field>} conditions, all of which must match
 * @param file       the file it came from, for messages
 */
public record WazuhRule(int id, int level, List<Integer> ifSids, String decodedAs, List<Field> fields,
                        String description, String file) {

    /** {@code <field name="...">osregex</field>}: a decoded field that must exist and match. */
    public record Field(String name, OsRegex regex) {
        boolean matches(Map<String, String> decoded) {
            String value = decoded.get(name);
            return value != null && regex.matches(value);
        }
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([^)]+)\\)");

    /** Whether this rule's own conditions hold for an event the JSON decoder decoded into {@code decoded}. */
    boolean matches(String decoder, Map<String, String> decoded) {
        return (decodedAs == null || decodedAs.equals(decoder)) && fields.stream().allMatch(f -> f.matches(decoded));
    }

    /** The {@code $(field)} variables of the description that the event has no value for. */
    public List<String> missingVariables(Map<String, String> decoded) {
        return VARIABLE.matcher(description).results().map(r -> r.group(1)).filter(v -> !decoded.containsKey(v))
                .toList();
    }

    /** The description with each {@code $(field)} replaced by the field's value (empty when it has none). */
    public String describe(Map<String, String> decoded) {
        Matcher m = VARIABLE.matcher(description);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(decoded.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }
}
