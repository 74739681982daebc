package io.dwb.listener;

/** Why an engine event was published as its stand-in (or, for {@link #NOT_AN_EVENT}, skipped). */
public enum StandInReason {
    /** Longer than Kafka or the forwarder takes. */
    TOO_LARGE("too-large"),
    /** Within JSON, but over a limit of the contract's parser: a name over 50,000 characters, nesting over 1,000. */
    PARSER_LIMIT("parser-limit"),
    /** Not valid JSON: invalid UTF-8, an unescaped control character (NUL), a syntax error. */
    MALFORMED("malformed"),
    /** The line ended inside the event: the engine writes one event per line. */
    CUT_BY_NEWLINE("cut-by-newline"),
    /** Bytes that do not start an object where an event belongs: skipped up to the end of their line. */
    NOT_AN_EVENT("not-an-event");

    private final String code;

    StandInReason(String code) {
        this.code = code;
    }

    /** The metric label. */
    public String code() {
        return code;
    }
}
