package io.dwb.bench.fleet;

/** The key of a record that becomes an alert, computed alike from the published record and the alert. */
public final class AlertKeys {
    private AlertKeys() {}

    /** An engine event is known by its event id ({@code EventId}): nothing to add. */
    public static String event(String eventId) {
        return eventId;
    }

    public static String gap(String hostId, long toNano) {
        return "gap " + hostId + " " + toNano;
    }

    public static String state(String snapshotId, int part) {
        return "state " + snapshotId + " " + part;
    }
}
