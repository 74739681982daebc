package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.listener.TransactionTimeout.Floor;
import io.dwb.listener.TransactionTimeout.Origin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The transaction timeout a producer asks for when the brokers refuse one: the listener's own default halved down to
 * what its transactions need, never the user's. (TransactionTimeoutTest is the broker's abort of a paused listener.)
 */
class TransactionTimeoutStepTest {
    private static final CommitTiming INTERVAL = new CommitTiming(Duration.ofMillis(150), Duration.ZERO);

    private static Properties config(Map<String, String> settings) {
        Properties p = new Properties();
        p.putAll(settings);
        return p;
    }

    /** The values asked for, from the first, as long as the brokers refuse each. */
    private static List<Long> steps(TransactionTimeout first, Floor floor) {
        List<Long> asked = new ArrayList<>(List.of(first.millis()));
        Optional<TransactionTimeout> next = first.lowered(floor);
        while (next.isPresent()) {
            asked.add(next.get().millis());
            next = next.get().lowered(floor);
        }
        return asked;
    }

    /**
     * With the listener's defaults (150 ms interval, max.block.ms = --kafka-timeout 30 s): one step, from Kafka's
     * 60 s to 30.15 s, what a transaction needs; below that, nothing.
     */
    @Test
    void theListenersDefaultIsSteppedDownToWhatATransactionNeeds() {
        Properties p = config(Map.of("max.block.ms", "30000"));
        Floor floor = Floor.of(p, INTERVAL);
        assertThat(floor.millis()).isEqualTo(30_150);
        assertThat(floor.words()).contains("--transaction-interval 150 ms").contains("max.block.ms 30000 ms");

        assertThat(steps(TransactionTimeout.of(p, TransactionalPublisher.DEFAULT_TRANSACTION_TIMEOUT_MS), floor))
                .containsExactly(60_000L, 30_150L);
    }

    @Test
    void aShorterKafkaTimeoutLeavesRoomForHalving() {
        Properties p = config(Map.of("max.block.ms", "10000"));
        assertThat(steps(TransactionTimeout.of(p, 60_000), Floor.of(p, INTERVAL)))
                .containsExactly(60_000L, 30_000L, 15_000L, 10_150L);
    }

    /** Records that fail sooner than the commit's wait (a short delivery.timeout.ms) bound the commit instead. */
    @Test
    void aShorterDeliveryTimeoutBoundsTheCommit() {
        Floor floor = Floor.of(config(Map.of("max.block.ms", "60000", "delivery.timeout.ms", "20000")), INTERVAL);
        assertThat(floor.millis()).isEqualTo(20_150);
        assertThat(floor.words()).contains("delivery.timeout.ms 20000 ms");
    }

    /** The user's value is the user's: never stepped down, asked for as written. */
    @Test
    void aUsersValueIsNeverLowered() {
        Properties p = config(Map.of("max.block.ms", "30000", "transaction.timeout.ms", "120000"));
        TransactionTimeout users = TransactionTimeout.of(p, 30_150);
        assertThat(users).isEqualTo(new TransactionTimeout(120_000, Origin.USERS));
        assertThat(users.lowered(Floor.of(p, INTERVAL))).isEmpty();
        assertThat(users.applyTo(p)).isSameAs(p);
    }

    /** Kafka's default is left to Kafka; a value stepped down is written into the producer's copy only. */
    @Test
    void onlyAValueSteppedDownIsWrittenIntoTheProducersProperties() {
        Properties p = config(Map.of("max.block.ms", "30000"));
        assertThat(TransactionTimeout.of(p, 60_000).applyTo(p)).isSameAs(p);
        Properties stepped = TransactionTimeout.of(p, 30_150).applyTo(p);
        assertThat(stepped.getProperty("transaction.timeout.ms")).isEqualTo("30150");
        assertThat(p).doesNotContainKey("transaction.timeout.ms");
    }
}
