package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dwb.schemas.EventIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * What a record refused for the events topic's settings comes to: the settings read again (a fake reader over a map
 * of them, as DescribeConfigs gives them), followed when they changed, kept when they did not or cannot be read, and
 * the words of each. The retries themselves are TransactionPumpTest's.
 */
class EventsTopicLimitsTest {
    private static final long NOW_MS = 1_800_000_000_000L;
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final HostIdentity HOST = new HostIdentity("limits-host", "0123456789abcdef0123456789abcdef");

    private final AtomicLong wallMillis = new AtomicLong(NOW_MS);
    private final Map<String, String> topic = new HashMap<>(Map.of(
            "message.timestamp.type", "CreateTime",
            "message.timestamp.before.max.ms", String.valueOf(Long.MAX_VALUE),
            "message.timestamp.after.max.ms", String.valueOf(HOUR),
            "retention.ms", "604800000",
            "max.message.bytes", "1048588"));
    private final TopicRecords records = new TopicRecords(HOST, "events", "checkpoints");

    private EventsTopic read() {
        return EventsTopic.of(new Config(topic.entrySet().stream().map(e -> new ConfigEntry(e.getKey(), e.getValue()))
                .toList()), wallMillis::get);
    }

    private EventsTopicLimits limits(EventsTopicLimits.Reader reader) {
        return new EventsTopicLimits(read(), reader, records,
                max -> TransactionalPublisher.maxEventBytes(new Properties(), max));
    }

    private static TransactionalPublisher.TopicRefused refusedTimestamp() {
        return (TransactionalPublisher.TopicRefused) commitFailure(new KafkaException("error state",
                new InvalidTimestampException("Timestamp 1 of message with offset 0 is out of range")));
    }

    /** An event two hours old: the record timestamp it is given. */
    private long stampOfAnEventTwoHoursOld() {
        long timeNano = (wallMillis.get() - 2 * HOUR) * 1_000_000L;
        EventIdentity identity = new EventIdentity(String.valueOf(timeNano), timeNano, "volume", "create", "v");
        return records.event(new CapturedEvent("{}".getBytes(StandardCharsets.UTF_8), identity,
                identity.id(HOST.id()), 0)).timestamp();
    }

    @Test
    void unchangedSettingsLeaveTheRefusalToThisHostsClock() {
        EventsTopicLimits limits = limits(this::read);

        EventsTopicLimits.Reread reread = limits.refused(refusedTimestamp());

        assertThat(reread.changed()).isFalse();
        assertThat(reread.message()).contains("fix the clock (NTP)")
                .contains("the events topic's settings, read again, are unchanged");
    }

    @Test
    void changedSettingsAreFollowedFromTheNextRecordAndNamedOldAndNew() {
        EventsTopicLimits limits = limits(this::read);
        assertThat(stampOfAnEventTwoHoursOld()).as("its own time").isEqualTo(wallMillis.get() - 2 * HOUR);
        topic.put("message.timestamp.before.max.ms", String.valueOf(HOUR));
        topic.put("max.message.bytes", "200000");

        EventsTopicLimits.Reread reread = limits.refused(refusedTimestamp());

        assertThat(reread.changed()).isTrue();
        assertThat(reread.message()).startsWith("the broker refused a record timestamp (Timestamp 1 of message with "
                        + "offset 0 is out of range): the events topic's settings changed since the listener read "
                        + "them: message.timestamp.before.max.ms 9223372036854775807 -> 3600000, max.message.bytes "
                        + "1048588 -> 200000; ")
                .doesNotContain("clock");
        assertThat(stampOfAnEventTwoHoursOld()).as("the publish time").isEqualTo(wallMillis.get());
        assertThat(limits.maxEventBytes()).isEqualTo(200_000 - 16 * 1024);
    }

    /** No answer in time, or no DescribeConfigs: the settings read before stay, and the clock is not blamed alone. */
    @Test
    void settingsThatCannotBeReadAgainAreKeptAndTheMessageSaysSo() {
        EventsTopicLimits limits = limits(() -> {
            throw new TransactionalPublisher.KafkaUnavailable("no answer within 30 s", null);
        });
        topic.put("message.timestamp.before.max.ms", String.valueOf(HOUR));

        EventsTopicLimits.Reread reread = limits.refused(refusedTimestamp());

        assertThat(reread.changed()).isFalse();
        assertThat(reread.message()).contains("fix the clock (NTP); unless the events topic's settings changed since "
                + "they were read: they could not be read again (no answer within 30 s), the ones read before are "
                + "kept");
        assertThat(stampOfAnEventTwoHoursOld()).as("still by the settings read before")
                .isEqualTo(wallMillis.get() - 2 * HOUR);
        assertThat(limits.current().settings()).containsEntry("message.timestamp.before.max.ms",
                String.valueOf(Long.MAX_VALUE));
    }

    /** The settings named in a change: those the records follow, in that order. */
    @Test
    void aChangeFromSettingsNotReadAtStartSaysSo() {
        EventsTopic defaults = EventsTopic.withDefaults(RecordTimestamps.eventTime());
        assertThat(read().changesFrom(defaults)).containsExactly(
                "message.timestamp.type (not read) -> CreateTime",
                "message.timestamp.before.max.ms (not read) -> 9223372036854775807",
                "message.timestamp.after.max.ms (not read) -> 3600000",
                "retention.ms (not read) -> 604800000",
                "max.message.bytes (not read) -> 1048588");
        assertThat(read().changesFrom(read())).isEmpty();
    }

    /** What the publisher throws for a commit that fails with {@code failure}. */
    private static RuntimeException commitFailure(RuntimeException failure) {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        TransactionalPublisher publisher = new TransactionalPublisher(producer, null, () -> 0L, 60_000);
        publisher.init();
        publisher.send(new ProducerRecord<>("events", "v".getBytes(StandardCharsets.UTF_8)));
        producer.commitTransactionException = failure;
        return (RuntimeException) catchThrowable(() -> publisher.commit(null));
    }
}
