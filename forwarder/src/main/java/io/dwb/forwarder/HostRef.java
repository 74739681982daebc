package io.dwb.forwarder;

/**
 * The engine a record came from, as far as the record tells: header {@code host} and header {@code host-id} (or the
 * record key, which the contract makes the host id). Either may be null for records of other producers.
 */
public record HostRef(String name, String id) {
    public static final HostRef UNKNOWN = new HostRef(null, null);

    public boolean known() {
        return name != null || id != null;
    }

    /** What identifies the host for per-host state (duplicate window, silent-host watch). */
    public String key() {
        return id != null ? id : name != null ? "name:" + name : "";
    }

    /** How a person would name it in a log line. */
    public String label() {
        return name != null ? name : id != null ? id : "(unknown host)";
    }
}
