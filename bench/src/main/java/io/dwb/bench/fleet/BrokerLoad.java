package io.dwb.bench.fleet;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the brokers handled between two samples: requests a second by type, and the client connections open at the
 * end. {@link #perClient} turns two loads (with N clients, and without) into the cost of one client.
 *
 * @param requestsPerSecond by request type; the sum is {@link #totalPerSecond}
 * @param connections       client connections at the end of the window
 */
public record BrokerLoad(Map<String, Double> requestsPerSecond, double connections) {
    /** Transactions are counted by their end: one {@code EndTxn} request per commit or abort. */
    public static final String END_TXN = "EndTxn";

    public BrokerLoad {
        requestsPerSecond = Map.copyOf(requestsPerSecond);
    }

    public static BrokerLoad between(BrokerSample from, BrokerSample to) {
        double seconds = (to.nanos() - from.nanos()) / 1e9;
        if (seconds <= 0) {
            throw new IllegalArgumentException("the second sample must be later");
        }
        Map<String, Double> rates = new TreeMap<>();
        to.requests().forEach((type, count) -> {
            long delta = count - from.requests().getOrDefault(type, 0L);
            if (delta > 0) {
                rates.put(type, delta / seconds);
            }
        });
        return new BrokerLoad(rates, to.connections());
    }

    /**
     * Requests the brokers make of each other whatever the clients do (replication, the KRaft quorum, producer id
     * blocks): follower fetches return early when new records arrive, so writes raise their rate, but they batch
     * every client's records of a partition and do not grow in proportion to the clients.
     */
    public static final java.util.Set<String> CLUSTER_INTERNAL = java.util.Set.of("FetchFollower", "BrokerHeartbeat",
            "BeginQuorumEpoch", "EndQuorumEpoch", "BrokerRegistration", "Vote", "FetchSnapshot", "DescribeQuorum",
            "AllocateProducerIds", "AddRaftVoter", "RemoveRaftVoter", "UpdateRaftVoter", "ControllerRegistration");

    /** Requests a second that clients cause one for one (all but {@link #CLUSTER_INTERNAL}). */
    public double clientPerSecond() {
        return requestsPerSecond.entrySet().stream().filter(e -> !CLUSTER_INTERNAL.contains(e.getKey()))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    public double perSecond(String type) {
        return requestsPerSecond.getOrDefault(type, 0.0);
    }

    public double totalPerSecond() {
        return requestsPerSecond.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    public double transactionsPerSecond() {
        return requestsPerSecond.getOrDefault(END_TXN, 0.0);
    }

    /** ({@code this} − {@code baseline}) / {@code clients}: each type's rate and the connections of one client. */
    public BrokerLoad perClient(BrokerLoad baseline, int clients) {
        Map<String, Double> rates = new TreeMap<>();
        requestsPerSecond.forEach((type, rate) -> rates.put(type,
                (rate - baseline.requestsPerSecond.getOrDefault(type, 0.0)) / clients));
        baseline.requestsPerSecond.forEach((type, rate) -> rates.putIfAbsent(type, -rate / clients));
        return new BrokerLoad(rates, (connections - baseline.connections) / clients);
    }
}
