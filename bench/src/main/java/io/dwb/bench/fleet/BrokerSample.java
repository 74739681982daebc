package io.dwb.bench.fleet;

import java.util.Map;

/**
 * The brokers' counters at one moment, summed over the cluster.
 *
 * @param nanos       System.nanoTime() of the sample
 * @param requests    requests handled since the brokers started, by request type (Produce, EndTxn, ...)
 * @param connections client connections open now on the clients' listener
 */
public record BrokerSample(long nanos, Map<String, Long> requests, long connections) {
    public BrokerSample {
        requests = Map.copyOf(requests);
    }
}
