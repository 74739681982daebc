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
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;

/**
 * An admin client of a real broker whose metadata is behind its controller, as after a creation by another client:
 * the first {@code unknownAnswers} topic descriptions and config descriptions answer UnknownTopicOrPartition. The
 * moment that happens on a real broker is a few milliseconds under load; this makes it happen every time.
 * {@code afterList} runs once a topic list is answered: another process creating a topic between that list and this
 * client's creation.
 */
final class LaggingMetadataAdmin extends ForwardingAdmin {
    private final AtomicInteger unknownDescriptions;
    private final AtomicInteger unknownConfigs;
    private final Runnable afterList;

    LaggingMetadataAdmin(String bootstrapServers, int unknownAnswers, Runnable afterList) {
        super(Map.of("bootstrap.servers", bootstrapServers));
        this.unknownDescriptions = new AtomicInteger(unknownAnswers);
        this.unknownConfigs = new AtomicInteger(unknownAnswers);
        this.afterList = afterList;
    }

    /** How many UnknownTopicOrPartition answers to descriptions are still to be given. */
    int unknownDescriptionsLeft() {
        return Math.max(0, unknownDescriptions.get());
    }

    @Override
    public ListTopicsResult listTopics(ListTopicsOptions options) {
        ListTopicsResult listed = super.listTopics(options);
        try {
            listed.names().get();
        } catch (ExecutionException e) {
            return listed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return listed;
        }
        afterList.run();
        return listed;
    }

    @Override
    public DescribeTopicsResult describeTopics(TopicCollection topics, DescribeTopicsOptions options) {
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
