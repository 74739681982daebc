package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dwb.listener.TransactionalPublisher.Fenced;
import io.dwb.listener.TransactionalPublisher.KafkaUnavailable;
import io.dwb.listener.TransactionalPublisher.TransactionTimedOut;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * How a failed commit is told apart (Kafka's MockProducer, a fake clock): a timed-out transaction resumes, a fence
 * exits. The process-level tests are TransactionTimeoutTest and TwoListenersTest.
 */
class TransactionalPublisherFailureTest {
    private static final long TIMEOUT_MS = 60_000;

    /** The commit's failure after a transaction open for {@code open}. */
    private static RuntimeException commitFailure(RuntimeException failure, Duration open) {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        AtomicLong clock = new AtomicLong(1_000);
        TransactionalPublisher publisher = new TransactionalPublisher(producer, null, clock::get, TIMEOUT_MS);
        publisher.init();
        publisher.send(new ProducerRecord<>("events", "v".getBytes(StandardCharsets.UTF_8)));
        clock.addAndGet(open.toNanos());
        producer.commitTransactionException = failure;
        return (RuntimeException) catchThrowable(() -> publisher.commit(null));
    }

    @Test
    void anOldTransactionTimedOut() {
        for (RuntimeException failure : new RuntimeException[] {new InvalidProducerEpochException("old epoch"),
                new ProducerFencedException("fenced"), new InvalidTxnStateException("invalid state"),
                new KafkaException("in an error state", new InvalidProducerEpochException("old epoch"))}) {
            RuntimeException e = commitFailure(failure, Duration.ofSeconds(61));
            assertThat(e).as(failure.toString()).isInstanceOf(TransactionTimedOut.class)
                    .isInstanceOf(KafkaUnavailable.class)
                    .hasMessageContaining("open 61 s, longer than transaction.timeout.ms (60000 ms)");
        }
    }

    /**
     * A commit whose wait ran out (max.block.ms) while the broker was taking its records says how many it took, so
     * that the next transactions can be smaller (TransactionBudget); a timed-out transaction says so too; any other
     * failure says nothing of the kind.
     */
    @Test
    void aTransactionThatRanOutOfTimeSaysHowManyOfItsRecordsTheBrokerTook() {
        RuntimeException waitRanOut = commitFailure(new TimeoutException("commit took too long"),
                Duration.ofSeconds(30));
        RuntimeException aborted = commitFailure(new InvalidProducerEpochException("old epoch"),
                Duration.ofSeconds(61));
        RuntimeException other = commitFailure(new KafkaException("broken"), Duration.ofSeconds(1));

        assertThat(((KafkaUnavailable) waitRanOut).outOfTime())
                .isEqualTo(new TransactionalPublisher.Progress(1, 1, false));
        assertThat(((KafkaUnavailable) aborted).outOfTime())
                .isEqualTo(new TransactionalPublisher.Progress(1, 1, true));
        assertThat(((KafkaUnavailable) other).outOfTime()).isNull();
    }

    /**
     * A host suspended with the transaction open: the monotonic clock stood still, the wall clock (and the broker's)
     * went on past the timeout, and the broker aborted it. Before, it was taken for a fence and the listener exited,
     * blaming another listener.
     */
    @Test
    void aTransactionOpenAcrossASuspendTimedOut() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        AtomicLong monotonic = new AtomicLong(1_000);
        AtomicLong wall = new AtomicLong(1_800_000_000_000_000_000L);
        TransactionalPublisher publisher = new TransactionalPublisher(producer, null, monotonic::get, wall::get,
                TIMEOUT_MS);
        publisher.init();
        publisher.send(new ProducerRecord<>("events", "v".getBytes(StandardCharsets.UTF_8)));
        monotonic.addAndGet(Duration.ofSeconds(1).toNanos());
        wall.addAndGet(Duration.ofMinutes(10).toNanos());
        producer.commitTransactionException = new ProducerFencedException("fenced");

        assertThat(catchThrowable(() -> publisher.commit(null))).isInstanceOf(TransactionTimedOut.class)
                .hasMessageContaining("open 600 s");
    }

    /**
     * The producer's own words for a transaction it cannot go on with ("in an error state") hide why: an ACL revoked,
     * a topic deleted. The line a person reads names the cause too.
     */
    @Test
    void aFailureInTheProducersErrorStateNamesItsCause() {
        RuntimeException e = commitFailure(new KafkaException("Cannot execute transactional method because we are in "
                + "an error state", new org.apache.kafka.common.errors.TopicAuthorizationException(
                "Not authorized to access topics: [events]")), Duration.ofSeconds(1));
        assertThat(e).isInstanceOf(KafkaUnavailable.class).hasMessage("Kafka transaction failed: Cannot execute "
                + "transactional method because we are in an error state (TopicAuthorizationException: Not "
                + "authorized to access topics: [events])");
    }

    /**
     * A young transaction fenced is refused for either reason, as an invalid state is: another listener, or the
     * coordinator's own abort by a clock ahead of the one that began it (a broker's clock stepped forward 60 s made
     * every listener it coordinates exit 1 at once, "machines cloned").
     */
    @Test
    void aYoungTransactionFencedIsRefusedForEitherReason() {
        assertThat(commitFailure(new ProducerFencedException("fenced"), Duration.ofSeconds(5)))
                .isInstanceOf(TransactionalPublisher.EpochRefused.class).isInstanceOf(KafkaUnavailable.class)
                .hasMessageStartingWith("Kafka fenced this listener's producer in a transaction open 5 s (fenced): "
                        + "either another listener of this engine took over its transactional id, or the "
                        + "transaction's coordinator aborted it as timed out by a clock ahead");
        assertThat(commitFailure(new InvalidProducerEpochException("old"), Duration.ofSeconds(59)))
                .isInstanceOf(TransactionalPublisher.EpochRefused.class);
    }

    @Test
    void anInvalidStateOfAYoungTransactionIsRefusedForEitherReason() {
        // What a newer producer's initTransactions does to an open transaction at its commit, and a broker's own abort
        RuntimeException e = commitFailure(new InvalidTxnStateException("invalid state"), Duration.ofSeconds(1));
        assertThat(e).isInstanceOf(TransactionalPublisher.EpochRefused.class).isInstanceOf(KafkaUnavailable.class)
                .hasMessageContaining("another listener of this engine took over its transactional id, or the "
                        + "broker aborted the transaction itself");
        assertThat(commitFailure(new KafkaException("fatal", new InvalidTxnStateException("invalid state")),
                Duration.ofSeconds(1))).isInstanceOf(TransactionalPublisher.EpochRefused.class);
    }

    @Test
    void otherFailuresAreKafkaUnavailable() {
        RuntimeException e = commitFailure(new TimeoutException("no answer"), Duration.ofMinutes(5));
        assertThat(e).isExactlyInstanceOf(KafkaUnavailable.class).hasMessageContaining("no answer");
    }

    /**
     * A record refused for the events topic's settings (its timestamp, its size) is told apart, so that the capture
     * loop reads them again before the next attempt (EventsTopicLimits); a timestamp's refusal names the clock until
     * then, the one thing left if the settings did not change.
     */
    @Test
    void aRecordRefusedForTheTopicsSettingsIsToldApart() {
        RuntimeException refused = commitFailure(new KafkaException("error state",
                new InvalidTimestampException("timestamp out of range")), Duration.ofSeconds(1));
        assertThat(refused).isInstanceOf(TransactionalPublisher.TopicRefused.class)
                .isInstanceOf(KafkaUnavailable.class)
                .hasMessageContaining("the broker refused a record timestamp (timestamp out of range)")
                .hasMessageContaining("fix the clock");
        assertThat(((TransactionalPublisher.TopicRefused) refused).bound())
                .isEqualTo(TransactionalPublisher.TopicRefused.Bound.TIMESTAMP);
        RuntimeException tooLarge = commitFailure(new KafkaException("error state",
                new RecordTooLargeException("larger than the server will accept")), Duration.ofSeconds(1));
        assertThat(tooLarge).isInstanceOf(TransactionalPublisher.TopicRefused.class)
                .hasMessageContaining("larger than the events topic takes (larger than the server will accept)");
        assertThat(((TransactionalPublisher.TopicRefused) tooLarge).bound())
                .isEqualTo(TransactionalPublisher.TopicRefused.Bound.SIZE);
    }

    /**
     * A transaction timeout the brokers refuse (their transaction.max.timeout.ms below it): a Kafka failure the
     * capture loop decides about (the listener's default stepped down, a user's value an error at start, retried once
     * the transactional id was taken), in the broker's words with the setting named, not a configuration error thrown
     * from here: every producer after a failure goes through init, and one refused mid-run was exit 2 for good. Kafka
     * 4.2's producer gives the broker's error as its words only, without the exception.
     */
    @Test
    void aTransactionTimeoutTheBrokersRefuseIsAFailureForTheLoopToDecide() {
        for (RuntimeException refusal : new RuntimeException[] {new InvalidTxnTimeoutException("The transaction "
                + "timeout is larger than the maximum value allowed by the broker (as configured by "
                + "transaction.max.timeout.ms)."), new KafkaException("Unexpected error in InitProducerIdResponse; "
                + Errors.INVALID_TRANSACTION_TIMEOUT.message())}) {
            MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer());
            producer.initTransactionException = refusal;
            TransactionalPublisher publisher = new TransactionalPublisher(producer, null, () -> 0, TIMEOUT_MS);

            assertThat(catchThrowable(publisher::init)).as(refusal.toString()).isInstanceOf(KafkaUnavailable.class)
                    .hasMessageContaining("transaction.timeout.ms=60000 ms")
                    .hasMessageContaining(Errors.INVALID_TRANSACTION_TIMEOUT.message());
        }
    }
}
