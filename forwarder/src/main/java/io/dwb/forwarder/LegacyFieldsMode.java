package io.dwb.forwarder;

/** When the forwarder adds the pre-API-1.52 fields {@code status}, {@code id}, {@code from}; see {@link LegacyFields}. */
public enum LegacyFieldsMode {
    /** Only on container and image events that carry none of status/id/from (the engine spoke API 1.52 or newer). */
    AUTO,
    /** On container and image events, fill every one of them that is missing. */
    ALWAYS,
    /** Never add anything: the event is sent exactly as recorded. */
    NEVER
}
