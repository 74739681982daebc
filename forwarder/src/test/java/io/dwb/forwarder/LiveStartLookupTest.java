package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.KafkaClientThreads;
import io.dwb.schemas.testing.LogLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * A new group's partition (no committed offset) starts past its records older than {@code --max-live-age}, even when
 * Kafka could not answer where that is at its assignment. The consumer's own {@code auto.offset.reset} is none (the
 * forwarder's), as a real forwarder's is; the broker's answers are the test's.
 */
class LiveStartLookupTest {
    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final long NOW_MS = 1_764_000_000_000L;
    private static final long HOUR_MS = 3_600_000L;

    private final long now = 1_000_000_000_000L;
    private boolean lookupFails = true;
    private final List<ConsumerRecord<byte[], byte[]>> log = new ArrayList<>();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none") {
        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions,
                                                                             Duration timeout) {
            if (lookupFails) { // a broker too busy to answer within the timeout, once
                lookupFails = false;
                throw new TimeoutException("Timeout of 30000ms expired before the last committed offset for "
                        + "partitions " + partitions + " could be determined");
            }
            return super.committed(partitions, timeout);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                                   Duration timeout) {
            Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
            times.forEach((tp, time) -> log.stream().filter(r -> r.timestamp() >= time).findFirst()
                    .ifPresent(r -> found.put(tp, new OffsetAndTimestamp(r.offset(), r.timestamp()))));
            return found;
        }
    };
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final ForwarderMetrics metrics = new ForwarderMetrics();

    @Test
    void aFreshPartitionWhoseStartCouldNotBeLookedUpIsLookedUpAgainNotDeliveredFromItsOldestRecord() {
        DeliveryLoop loop = loop();
        loop.start();
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.rebalance(List.of(P0)); // the lookup fails here
        for (int i = 0; i < 5; i++) { // three events of three hours ago, two of a minute ago
            long time = (i < 3 ? NOW_MS - 3 * HOUR_MS : NOW_MS - 60_000L) + i;
            ConsumerRecord<byte[], byte[]> record = event(i, i < 3 ? "old-" + i : "new-" + i, time);
            log.add(record);
            consumer.addRecord(record);
        }
        consumer.updateEndOffsets(Map.of(P0, 5L));

        for (int i = 0; i < 3; i++) {
            assertThat(loop.runOnce()).isFalse();
        }
        assertThat(received).as(String.join("\n", received)).hasSize(3);
        assertThat(received.get(0)).as("what was skipped, said first").contains("history-skipped");
        assertThat(received.subList(1, 3)).as("then only the records within --max-live-age")
                .allSatisfy(datagram -> assertThat(datagram).contains("new-"))
                .noneSatisfy(datagram -> assertThat(datagram).contains("old-"));
    }

    /**
     * The line said at each poll while the starts cannot be looked up (the offsets topic's partition without a leader)
     * named every partition, and so did Kafka's exception it quoted: some 11 KB for 600 partitions, about every 30 s.
     * It names ten, in order, and how many more, and quotes 300 characters of the exception.
     */
    @Test
    void aLookupThatFailsForManyPartitionsNamesTenOfThemAndCountsTheRest() {
        try (LogLines lines = LogLines.of(LiveStart.class).attach()) {
            DeliveryLoop loop = loop();
            loop.start();
            List<TopicPartition> many = new ArrayList<>();
            Map<TopicPartition, Long> beginnings = new HashMap<>();
            for (int p = 0; p < 600; p++) {
                many.add(new TopicPartition(TOPIC, p));
                beginnings.put(new TopicPartition(TOPIC, p), 0L);
            }
            consumer.updateBeginningOffsets(beginnings);
            consumer.rebalance(many); // the lookup fails here

            assertThat(lines.messages("could not look up where")).singleElement().asString()
                    .startsWith("could not look up where events-0, events-1, events-2, events-3, events-4, events-5, "
                            + "events-6, events-7, events-8, events-9 and 590 more start: they wait")
                    .hasSizeLessThan(700);
        }
    }

    private DeliveryLoop loop() {
        AlertPipeline pipeline = TestRecords.livePipeline(TOPIC, received, metrics, NOW_MS, () -> now);
        return new DeliveryLoop(consumer, pipeline, metrics,
                new Feed.Live(TOPIC, new LiveStart(Duration.ofHours(1), () -> NOW_MS, OffsetReset.EARLIEST,
                        new WatchHandover(Duration.ofMinutes(2), () -> NOW_MS)),
                        TestRecords.NO_OPEN_TRANSACTIONS, TestRecords.neverRefused()),
                Duration.ofSeconds(1), 1000, new PollBudget(DeliveryOptions.DEFAULT_MAX_PENDING_BYTES),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Forwarder.METADATA_MAX_AGE,
                TestRecords.unreadableSearch(), KafkaClientThreads.none(), () -> now);
    }

    private static ConsumerRecord<byte[], byte[]> event(long offset, String name, long timeMs) {
        ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-a", "a".repeat(32),
                TestRecords.containerEvent(name, timeMs * 1_000_000L));
        return new ConsumerRecord<>(TOPIC, 0, offset, timeMs, TimestampType.CREATE_TIME, produced.key().length,
                produced.value().length, produced.key(), produced.value(),
                new RecordHeaders(produced.headers().toArray()), Optional.empty());
    }
}
