package io.dwb.schemas;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The {@code contract-version} header: which version of its kind's shape a record follows. A fleet upgrades one host
 * at a time, so a listener may be newer than the forwarders reading it: changes a reader of the version before can
 * take (a field added to a heartbeat, gap or state, a gap reason added) keep the version, and a reader leaves out or
 * passes on what it does not know ({@link ContractSchemas#firstProblemToRead}); a change it would misread raises the
 * version of the records it concerns, and a reader dead-letters those, naming the upgrade, instead of misreading
 * them. A record without the header (a listener from before it) is version 1.
 */
public final class ContractVersion {
    /** The newest version of any kind this build writes and reads (each kind's own: {@link #current}). */
    public static final int CURRENT = 1;
    /** Longest value read as a number: a version has a digit or two, a forged value may have a megabyte. */
    private static final int MAX_DIGITS = 9;

    private ContractVersion() {}

    /**
     * The header's value on records of {@code kind} as this build writes them: each kind's own version, raised only
     * with a change of that kind's shape (version 1 for every kind so far), so that older forwarders go on reading
     * the kinds that did not change.
     */
    public static byte[] header(RecordKind kind) {
        return HeaderNames.utf8(Integer.toString(current(kind)));
    }

    /** The newest version of {@code kind}'s shape this build writes and reads. */
    public static int current(RecordKind kind) {
        return switch (kind) {
            case EVENT, GAP, HEARTBEAT, STATE -> 1;
        };
    }

    /**
     * Whether a reader of this build reads a record of {@code kind}: no header, or a version from 1 to that kind's
     * {@link #current}; of a kind it does not know (null), up to {@link #CURRENT}. Versions are the kinds' own: read
     * against one number for all, a kind raised later than another (states to 2 after gaps) would be read by the
     * forwarders of the release between, which know only the first's version 2, and misread. A value that is no
     * version (not digits, zero, too long) is not read either: whoever wrote it follows no contract this build knows.
     */
    public static boolean readable(RecordKind kind, Headers headers) {
        int newest = kind == null ? CURRENT : current(kind);
        Header header = headers.lastHeader(HeaderNames.CONTRACT_VERSION);
        if (header == null) {
            return true;
        }
        byte[] value = header.value();
        if (value == null || value.length == 0 || value.length > MAX_DIGITS) {
            return false;
        }
        int version = 0;
        for (byte b : value) {
            if (b < '0' || b > '9') {
                return false;
            }
            version = version * 10 + (b - '0');
        }
        return version >= 1 && version <= newest;
    }
}
