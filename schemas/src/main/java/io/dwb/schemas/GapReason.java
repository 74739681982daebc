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

    private final String code;

    GapReason(String code) {
        this.code = code;
    }

    /** The value of the gap's {@code reason} field. */
    public String code() {
        return code;
    }
}
