package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/** The deserializers' rules, unit layer; {@code LargeRecordsTest} shows them keeping a real forwarder alive. */
class PollBudgetTest {
    private static final int KB = 1024;
    private final PollBudget budget = new PollBudget(100 * KB);
    private final Deserializer<byte[]> keys = budget.keys();
    private final Deserializer<byte[]> values = budget.values();

    @Test
    void recordsWithinTheAllowanceAreCopiedWholeAndCountedAsTheLoopCountsThem() {
        budget.open(0);
        Headers headers = headers();
        ConsumerRecord<byte[], byte[]> record = poll(headers, "host-1", 30 * KB);
        assertThat(budget.deferred(record)).isFalse();
        assertThat(record.value()).hasSize(30 * KB).containsOnly((byte) 'x');
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("host-1");
        assertThat(record.headers().lastHeader("host").value()).isEqualTo("h".getBytes(StandardCharsets.UTF_8));

        // The loop now holds it: a second poll may bring the bound less what this record counts for.
        long held = PollBudget.size(record);
        budget.open(held);
        long room = 100 * KB - held - PollBudget.RECORD_OVERHEAD_BYTES - "host-1".length() - headerBytes();
        assertThat(budget.deferred(poll(headers(), "host-1", (int) room))).as("exactly the rest").isFalse();
        assertThat(budget.deferred(poll(headers(), "host-1", 0))).as("nothing left").isTrue();
    }

    @Test
    void pastTheAllowanceARecordAndEveryOneAfterItInThePollAreDeferredWithoutTheirHeaders() {
        budget.open(0);
        assertThat(budget.deferred(poll(headers(), "host-1", 60 * KB))).isFalse();
        Headers dropped = headers();
        ConsumerRecord<byte[], byte[]> over = poll(dropped, "host-1", 60 * KB);
        assertThat(budget.deferred(over)).isTrue();
        assertThat(over.value()).isEmpty();
        assertThat(dropped.toArray()).as("views of the record's buffer: dropped with it").isEmpty();
        assertThat(budget.deferred(poll(headers(), "host-1", 10)))
                .as("a small one after it: deferred too, so a partition's order is kept").isTrue();

        budget.open(0);
        assertThat(budget.deferred(poll(headers(), "host-1", 10))).as("the next poll starts afresh").isFalse();
    }

    @Test
    void aRecordLargerThanTheBoundIsTakenAloneWhenNothingIsHeld() {
        budget.open(0);
        assertThat(budget.deferred(poll(headers(), "host-1", 300 * KB))).isFalse();
        assertThat(budget.deferred(poll(headers(), "host-1", 10))).isTrue();

        budget.open(1);
        assertThat(budget.deferred(poll(headers(), "host-1", 300 * KB)))
                .as("something held: it waits until that is delivered").isTrue();
    }

    @Test
    void aKeyPastTheAllowanceDefersItsRecordBeforeItsValueIsRead() {
        budget.open(1);
        ConsumerRecord<byte[], byte[]> record = poll(headers(), "k".repeat(200 * KB), 10);
        assertThat(record.key()).isEmpty();
        assertThat(budget.deferred(record)).isTrue();
    }

    /** As the consumer does: one headers object, the key's deserializer first, then the value's. */
    private ConsumerRecord<byte[], byte[]> poll(Headers headers, String key, int valueBytes) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        byte[] k = keys.deserialize("t", headers, ByteBuffer.wrap(keyBytes));
        byte[] v = values.deserialize("t", headers, ByteBuffer.wrap("x".repeat(valueBytes).getBytes(
                StandardCharsets.UTF_8)));
        return new ConsumerRecord<>("t", 0, 0, 0, TimestampType.CREATE_TIME, keyBytes.length, valueBytes, k, v,
                headers, Optional.empty());
    }

    private static Headers headers() {
        return new RecordHeaders().add("host", "h".getBytes(StandardCharsets.UTF_8))
                .add("kind", "event".getBytes(StandardCharsets.UTF_8));
    }

    private static int headerBytes() {
        return "host".length() + 1 + "kind".length() + "event".length();
    }
}
