package io.dwb.forwarder;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * A list of partitions for one log line, at most {@link #MAX_NAMED} named: a topic may have thousands, and a line
 * naming each of them would be too long to read.
 */
final class NamedPartitions {
    static final int MAX_NAMED = 10;
    /**
     * The most of a Kafka exception's message said beside such a list: Kafka's own names every partition asked
     * ({@code … the last committed offset for partitions [events-0, …] could be determined}).
     */
    static final int MAX_CAUSE = 300;

    private NamedPartitions() {}

    /** {@code partitions} in order (topic, then number), the first {@link #MAX_NAMED} named, then how many more. */
    static String of(Collection<TopicPartition> partitions) {
        return of(partitions.stream().sorted(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition)).toList(), TopicPartition::toString);
    }

    /** The first {@link #MAX_NAMED} of {@code items}, each as {@code named} says, then how many more there are. */
    static <T> String of(List<T> items, Function<T, String> named) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(items.size(), MAX_NAMED); i++) {
            out.append(i == 0 ? "" : ", ").append(named.apply(items.get(i)));
        }
        if (items.size() > MAX_NAMED) {
            out.append(" and ").append(items.size() - MAX_NAMED).append(" more");
        }
        return out.toString();
    }
}
