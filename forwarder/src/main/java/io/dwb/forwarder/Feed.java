package io.dwb.forwarder;

/** Where the delivery loop's records come from: the consumer group (live), or a past time window (replay). */
sealed interface Feed {

    /**
     * Live delivery in the consumer group: offsets committed for what was delivered.
     *
     * @param start            where partitions without a committed offset start
     * @param openTransactions which partitions have records written past their stable end: not live meanwhile
     * @param rejoin           a new consumer in the place of one the group refused (its instance id still held)
     */
    record Live(String topic, LiveStart start, OpenTransactions openTransactions, StaticRejoin rejoin)
            implements Feed {}

    /** {@code --from}/{@code --to}: the window's records, no group, nothing committed; done at the window's end. */
    record Replay(ReplayWindow window) implements Feed {}
}
