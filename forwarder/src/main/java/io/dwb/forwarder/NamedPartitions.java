package io.dwb.forwarder;

import java.util.List;
import java.util.function.Function;

/**
 * A list of partitions for one log line, at most {@link #MAX_NAMED} named: a topic may have thousands, and a line
 * naming each of them would be too long to read.
 */
final class NamedPartitions {
    static final int MAX_NAMED = 10;

    private NamedPartitions() {}

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
