package io.dwb.runtime;

import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The topics a process needs, how to create them, and whether it may: with {@code create} false (clusters whose
 * administrators create topics) a missing topic is an error naming it, never created.
 */
public record TopicPlan(List<TopicSpec> topics, Replication replication, boolean create) {
    public TopicPlan {
        topics = List.copyOf(topics);
    }

    /** The spec of {@code role}. */
    public TopicSpec spec(TopicRole role) {
        return topics.stream().filter(t -> t.role() == role).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no " + role + " topic in this plan"));
    }

    /** The same plan for some of its topics only. */
    public TopicPlan only(TopicRole... roles) {
        List<TopicRole> wanted = Arrays.asList(roles);
        return new TopicPlan(topics.stream().filter(t -> wanted.contains(t.role())).toList(), replication, create);
    }
}
