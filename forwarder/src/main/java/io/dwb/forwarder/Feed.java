package io.dwb.forwarder;

/** Where the delivery loop's records come from: the consumer group (live), or a past time window (replay). */
sealed interface Feed {

    /**
     * Live delivery in the consumer group: offsets committed for what was delivered.
     *
     * @param start       where partitions without a committed offset start
     * @param writtenEnds the partitions' written ends, which a partition must have been read up to to be live
     */
    record Live(String topic, LiveStart start, WrittenEnds writtenEnds) implements Feed {}

    /** {@code --from}/{@code --to}: the window's records, no group, nothing committed; done at the window's end. */
    record Replay(ReplayWindow window) implements Feed {}
}
