package io.dwb.forwarder;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a replay says when its window is delivered: what it sent, left out and could not deliver, and what of the
 * window Kafka did not let it read.
 *
 * @param skipped    invalid records skipped, by reason
 * @param partitions the topic's partitions
 * @param cut        partitions whose window's start retention may have deleted before the replay began
 * @param held       partitions a transaction held from its start to its end, whose records past their stable end
 *                   it did not read
 */
record ReplayEnd(long sent, long duplicates, Map<DeadLetterReason, Long> skipped, long refused, long deleted,
                 int partitions, List<RetentionCut> cut, List<HeldPartition> held) {

    ReplayOutcome outcome() {
        return held.isEmpty() ? ReplayOutcome.DELIVERED : ReplayOutcome.HELD;
    }

    String line() {
        StringBuilder line = new StringBuilder(held.isEmpty() ? "replay done: window delivered ("
                : "replay done: window delivered but for records held by open transactions (")
                .append(sent).append(" alerts sent, ")
                .append(duplicates).append(" duplicates left out, ")
                .append(skipped.values().stream().mapToLong(Long::longValue).sum()).append(" invalid records skipped");
        if (!skipped.isEmpty()) {
            line.append(skipped.entrySet().stream().map(e -> e.getKey().code() + " " + e.getValue())
                    .collect(Collectors.joining(", ", " (", ")")));
        }
        line.append(", ").append(refused).append(" alerts refused by the Wazuh queue, not delivered, ").append(deleted)
                .append(" offsets deleted by Kafka before they were read)");
        line.append(cutSaid(cut, partitions));
        if (!held.isEmpty()) {
            line.append("; ").append(held.stream().mapToLong(HeldPartition::waiting).sum())
                    .append(" record(s) written past the stable end of ").append(held.size())
                    .append(" partition(s), held by open transactions, were not read (named above): run the replay "
                            + "again once they are over");
        }
        return line.toString();
    }

    /**
     * What the end line says of {@code cut}, of {@code partitions}: nothing when none is; said too by a window found
     * empty, which a partition whose every record retention deleted may make.
     */
    static String cutSaid(List<RetentionCut> cut, int partitions) {
        return cut.isEmpty() ? "" : "; its start may have been deleted by retention before the replay began in "
                + cut.size() + " of " + partitions + " partitions (named at start)";
    }
}
