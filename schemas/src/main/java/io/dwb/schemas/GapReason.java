package io.dwb.schemas;

/** Why a {@link Gap} was published: its {@code reason} field, one of {@code gap.schema.json}'s enum. */
public enum GapReason {
    /** The engine no longer had the checkpointed event (the listener was down, or Kafka failed, for too long). */
    CHECKPOINT_NOT_REPLAYED("checkpoint-not-replayed"),
    /** The listener disconnected because its queue was full (Kafka too slow). */
    QUEUE_OVERFLOW("queue-overflow"),
    /** The engine connection was lost (a restarted engine remembers no events). */
    ENGINE_RESTARTED("engine-restarted"),
    /** The host's value on the checkpoints topic is not a checkpoint: where capture stopped is unknown. */
    CHECKPOINT_UNREADABLE("checkpoint-unreadable");

    /**
     * What a reason is, for a reader: a listener newer than it may add reasons ({@link ContractVersion}), each a code
     * of this form; a reader delivers a gap of a reason it does not know as a gap all the same. Its end is "nothing
     * after", not {@code $}: the schema validator finds patterns with Java's regular expressions, where {@code $} also
     * matches before a final line break, which the reason would carry into the alert's rule description.
     */
    public static final String CODE_PATTERN = "^[a-z][a-z0-9-]{0,63}(?![\\s\\S])";

    private final String code;

    GapReason(String code) {
        this.code = code;
    }

    /** The value of the gap's {@code reason} field. */
    public String code() {
        return code;
    }

    /** Whether {@code code} is one of this build's reasons. */
    public static boolean known(String code) {
        for (GapReason reason : values()) {
            if (reason.code.equals(code)) {
                return true;
            }
        }
        return false;
    }
}
