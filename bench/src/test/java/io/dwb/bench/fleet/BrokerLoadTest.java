package io.dwb.bench.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokerLoadTest {
    @Test
    void theCostOfOneClientIsTheDifferenceOverTheClients() {
        BrokerLoad none = BrokerLoad.between(new BrokerSample(0, Map.of("Fetch", 100L), 0),
                new BrokerSample(10_000_000_000L, Map.of("Fetch", 300L), 0));
        BrokerLoad ten = BrokerLoad.between(
                new BrokerSample(0, Map.of("Fetch", 1_000L, "Produce", 50L, "EndTxn", 10L), 0),
                new BrokerSample(100_000_000_000L, Map.of("Fetch", 3_500L, "Produce", 150L, "EndTxn", 40L), 30));
        assertThat(none.totalPerSecond()).isCloseTo(20, within(1e-9));
        BrokerLoad one = ten.perClient(none, 10);
        assertThat(one.requestsPerSecond().get("Fetch")).isCloseTo(0.5, within(1e-9));
        assertThat(one.requestsPerSecond().get("Produce")).isCloseTo(0.1, within(1e-9));
        assertThat(one.transactionsPerSecond()).isCloseTo(0.03, within(1e-9));
        assertThat(one.connections()).isCloseTo(3, within(1e-9));
        BrokerLoad replicated = BrokerLoad.between(new BrokerSample(0, Map.of("FetchFollower", 0L, "Produce", 0L), 0),
                new BrokerSample(1_000_000_000L, Map.of("FetchFollower", 7L, "Produce", 2L), 0));
        assertThat(replicated.clientPerSecond()).isCloseTo(2, within(1e-9));
        assertThat(replicated.totalPerSecond()).isCloseTo(9, within(1e-9));
    }
}
