package io.dwb.runtime;

import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.ListTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;

/**
 * An admin client of a scripted KRaft cluster, for what no single test broker can show: brokers down. DescribeCluster
 * answers as a broker does: the brokers up, and with {@code includeFencedBrokers} those down too, marked fenced
 * (unless {@code listsFenced} is false: a broker before Kafka 4.0 refuses the option as an unsupported version).
 * CreateTopics places replicas as the controller does: on the brokers up and, when they are too few, on those down,
 * refusing only more replicas than brokers, and the first {@code placementRefusals} times as while a broker is in
 * controlled shutdown. Every creation asked is kept, refused or not.
 */
final class ScriptedCluster {
    private final List<Integer> up;
    private final List<Integer> down;
    private final boolean listsFenced;
    private final AtomicInteger placementRefusals;
    private final Map<String, NewTopic> topics = new LinkedHashMap<>();
    private final List<NewTopic> asked = new ArrayList<>();

    ScriptedCluster(List<Integer> up, List<Integer> down, boolean listsFenced, int placementRefusals) {
        this.up = List.copyOf(up);
        this.down = List.copyOf(down);
        this.listsFenced = listsFenced;
        this.placementRefusals = new AtomicInteger(placementRefusals);
    }

    /** Every creation asked, in order, refused or not. */
    synchronized List<NewTopic> asked() {
        return List.copyOf(asked);
    }

    /** The topics that exist, as they were created. */
    synchronized Map<String, NewTopic> topics() {
        return Map.copyOf(topics);
    }

    Admin admin() {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> {
                    synchronized (this) {
                        return switch (method.getName()) {
                            case "describeCluster" -> describeCluster(args == null || args.length == 0
                                    ? new DescribeClusterOptions() : (DescribeClusterOptions) args[0]);
                            case "listTopics" -> construct(ListTopicsResult.class, KafkaFuture.completedFuture(
                                    topics.keySet().stream().collect(Collectors.toMap(n -> n,
                                            n -> new TopicListing(n, Uuid.randomUuid(), false)))));
                            case "createTopics" -> createTopics(collection(args[0], NewTopic.class));
                            case "describeTopics" -> describeTopics(collection(args[0], String.class));
                            case "describeConfigs" -> describeConfigs(collection(args[0], ConfigResource.class));
                            case "close" -> null;
                            default -> throw new UnsupportedOperationException(method.getName());
                        };
                    }
                });
    }

    private DescribeClusterResult describeCluster(DescribeClusterOptions options) {
        KafkaFuture<Collection<Node>> nodes;
        if (options.includeFencedBrokers() && !listsFenced) {
            nodes = failed(new UnsupportedVersionException("DescribeCluster v2 is not supported by this broker"));
        } else {
            nodes = KafkaFuture.completedFuture(Stream.concat(up.stream().map(id -> node(id, false)),
                    options.includeFencedBrokers() ? down.stream().map(id -> node(id, true)) : Stream.empty())
                    .toList());
        }
        return construct(DescribeClusterResult.class, nodes, KafkaFuture.completedFuture(node(up.get(0), false)),
                KafkaFuture.completedFuture("scripted"), KafkaFuture.completedFuture(Set.of()));
    }

    private CreateTopicsResult createTopics(List<NewTopic> newTopics) {
        Map<String, KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig>> results = new LinkedHashMap<>();
        for (NewTopic topic : newTopics) {
            asked.add(topic);
            int brokers = up.size() + down.size();
            if (topics.containsKey(topic.name())) {
                results.put(topic.name(), failed(new TopicExistsException("Topic '" + topic.name()
                        + "' already exists.")));
            } else if (placementRefusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                results.put(topic.name(), failed(new InvalidReplicationFactorException("Unable to replicate the "
                        + "partition " + topic.replicationFactor() + " time(s): The target replication factor of "
                        + topic.replicationFactor() + " cannot be reached because only " + (brokers - 1)
                        + " broker(s) are registered.")));
            } else if (topic.replicationFactor() > brokers) {
                results.put(topic.name(), failed(new InvalidReplicationFactorException("Unable to replicate the "
                        + "partition " + topic.replicationFactor() + " time(s): The target replication factor of "
                        + topic.replicationFactor() + " cannot be reached because only " + brokers
                        + " broker(s) are registered.")));
            } else {
                topics.put(topic.name(), topic);
                results.put(topic.name(), KafkaFuture.completedFuture(null));
            }
        }
        return new CreateTopicsResult(results) { };
    }

    private DescribeTopicsResult describeTopics(List<String> names) {
        Map<String, KafkaFuture<TopicDescription>> results = new LinkedHashMap<>();
        for (String name : names) {
            NewTopic topic = topics.get(name);
            results.put(name, topic == null ? failed(new UnknownTopicOrPartitionException(name))
                    : KafkaFuture.completedFuture(description(topic)));
        }
        return new DescribeTopicsResult(null, results) { };
    }

    /** Replicas on the brokers up first, then on those down; in sync on those up. */
    private TopicDescription description(NewTopic topic) {
        List<Node> replicas = Stream.concat(up.stream().map(id -> node(id, false)),
                down.stream().map(id -> node(id, true))).limit(topic.replicationFactor()).toList();
        List<Node> isr = replicas.stream().filter(n -> !n.isFenced()).toList();
        return new TopicDescription(topic.name(), false, IntStream.range(0, topic.numPartitions())
                .mapToObj(p -> new TopicPartitionInfo(p, isr.get(0), replicas, isr)).toList());
    }

    private DescribeConfigsResult describeConfigs(List<ConfigResource> resources) {
        Map<ConfigResource, KafkaFuture<Config>> results = new LinkedHashMap<>();
        for (ConfigResource resource : resources) {
            NewTopic topic = topics.get(resource.name());
            results.put(resource, topic == null ? failed(new UnknownTopicOrPartitionException(resource.name()))
                    : KafkaFuture.completedFuture(new Config(topic.configs().entrySet().stream()
                            .map(e -> new ConfigEntry(e.getKey(), e.getValue())).toList())));
        }
        return new DescribeConfigsResult(results) { };
    }

    private static Node node(int id, boolean fenced) {
        return new Node(id, "kafka-" + id, 9092, null, fenced);
    }

    private static <T> KafkaFuture<T> failed(Throwable cause) {
        KafkaFutureImpl<T> future = new KafkaFutureImpl<>();
        future.completeExceptionally(cause);
        return future;
    }

    private static <T> List<T> collection(Object argument, Class<T> type) {
        return ((Collection<?>) argument).stream().map(type::cast).toList();
    }

    /** The admin client's results whose constructors are not public, made as the client makes them. */
    private static <T> T construct(Class<T> type, Object... arguments) {
        try {
            Constructor<?> constructor = Arrays.stream(type.getDeclaredConstructors())
                    .filter(c -> c.getParameterCount() == arguments.length).findFirst().orElseThrow();
            constructor.setAccessible(true);
            return type.cast(constructor.newInstance(arguments));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
