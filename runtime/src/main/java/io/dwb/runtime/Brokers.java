package io.dwb.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * The brokers of a cluster, those down included. A broker stopped, restarting or crashed stays registered with the
 * controller, fenced, and Kafka places a new topic's follower replicas on it when the brokers up are too few (they
 * catch up once it is back); it is still part of the cluster. The replication factor of the topics a process creates
 * is chosen from all of them ({@link Replication#factorFor}): counted from the brokers up alone, a topic first
 * created while one broker of three restarted got 2 replicas and {@code min.insync.replicas=2} for good, and every
 * later restart of a broker holding one refused its writes.
 *
 * @param up   the ids of the brokers up (unfenced), in order
 * @param down the ids of the brokers registered but down (fenced), in order; empty when the brokers cannot tell
 *             (DescribeCluster before version 2, Kafka 3.x and some Kafka-compatible services: only those up are
 *             known then)
 */
record Brokers(List<Integer> up, List<Integer> down) {
    Brokers {
        up = up.stream().sorted().toList();
        down = down.stream().sorted().toList();
    }

    /** Asked of the cluster; only the brokers up from brokers that cannot list the others. */
    static Brokers describe(Admin admin, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        Collection<Node> nodes;
        try {
            nodes = admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnsupportedVersionException)) {
                throw e;
            }
            nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return new Brokers(nodes.stream().filter(n -> !n.isFenced()).map(Node::id).toList(),
                nodes.stream().filter(Node::isFenced).map(Node::id).toList());
    }

    /** How many brokers the cluster has, up or not: what the replication factor is chosen from. */
    int count() {
        return up.size() + down.size();
    }

    /** The brokers down, for a message: {@code broker 2}, {@code brokers 2, 3}. */
    String downText() {
        return (down.size() == 1 ? "broker " : "brokers ")
                + down.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
