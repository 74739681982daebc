package io.dwb.forwarder.wazuh;

import java.util.regex.Pattern;

/**
 * Wazuh's OS_Regex (the default {@code type} of a rule's {@code <field>}), translated to a {@link Pattern}: the
 * subset its rule files use. Case-insensitive; {@code ^} and {@code $} anchor at the start and end of the whole
 * value; {@code |} separates alternatives, each with its own anchors; {@code \.} is ANY character (not a literal
 * dot); {@code \w} is {@code A-Z a-z 0-9 - @ _}; {@code \d} digits; {@code \s} a space; {@code \p} punctuation;
 * {@code \W \D \S} their negations; {@code \t} a tab; {@code \$ \( \) \\ \|} literals; {@code +} and {@code *}
 * repeat the special character before them. Anything else (groups, a repeat of a literal, an unknown escape) is
 * refused, so that a rule file using more than this evaluator knows fails the test instead of being misread.
 */
public final class OsRegex {
    private static final String PUNCTUATION = "()*+,-.:;<=>?[]!\"'#$%&|{}";
    /** {@code \p} as a Java class: every punctuation character escaped (always allowed for non-letters). */
    private static final String PUNCTUATION_CLASS = PUNCTUATION.chars()
            .collect(StringBuilder::new, (b, ch) -> b.append('\\').append((char) ch), StringBuilder::append)
            .insert(0, '[').append(']').toString();

    private final String source;
    private final Pattern pattern;

    private OsRegex(String source, Pattern pattern) {
        this.source = source;
        this.pattern = pattern;
    }

    public static OsRegex compile(String osRegex) {
        StringBuilder java = new StringBuilder();
        boolean special = false; // whether the last atom was a special character, which + and * may repeat
        for (int i = 0; i < osRegex.length(); i++) {
            char c = osRegex.charAt(i);
            switch (c) {
                case '^' -> {
                    java.append("\\A");
                    special = false;
                }
                case '$' -> {
                    java.append("\\z");
                    special = false;
                }
                case '|' -> {
                    java.append('|');
                    special = false;
                }
                case '+', '*' -> {
                    if (!special) {
                        throw new IllegalArgumentException("OS_Regex '" + osRegex + "': '" + c
                                + "' must follow a special character (\\w, \\d, \\., ...) at " + i);
                    }
                    java.append(c);
                    special = false;
                }
                case '(', ')' -> throw new IllegalArgumentException(
                        "OS_Regex '" + osRegex + "': groups are not supported by this evaluator");
                case '\\' -> {
                    if (i + 1 == osRegex.length()) {
                        throw new IllegalArgumentException("OS_Regex '" + osRegex + "' ends with a lone backslash");
                    }
                    char e = osRegex.charAt(++i);
                    String cls = switch (e) {
                        case '.' -> "[\\s\\S]";
                        case 'w' -> "[A-Za-z0-9@_-]";
                        case 'W' -> "[^A-Za-z0-9@_-]";
                        case 'd' -> "[0-9]";
                        case 'D' -> "[^0-9]";
                        case 's' -> " ";
                        case 'S' -> "[^ ]";
                        case 't' -> "\\t";
                        case 'p' -> PUNCTUATION_CLASS;
                        default -> null;
                    };
                    if (cls != null) {
                        java.append(cls);
                        special = true;
                    } else if ("$()\\|<".indexOf(e) >= 0) {
                        java.append(Pattern.quote(String.valueOf(e)));
                        special = false;
                    } else {
                        throw new IllegalArgumentException("OS_Regex '" + osRegex + "': unknown escape \\" + e);
                    }
                }
                default -> {
                    java.append(Pattern.quote(String.valueOf(c)));
                    special = false;
                }
            }
        }
        return new OsRegex(osRegex, Pattern.compile(java.toString(), Pattern.CASE_INSENSITIVE));
    }

    /** Whether the value matches anywhere (OS_Regex is unanchored unless the pattern says {@code ^} / {@code $}). */
    public boolean matches(String value) {
        return pattern.matcher(value).find();
    }

    @Override
    public String toString() {
        return source;
    }
}
