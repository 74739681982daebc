package io.dwb.forwarder.wazuh;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Wazuh's OS_Regex (the default {@code type} of a rule's {@code <field>}), translated to a {@link Pattern}: the
 * subset its rule files use, read as {@code src/os_regex/os_regex_compile.c} reads it. Case-insensitive. {@code |}
 * separates alternatives; {@code ^} at the start of an alternative and {@code $} at its end anchor it to the start
 * and end of the value (elsewhere they are plain characters). {@code \.} is ANY character (not a literal dot);
 * {@code \w} is {@code A-Z a-z 0-9 - @ _}; {@code \d} digits; {@code \s} a space; {@code \p} punctuation;
 * {@code \W \D \S} their negations; {@code \t} a tab; {@code \$ \( \) \\ \| \<} the character itself. {@code +} and
 * {@code *} repeat the special character before them.
 *
 * <p>Refused, so that a rule file using more than this evaluator knows fails the test instead of being misread:
 * groups, an unknown escape, a repeat of a plain character, and a repeat that does not end its alternative (Java
 * backtracks fully where OS_Regex's matcher retries only a few positions, so only a final repeat is sure to match
 * the same values).
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
        List<String> javaAlternatives = new ArrayList<>();
        for (String alternative : alternatives(osRegex)) {
            javaAlternatives.add(alternative(osRegex, alternative));
        }
        return new OsRegex(osRegex, Pattern.compile(String.join("|", javaAlternatives), Pattern.CASE_INSENSITIVE));
    }

    /** The pattern cut at each {@code |} that is not escaped. */
    private static List<String> alternatives(String osRegex) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < osRegex.length(); i++) {
            char c = osRegex.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '|') {
                out.add(osRegex.substring(from, i));
                from = i + 1;
            }
        }
        out.add(osRegex.substring(from));
        return out;
    }

    private static String alternative(String osRegex, String alt) {
        StringBuilder java = new StringBuilder("(?:");
        int start = 0;
        int end = alt.length();
        if (alt.startsWith("^")) {
            java.append("\\A");
            start = 1;
        }
        boolean anchoredEnd = end > start && alt.charAt(end - 1) == '$' && !escaped(alt, end - 1);
        if (anchoredEnd) {
            end--;
        }
        boolean special = false; // whether the last atom was a special character, which + and * may repeat
        for (int i = start; i < end; i++) {
            char c = alt.charAt(i);
            if (c == '+' || c == '*') {
                if (!special) {
                    throw new IllegalArgumentException("OS_Regex '" + osRegex + "': '" + c
                            + "' must follow a special character (\\w, \\d, \\., ...)");
                }
                if (i != end - 1) {
                    throw new IllegalArgumentException("OS_Regex '" + osRegex
                            + "': a repeat before the end of an alternative is not supported by this evaluator");
                }
                java.append(c);
                special = false;
            } else if (c == '(' || c == ')') {
                throw new IllegalArgumentException(
                        "OS_Regex '" + osRegex + "': groups are not supported by this evaluator");
            } else if (c == '\\') {
                if (i + 1 == end) {
                    throw new IllegalArgumentException("OS_Regex '" + osRegex + "' ends with a lone backslash");
                }
                char e = alt.charAt(++i);
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
            } else {
                java.append(Pattern.quote(String.valueOf(c)));
                special = false;
            }
        }
        return java.append(anchoredEnd ? "\\z)" : ")").toString();
    }

    /** Whether the character at {@code at} is escaped by an odd run of backslashes before it. */
    private static boolean escaped(String text, int at) {
        int backslashes = 0;
        for (int i = at - 1; i >= 0 && text.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
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
