package io.dwb.runtime;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.ForwardingAdmin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;

/**
 * An admin client of a real broker whose metadata is behind its controller, as after a creation by another client:
 * after the first topic description (which topics exist, answered by the broker), the next {@code unknownAnswers}
 * topic descriptions and the first config descriptions answer UnknownTopicOrPartition. The moment that happens on a
 * real broker is a few milliseconds under load; this makes it happen every time. {@code afterExistence} runs once the
 * first description is answered: another process creating a topic between that look and this client's creation.
 */
final class LaggingMetadataAdmin extends ForwardingAdmin {
    private final AtomicInteger unknownDescriptions;
    private final AtomicInteger unknownConfigs;
    private final Runnable afterExistence;
    private volatile boolean existenceAsked;

    LaggingMetadataAdmin(String bootstrapServers, int unknownAnswers, Runnable afterExistence) {
        super(Map.of("bootstrap.servers", bootstrapServers));
        this.unknownDescriptions = new AtomicInteger(unknownAnswers);
        this.unknownConfigs = new AtomicInteger(unknownAnswers);
        this.afterExistence = afterExistence;
    }

    /** How many UnknownTopicOrPartition answers to descriptions are still to be given. */
    int unknownDescriptionsLeft() {
        return Math.max(0, unknownDescriptions.get());
    }

    @Override
    public DescribeTopicsResult describeTopics(TopicCollection topics, DescribeTopicsOptions options) {
        if (!existenceAsked) { // the start's look at which of its topics exist: answered as the broker answers
            existenceAsked = true;
            DescribeTopicsResult described = super.describeTopics(topics, options);
            try {
                described.allTopicNames().get();
            } catch (ExecutionException e) {
                // a topic missing: another process creates it now
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return described;
            }
            afterExistence.run();
            return described;
        }
        return lagging(topics, options);
    }

    private DescribeTopicsResult lagging(TopicCollection topics, DescribeTopicsOptions options) {
        if (unknownDescriptions.getAndDecrement() <= 0 || !(topics instanceof TopicCollection.TopicNameCollection names)) {
            return super.describeTopics(topics, options);
        }
        Map<String, KafkaFuture<TopicDescription>> unknown = unknown(names.topicNames(), Function.identity());
        return new DescribeTopicsResult(null, unknown) { };
    }

    @Override
    public DescribeConfigsResult describeConfigs(Collection<ConfigResource> resources,
                                                 DescribeConfigsOptions options) {
        if (unknownConfigs.getAndDecrement() <= 0) {
            return super.describeConfigs(resources, options);
        }
        Map<ConfigResource, KafkaFuture<Config>> unknown = unknown(resources, Function.identity());
        return new DescribeConfigsResult(unknown) { };
    }

    private static <K, V> Map<K, KafkaFuture<V>> unknown(Collection<K> keys, Function<K, K> key) {
        return keys.stream().collect(Collectors.toMap(key, k -> {
            KafkaFutureImpl<V> future = new KafkaFutureImpl<>();
            future.completeExceptionally(new UnknownTopicOrPartitionException(
                    "This server does not host this topic-partition."));
            return future;
        }));
    }
}
