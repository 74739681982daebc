package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.StandIn;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * What a replay takes for a gap's span: only what a listener writes. Any writer of the topic may label a record a gap,
 * and a replay reads the span of every such record it meets outside its window.
 */
class GapSpanTest {

    @Test
    void aListenersGapGivesItsSpan() {
        assertThat(GapSpan.of(consumed(ReplayLoopTest.gap(10, 3600))))
                .contains(new GapSpan(ReplayLoopTest.seconds(10), ReplayLoopTest.seconds(3600)));
    }

    /** A value over the contract's limit is the classifier's to refuse: not parsed (1 MiB took 32 MB and 20 ms). */
    @Test
    void aGapLabelledValueOverTheContractsLimitIsNotParsed() {
        byte[] huge = new byte[StandIn.MAX_VALUE_BYTES + 1];
        Arrays.fill(huge, (byte) ' ');
        byte[] span = "{\"fromNano\":0,\"toNano\":10}".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(span, 0, huge, 0, span.length);
        assertThat(GapSpan.of(consumed(TestRecords.bridge("events", "host-g", "g".repeat(32), "gap", huge, 0L))))
                .isEmpty();
    }

    /** A span no listener writes (reversed, or before the epoch) would overlap any wide window: taken by its date. */
    @Test
    void aReversedOrNegativeSpanIsNoSpan() {
        for (String value : new String[] {"{\"fromNano\":20,\"toNano\":10}", "{\"fromNano\":-5,\"toNano\":10}"}) {
            assertThat(GapSpan.of(consumed(TestRecords.bridge("events", "host-g", "g".repeat(32), "gap",
                    value.getBytes(StandardCharsets.UTF_8), 0L)))).as(value).isEmpty();
        }
    }

    private static ConsumerRecord<byte[], byte[]> consumed(ProducerRecord<byte[], byte[]> r) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(r.topic(), 0, 0, r.key(), r.value());
        r.headers().forEach(h -> record.headers().add(h));
        return record;
    }
}
