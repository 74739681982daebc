package io.dwb.forwarder.wazuh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The OS_Regex subset Wazuh's rules use, on patterns written for this test. */
class OsRegexTest {
    private static boolean matches(String osRegex, String value) {
        return OsRegex.compile(osRegex).matches(value);
    }

    @Test
    void anchorsBindTheWholeValueAndAnUnanchoredPatternMatchesAnywhere() {
        assertThat(matches("^run$", "run")).isTrue();
        assertThat(matches("^run$", "rerun")).isFalse();
        assertThat(matches("^run$", "run\n")).isFalse(); // $ is the end of the value, not before a newline
        assertThat(matches("^run", "running")).isTrue();
        assertThat(matches("run", "a rerun here")).isTrue();
    }

    @Test
    void backslashDotIsAnyCharacterAndADotIsLiteral() {
        assertThat(matches("^a\\.c$", "abc")).isTrue();
        assertThat(matches("^a.c$", "abc")).isFalse();
        assertThat(matches("^a.c$", "a.c")).isTrue();
        assertThat(matches("\\.+", "")).isFalse(); // "one or more characters": a field that is there but empty
        assertThat(matches("\\.+", "x")).isTrue();
    }

    @Test
    void classesAndTheirRepeats() {
        assertThat(matches("^\\d+$", "137")).isTrue();
        assertThat(matches("^\\d+$", "13a")).isFalse();
        assertThat(matches("^\\w+$", "web-1@x_y")).isTrue(); // \w takes - @ _ too
        assertThat(matches("^\\w+$", "web.1")).isFalse();
        assertThat(matches("^a\\sb$", "a b")).isTrue();
        assertThat(matches("^a\\s*$", "a")).isTrue();
        assertThat(matches("^a\\s*$", "a  ")).isTrue();
        assertThat(matches("^\\p+$", "()-.:")).isTrue();
        assertThat(matches("^\\W\\D\\S$", ".x-")).isTrue();
    }

    @Test
    void alternativesEachKeepTheirOwnAnchors() {
        assertThat(matches("^stop$|^kill$", "kill")).isTrue();
        assertThat(matches("^stop$|^kill$", "skill")).isFalse();
        assertThat(matches("^run: sh $|^run: bash $", "run: bash ")).isTrue();
        assertThat(matches("^run: sh $|^run: bash $", "run: bash")).isFalse(); // the trailing space counts
    }

    @Test
    void caretAndDollarAnchorOnlyAtTheEndsOfAnAlternative() {
        assertThat(matches("^a^b$", "a^b")).isTrue();
        assertThat(matches("^a$b$", "a$b")).isTrue();
        assertThat(matches("^a\\$", "a$")).isTrue(); // an escaped $ at the end is the character
        assertThat(matches("^a\\$", "a")).isFalse();
    }

    @Test
    void matchingIgnoresCase() {
        assertThat(matches("^start$", "START")).isTrue();
        assertThat(matches("^Volume$", "volume")).isTrue();
    }

    @Test
    void escapedSpecialsAreLiteral() {
        assertThat(matches("^a\\$b\\|c\\(d\\)$", "a$b|c(d)")).isTrue();
        assertThat(matches("^a\\\\b$", "a\\b")).isTrue();
    }

    @Test
    void whatTheEvaluatorDoesNotImplementIsRefusedNotGuessed() {
        assertThatThrownBy(() -> OsRegex.compile("ab+")).hasMessageContaining("must follow a special character");
        assertThatThrownBy(() -> OsRegex.compile("(a)")).hasMessageContaining("groups");
        assertThatThrownBy(() -> OsRegex.compile("\\q")).hasMessageContaining("unknown escape");
        assertThatThrownBy(() -> OsRegex.compile("^\\d+x$")).hasMessageContaining("before the end of an alternative");
    }
}
