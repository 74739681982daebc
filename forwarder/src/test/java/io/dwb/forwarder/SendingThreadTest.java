package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sending thread, unit layer: a real thread writing to a sink that takes, refuses or holds each datagram as the
 * test says (the acceptance tests run it against a real socket through the forwarder). What it must never do: count
 * a datagram written before the sink took it, reorder, drop a held one, or retry a held one unasked.
 */
class SendingThreadTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final GatedSink sink = new GatedSink();
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final MockProducer<byte[], byte[]> deadLetters = new MockProducer<>(true, null,
            new ByteArraySerializer(), new ByteArraySerializer());
    private SendingThread sending;

    @AfterEach
    void close() {
        sink.gate.release(1_000);
        if (sending != null) {
            sending.close();
        }
    }

    @Test
    void countsAsWrittenOnlyWhatTheSinkTookInTheOrderSubmitted() throws Exception {
        start();
        sink.gate.release(2); // the sink takes two, then the third write waits in the socket
        for (String name : List.of("a", "b", "c", "d", "e")) {
            sending.submit(outgoing(name));
        }
        // As the delivery loop does after a run of submits. Without it the writer woke only if it had not yet gone
        // idle when they came (a CI run saw it idle first: nothing written in 10 s).
        sending.flush();

        assertThat(sending.submitted()).isEqualTo(5);
        await().atMost(WAIT).until(() -> sending.written() == 2);
        assertThat(sending.awaitWritten(Duration.ofMillis(100))).as("the third is still in the sink's hands")
                .isFalse();
        assertThat(sending.written()).isEqualTo(2);

        sink.gate.release(3);
        assertThat(sending.awaitWritten(WAIT)).isTrue();
        assertThat(sending.written()).isEqualTo(5);
        assertThat(sink.taken).containsExactly("a", "b", "c", "d", "e");
        assertThat(metrics.sentTotal()).isEqualTo(5);
    }

    /**
     * Closed (the forwarder's stop closes it before its consumer, whose close runs the revocation and its wait), it
     * writes nothing more: a wait for what it holds returned only when the wait was over, 2 s of every such stop
     * (within the wodle's 8 s) for a thread that was gone.
     */
    @Test
    void aWaitForWhatAClosedThreadHeldReturnsAtOnce() throws Exception {
        start();
        for (String name : List.of("a", "b", "c")) {
            sending.submit(outgoing(name)); // not flushed yet: the writer still idle
        }
        sending.close();

        boolean written = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(WAIT,
                () -> sending.awaitWritten(Duration.ofMinutes(5)));
        assertThat(written).as("three not written").isFalse();
        assertThat(sending.written()).isZero();
    }

    @Test
    void aRefusedDatagramIsHeldWithThoseBehindItAndTriedAgainOnlyWhenTheLoopAsks() throws Exception {
        start();
        sink.refuse = name -> true;
        sink.gate.release(1_000);
        sending.submit(outgoing("a"));
        sending.submit(outgoing("b"));
        sending.flush();

        assertThat(sending.awaitWritten(WAIT)).as("held: not waited for").isFalse();
        assertThatThrownBy(() -> sending.submit(outgoing("c"))).isInstanceOf(Outbox.Refused.class)
                .hasMessageContaining("socket missing");
        int attempts = sink.attempts;
        assertThatThrownBy(sending::retryHeld).isInstanceOf(Outbox.Refused.class);
        assertThat(sink.attempts).as("one attempt for one retry asked").isEqualTo(attempts + 1);
        assertThat(sending.written()).isZero();

        sink.refuse = name -> false;
        assertThat(sending.retryHeld()).as("held, and went through").isTrue();
        assertThat(sending.awaitWritten(WAIT)).isTrue();
        assertThat(sink.taken).as("c was refused, never taken").containsExactly("a", "b");
        assertThat(sending.written()).isEqualTo(2);
        assertThat(sending.retryHeld()).as("nothing held any more").isFalse();
    }

    /**
     * A retry Wazuh answers after the loop stopped waiting for it (a restarted, slow Wazuh; a dead letter's
     * acknowledgement) is on its way: a revocation's commit waits for it as for any write. Before, the wait ended at
     * once, the commit counted none of it written, and the retry then wrote the partition's datagrams, which its new
     * owner delivered again.
     */
    @Test
    void aRetryOnItsWayIsWaitedForAsAnyWrite() throws Exception {
        start();
        sink.refuse = name -> true;
        sending.submit(outgoing("a"));
        sending.submit(outgoing("b"));
        sending.flush();
        assertThat(sending.awaitWritten(WAIT)).as("held: not waited for").isFalse();
        int attempts = sink.attempts;

        sink.refuse = name -> false; // back, and slow: the retry waits in the sink's hands
        assertThatThrownBy(sending::retryHeld).as("no answer within the retry's wait").isInstanceOf(
                Outbox.Refused.class);
        await().atMost(WAIT).until(() -> sink.attempts == attempts + 1);
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> sink.gate.release(2));

        assertThat(sending.awaitWritten(WAIT)).as("the retry's answer, and those behind it").isTrue();
        assertThat(sending.written()).isEqualTo(2);
        assertThat(sink.taken).containsExactly("a", "b");
    }

    @Test
    void aDatagramTheSocketRefusesForWhatItIsIsDeadLetteredBeforeItCountsAsWritten() throws Exception {
        start();
        sink.reject = name -> name.equals("too-long");
        sink.gate.release(1_000);
        sending.submit(outgoing("a"));
        sending.submit(outgoing("too-long"));
        sending.submit(outgoing("b"));

        assertThat(sending.awaitWritten(WAIT)).isTrue();
        assertThat(sink.taken).containsExactly("a", "b");
        assertThat(deadLetters.history()).hasSize(1);
        ProducerRecord<byte[], byte[]> letter = deadLetters.history().get(0);
        assertThat(HeaderNames.read(letter.headers(), HeaderNames.ERROR_REASON))
                .isEqualTo(DeadLetterReason.REJECTED.code());
        assertThat(HeaderNames.read(letter.headers(), HeaderNames.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(metrics.deadLetteredTotal()).isEqualTo(1);
    }

    /**
     * A datagram the socket refused for what it is, whose letter the dead-letter topic refuses until a person acts
     * (WRITE taken away), is held as for a refusing socket, for the loop's pause to say it; written once the letter
     * is. It stopped the writer, and the forwarder with it.
     */
    @Test
    void aDeadLetterTopicRefusingUntilAPersonActsHoldsTheDatagramUntilItTakesTheLetter() throws Exception {
        MockProducer<byte[], byte[]> refusing = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        sending = SendingThread.start(new DatagramWriter(sink, new AlertPipeline.Mode.Live(
                new DeadLetterQueue("events-dlq", new Properties(), refusing, System::currentTimeMillis),
                new SilentHostWatch()), metrics,
                System::currentTimeMillis));
        sink.reject = name -> name.equals("too-long");
        sink.gate.release(1_000);
        sending.submit(outgoing("too-long"));
        sending.flush();
        await().atMost(WAIT).until(() -> !refusing.history().isEmpty());
        refusing.errorNext(new TopicAuthorizationException("not allowed"));

        assertThat(sending.awaitWritten(WAIT)).isFalse();
        assertThatThrownBy(() -> sending.submit(outgoing("b"))).isInstanceOfSatisfying(Outbox.Refused.class, e -> {
            assertThat(e.refusal().cause()).isEqualTo(Refusal.Other.DEAD_LETTER_WRITE_DENIED);
            assertThat(e.refusal().forGood()).isTrue();
            assertThat(e).hasMessageContaining("not allowed to write to the dead-letter topic events-dlq")
                    .hasMessageContaining("grant the forwarder's principal WRITE on it");
        });
        assertThat(sending.written()).isZero();

        assertThatThrownBy(sending::retryHeld).as("its letter sent again, not answered yet")
                .isInstanceOf(Outbox.Refused.class);
        await().atMost(WAIT).until(() -> refusing.history().size() == 2);
        refusing.completeNext(); // WRITE granted again
        await().atMost(WAIT).until(() -> sending.written() == 1);
        assertThat(sink.attempts).as("the retry sent its letter, not the datagram again").isEqualTo(1);
        sending.submit(outgoing("b"));
        assertThat(sending.awaitWritten(WAIT)).isTrue();
        assertThat(sink.taken).containsExactly("b");
        assertThat(metrics.deadLetteredTotal()).isEqualTo(1);
        assertThat(metrics.socketErrorsTotal()).as("one refusal, counted once").isEqualTo(1);
    }

    @Test
    void aSubmitToAFullQueueWaitsForRoom() throws Exception {
        start();
        for (int i = 0; i < SendingThread.CAPACITY; i++) {
            sending.submit(outgoing("e" + i));
        }
        CompletableFuture<Void> oneMore = CompletableFuture.runAsync(() -> {
            try {
                sending.submit(outgoing("last"));
            } catch (Outbox.Refused e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(WAIT).until(() -> sink.attempts > 0); // the first write waits at the gate
        assertThat(oneMore).as("no room: waiting").isNotDone();

        sink.gate.release(SendingThread.CAPACITY + 1);
        oneMore.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(sending.awaitWritten(WAIT)).isTrue();
        assertThat(sink.taken).hasSize(SendingThread.CAPACITY + 1).endsWith("last");
    }

    @Test
    void datagramsOfPartitionsGivenUpAreNotWrittenAndCountAsWrittenInTheirTurn() throws Exception {
        start();
        sink.refuse = name -> true; // Wazuh down during a rebalance
        sink.gate.release(1_000);
        for (String name : List.of("a0", "b0", "a1", "b1")) {
            sending.submit(outgoing(name, name.startsWith("a") ? 0 : 1));
        }
        sending.flush();
        assertThat(sending.awaitWritten(WAIT)).as("a0 held").isFalse();

        assertThat(sending.withdraw(List.of(0)).unwritten()).as("a0 (held) and a1").hasSize(2);
        await().atMost(WAIT).until(() -> sending.written() == 1); // a0 passed over, counted
        assertThat(sending.awaitWritten(WAIT)).as("b0 tried and held").isFalse();
        assertThat(sink.attempts).as("a0 not tried again").isEqualTo(2);

        sink.refuse = name -> false;
        assertThat(sending.retryHeld()).isTrue();
        sending.submit(outgoing("a2", 0)); // partition 0 assigned again: its new datagrams are written
        assertThat(sending.awaitWritten(WAIT)).isTrue();
        assertThat(sink.taken).containsExactly("b0", "b1", "a2");
        assertThat(sending.written()).isEqualTo(5).isEqualTo(sending.submitted());
        assertThat(metrics.sentTotal()).isEqualTo(3);
    }

    @Test
    void aDatagramOnItsWayToTheSinkWhenItsPartitionIsGivenUpIsWritten() throws Exception {
        start();
        sending.submit(outgoing("a0", 0));
        sending.submit(outgoing("a1", 0));
        sending.flush();
        await().atMost(WAIT).until(() -> sink.attempts > 0); // a0 waits at the gate, in the sink's hands

        Outbox.Withdrawn withdrawn = sending.withdraw(List.of(0));
        assertThat(withdrawn.unwritten()).hasSize(1);
        assertThat(withdrawn.onItsWay()).as("a0, written if the sink takes it").isNotNull();
        sink.gate.release(1_000);
        assertThat(sending.awaitWritten(WAIT)).isTrue();
        assertThat(sink.taken).containsExactly("a0");
        assertThat(sending.written()).isEqualTo(2);
    }

    private void start() {
        sending = SendingThread.start(new DatagramWriter(sink, new AlertPipeline.Mode.Live(
                new DeadLetterQueue("events-dlq", new Properties(), deadLetters, System::currentTimeMillis),
                new SilentHostWatch()), metrics,
                System::currentTimeMillis));
    }

    private long offset;

    private Outbox.Outgoing outgoing(String name) {
        return outgoing(name, 0);
    }

    private Outbox.Outgoing outgoing(String name, int partition) {
        byte[] value = name.getBytes(StandardCharsets.UTF_8);
        return new Outbox.Outgoing(value, AlertKind.Engine.EVENT, new ConsumerRecord<>("events", partition, offset++,
                System.currentTimeMillis(), TimestampType.CREATE_TIME, 0, value.length, new byte[0], value,
                new RecordHeaders(), Optional.empty()), null);
    }

    /** Takes a datagram only when the test lets one through the gate; refuses or rejects as the test says. */
    private static final class GatedSink implements AlertSink {
        final Semaphore gate = new Semaphore(0);
        final List<String> taken = new CopyOnWriteArrayList<>();
        volatile int attempts;
        volatile Predicate<String> refuse = name -> false;
        volatile Predicate<String> reject = name -> false;

        @Override
        public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
            attempts++;
            String name = new String(datagram, StandardCharsets.UTF_8);
            if (refuse.test(name)) {
                throw new SinkUnavailableException(SendFailure.MISSING, "socket missing: test");
            }
            if (reject.test(name)) {
                throw new SinkRejectedException("message too long");
            }
            try {
                gate.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkUnavailableException(Refusal.Other.INTERRUPTED, "interrupted");
            }
            taken.add(name);
        }

        @Override
        public void close() {
        }
    }
}
