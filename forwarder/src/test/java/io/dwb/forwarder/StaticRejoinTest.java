package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.schemas.testing.LogLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code group.protocol=consumer} the group refuses a static member id still held by a member that did not leave
 * (UNRELEASED_INSTANCE_ID, fatal to Kafka's consumer, whose poll throws {@link UnreleasedInstanceIdException}): the
 * forwarder restarted after a SIGKILL waits for the dead member's session to end, a new consumer joining every
 * {@link StaticRejoin#WAIT}, and delivers once one joins; a forwarder refused for longer than any session by default
 * (another one runs with its id) ends with an error that says so. The consumers are the test's; each wait is the
 * fake clock's.
 */
class StaticRejoinTest {
    private static final String TOPIC = "events";
    private static final String GROUP = "wazuh-forwarder";
    private static final String INSTANCE = "wazuh-1-3fa2b1c9";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final long NOW_MS = 1_764_000_000_000L;

    private long now = 1_000_000_000_000L;
    /** Every consumer the loop polled, the first one (the forwarder's) included. */
    private final List<MockConsumer<byte[], byte[]>> made = new ArrayList<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    @RegisterExtension
    final LogLines logged = LogLines.of(StaticRejoin.class);

    @Test
    void aRestartWhoseDeadPredecessorStillHoldsTheInstanceIdWaitsForItsSessionToEndAndThenDelivers() {
        // The dead member's session ends 40 s after the restart: the first consumer and the next seven are refused.
        long sessionEnds = now + Duration.ofSeconds(40).toNanos();
        DeliveryLoop loop = loop(() -> now < sessionEnds ? refused() : made(new MockConsumer<>("earliest")),
                refused());
        loop.start();

        while (loop.consumer() instanceof Refusing) {
            assertThat(loop.runOnce()).as("live delivery never ends by itself").isFalse();
        }
        MockConsumer<byte[], byte[]> joined = made.get(made.size() - 1);
        assertThat(loop.consumer()).isSameAs(joined);
        joined.updateBeginningOffsets(Map.of(P0, 0L));
        joined.rebalance(List.of(P0));
        joined.addRecord(event(0, "after-the-restart"));
        joined.updateEndOffsets(Map.of(P0, 1L));
        for (int i = 0; i < 3; i++) {
            assertThat(loop.runOnce()).isFalse();
        }

        assertThat(received).as("delivered once a consumer joined").hasSize(1);
        assertThat(received.get(0)).contains("after-the-restart");
        assertThat(made).as("the refused consumers, then the one that joined").hasSize(9);
        assertThat(made.subList(0, 8)).as("each refused consumer closed").allMatch(MockConsumer::closed);
        assertThat(joined.closed()).isFalse();
        assertThat(joined.subscription()).containsExactly(TOPIC);
        assertThat(warnings()).as("said once, in an operator's words").singleElement().asString()
                .contains("group " + GROUP + " refuses instance id " + INSTANCE)
                .contains("the previous process with this --instance-id did not leave the group")
                .contains("session timeout (group.consumer.session.timeout.ms, 45 s by default)")
                .contains("joining again every 5 s");
        assertThat(logged.messages(Level.INFO)).as("and once it joined").anyMatch(m -> m.startsWith(
                "joined group " + GROUP + " as instance id " + INSTANCE + ", 40 s after it was first refused"));
    }

    @Test
    void aSecondForwarderWithTheSameInstanceIdEndsWithTheClearErrorOnceRefusedLongerThanASession() {
        long start = now;
        DeliveryLoop loop = loop(this::refused, refused()); // the other forwarder never leaves

        assertThatThrownBy(loop::run).isInstanceOf(IllegalStateException.class)
                .hasMessage("refused: group " + GROUP + " still gives instance id " + INSTANCE + " to another member "
                        + "after 120 s: another forwarder runs with the same instance id (or the group's session "
                        + "timeout is longer); give each forwarder its own --instance-id")
                .hasCauseInstanceOf(UnreleasedInstanceIdException.class);

        assertThat(Duration.ofNanos(now - start)).as("refused for longer than a session: 45 s, 60 s at most by "
                + "default").isEqualTo(StaticRejoin.BOUND);
        assertThat(made).as("a new consumer every 5 s meanwhile").hasSize(25);
        assertThat(made.subList(0, 24)).allMatch(MockConsumer::closed);
        assertThat(warnings()).hasSize(1);
        assertThat(received).isEmpty();
    }

    @Test
    void aRefusalLongAfterTheMemberJoinedIsWaitedOutAgainNotTakenForADuplicate() {
        // Refused once at the start, joined; an hour later fenced and refused again (its own old member, not yet
        // dropped): that refusal starts its own wait.
        MockConsumer<byte[], byte[]> first = refused();
        List<MockConsumer<byte[], byte[]>> next = new ArrayList<>(List.of(made(new MockConsumer<>("earliest")),
                made(new MockConsumer<>("earliest"))));
        DeliveryLoop loop = loop(() -> next.remove(0), first);
        loop.start();
        assertThat(loop.runOnce()).isFalse();
        MockConsumer<byte[], byte[]> joined = made.get(1);
        joined.rebalance(List.of());
        assertThat(loop.runOnce()).isFalse();

        now += Duration.ofHours(1).toNanos();
        joined.setPollException(unreleased());
        assertThat(loop.runOnce()).isFalse();

        assertThat(loop.consumer()).isSameAs(made.get(2));
        assertThat(joined.closed()).isTrue();
        assertThat(warnings()).as("each wait said").hasSize(2);
    }

    @Test
    void aStopWhileWaitingToJoinAgainEndsTheWaitAtOnce() throws Exception {
        CountDownLatch refusedOnce = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        MockConsumer<byte[], byte[]> first = new MockConsumer<>("earliest") {
            @Override
            public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                refusedOnce.countDown();
                throw unreleased();
            }
        };
        // The real wait (5 s) with the real clock: a stop ends it, and the loop, without another consumer.
        DeliveryLoop loop = loop(first, new StaticRejoin(GROUP, INSTANCE, () -> {
            throw new AssertionError("a consumer made after the stop");
        }, System::nanoTime));
        Thread thread = new Thread(() -> {
            try {
                loop.run();
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        thread.start();
        assertThat(refusedOnce.await(10, TimeUnit.SECONDS)).isTrue();
        long stopped = System.nanoTime();
        loop.stop();
        thread.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(thread.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(StaticRejoin.WAIT);
        assertThat(failed.get()).isNull();
        assertThat(loop.consumer()).as("the refused one, closed with the forwarder").isSameAs(first);
    }

    private List<String> warnings() {
        return logged.messages(Level.WARN);
    }

    /** A consumer whose member the group refuses: its poll throws, as Kafka's does once it is FATAL. */
    private MockConsumer<byte[], byte[]> refused() {
        return made(new Refusing());
    }

    private final class Refusing extends MockConsumer<byte[], byte[]> {
        Refusing() {
            super("earliest");
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            throw unreleased();
        }
    }

    private static UnreleasedInstanceIdException unreleased() {
        return new UnreleasedInstanceIdException("Static member m2 with instance id " + INSTANCE + " cannot join "
                + "the group because the instance id is owned by m1 member.");
    }

    private MockConsumer<byte[], byte[]> made(MockConsumer<byte[], byte[]> consumer) {
        made.add(consumer);
        return consumer;
    }

    /**
     * A loop polling {@code first}, whose group may refuse it: each next consumer is made after the wait, which the
     * fake clock takes.
     */
    private DeliveryLoop loop(Supplier<MockConsumer<byte[], byte[]>> next, MockConsumer<byte[], byte[]> first) {
        return loop(first, new StaticRejoin(GROUP, INSTANCE, next::get, () -> now, (stopped, nanos) -> {
            now += nanos;
            return false;
        }));
    }

    private DeliveryLoop loop(MockConsumer<byte[], byte[]> first, StaticRejoin rejoin) {
        AlertPipeline pipeline = TestRecords.livePipeline(TOPIC, received, metrics, NOW_MS, () -> now);
        return new DeliveryLoop(first, pipeline, metrics,
                new Feed.Live(TOPIC, new LiveStart(Duration.ZERO, () -> NOW_MS, OffsetReset.EARLIEST,
                        new WatchHandover(Duration.ofMinutes(2), () -> NOW_MS)),
                        TestRecords.NO_OPEN_TRANSACTIONS, rejoin),
                Duration.ofSeconds(1), 1000, new PollBudget(DeliveryOptions.DEFAULT_MAX_PENDING_BYTES),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Forwarder.METADATA_MAX_AGE,
                TestRecords.unreadableSearch(), KafkaClientThreads.none(), () -> now);
    }

    private static ConsumerRecord<byte[], byte[]> event(long offset, String name) {
        ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-a", "a".repeat(32),
                TestRecords.containerEvent(name, (NOW_MS - 1_000L) * 1_000_000L));
        return new ConsumerRecord<>(TOPIC, 0, offset, NOW_MS - 1_000L, TimestampType.CREATE_TIME,
                produced.key().length, produced.value().length, produced.key(), produced.value(),
                new RecordHeaders(produced.headers().toArray()), Optional.empty());
    }
}
