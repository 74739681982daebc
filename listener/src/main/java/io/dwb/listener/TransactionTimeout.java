package io.dwb.listener;

import io.dwb.runtime.ClientTimeouts;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The {@code transaction.timeout.ms} a producer asks for, and whose it is: the user's, from the Kafka client
 * configuration, or the listener's, Kafka's producer default (60 s) that no user chose, which it steps down when the
 * brokers refuse it ({@link #lowered}) as long as one of its commits still fits ({@link Floor}). A broker's
 * {@code transaction.max.timeout.ms} lowered under 60 s while listeners run (a rolling restart) refused every producer
 * after a failure, and each listener exited 2, never restarted.
 *
 * @param millis what the producer asks for
 * @param origin whose value it is
 */
record TransactionTimeout(long millis, Origin origin) {
    /** Whose value it is. */
    enum Origin {
        /** Set in the Kafka client configuration: the user's choice, never changed. */
        USERS,
        /** Kafka's producer default, or the listener's step down from it. */
        LISTENERS
    }

    /** The timeout of a producer of {@code clientConfig}: its own, else the listener's {@code listenersMillis}. */
    static TransactionTimeout of(Properties clientConfig, long listenersMillis) {
        return clientConfig.containsKey(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)
                ? new TransactionTimeout(TransactionalPublisher.transactionTimeoutMs(clientConfig), Origin.USERS)
                : new TransactionTimeout(listenersMillis, Origin.LISTENERS);
    }

    /**
     * The least a transaction of the listener needs ({@code millis}), and of what ({@code words}): one is open from
     * its first record until the commit policy ends it, at most {@code --transaction-interval} or {@code
     * --transaction-linger} later, whichever is longer (sooner when the engine goes quiet or the budget is full);
     * its commit then waits at most the producer's {@code max.block.ms} ({@code --kafka-timeout} unless the file
     * sets it), and never longer than its records' {@code
     * delivery.timeout.ms} (Kafka's 120 s unless the file sets it), which began when they were sent. A broker's
     * timeout below that would abort commits the listener still waits for, a slow broker taken for a timed-out
     * transaction at each of them: below it, the brokers' maximum is for them to raise.
     */
    record Floor(long millis, String words) {
        /** @param clientConfig the producer's properties, with the listener's {@code max.block.ms} */
        static Floor of(Properties clientConfig, CommitTiming timing) {
            Duration open = timing.longestOpen();
            String openBy = timing.linger().compareTo(timing.interval()) > 0 ? "--transaction-linger"
                    : "--transaction-interval";
            String commitBy = ProducerConfig.MAX_BLOCK_MS_CONFIG;
            Duration commit = timeout(clientConfig, commitBy);
            Duration delivery = timeout(clientConfig, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
            if (delivery.compareTo(commit) < 0) {
                commit = delivery;
                commitBy = ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG;
            }
            return new Floor(open.plus(commit).toMillis(), openBy + " "
                    + open.toMillis() + " ms, a transaction's longest open time, + " + commitBy + " "
                    + commit.toMillis() + " ms, its commit's longest wait");
        }

        private static Duration timeout(Properties clientConfig, String key) {
            return ClientTimeouts.timeout(clientConfig, key, Duration.ofMillis(((Number) ProducerConfig.configDef()
                    .defaultValues().get(key)).longValue()));
        }
    }

    /**
     * The timeout to ask for once the brokers refused this one: the listener's halved, never under {@code floor};
     * none for the user's, or once at the floor.
     */
    Optional<TransactionTimeout> lowered(Floor floor) {
        if (origin == Origin.USERS || millis <= floor.millis()) {
            return Optional.empty();
        }
        return Optional.of(new TransactionTimeout(Math.max(floor.millis(), millis / 2), Origin.LISTENERS));
    }

    /**
     * A producer's properties asking for it: {@code clientConfig} itself when it is the user's or Kafka's default,
     * else a copy with the listener's value.
     */
    Properties applyTo(Properties clientConfig) {
        if (origin == Origin.USERS || millis == TransactionalPublisher.DEFAULT_TRANSACTION_TIMEOUT_MS) {
            return clientConfig;
        }
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(millis));
        return p;
    }
}
