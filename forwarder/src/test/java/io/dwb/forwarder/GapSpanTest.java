package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.HeaderNames;
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

    /**
     * Only a record whose last {@code kind} header is exactly {@code gap} is one: its bytes compared, as its decoded
     * text was, however near another kind comes.
     */
    @Test
    void onlyTheGapKindIsTakenForAGap() {
        byte[] span = "{\"fromNano\":0,\"toNano\":10}".getBytes(StandardCharsets.UTF_8);
        assertThat(GapSpan.of(withKinds(span, "gap"))).contains(new GapSpan(0, 10));
        assertThat(GapSpan.of(withKinds(span, "event", "gap"))).as("the last kind header").isPresent();
        for (String kind : new String[] {"event", "heartbeat", "state", "GAP", "gap ", "ga", "gapp", "\uFEFFgap", "",
                "g\u00e1p"}) {
            assertThat(GapSpan.of(withKinds(span, kind))).as(kind).isEmpty();
        }
        assertThat(GapSpan.of(withKinds(span, "gap", "event"))).as("a kind before the last").isEmpty();
        assertThat(GapSpan.of(withKinds(span))).as("no kind").isEmpty();
        ConsumerRecord<byte[], byte[]> nullKind = withKinds(span);
        nullKind.headers().add(HeaderNames.KIND, null);
        assertThat(GapSpan.of(nullKind)).as("a kind without a value").isEmpty();
        byte[] overlong = {(byte) 0xC1, (byte) 0xA7, 'a', 'p'}; // 'g' written in two bytes: not UTF-8, not "gap"
        ConsumerRecord<byte[], byte[]> malformed = withKinds(span);
        malformed.headers().add(HeaderNames.KIND, overlong);
        assertThat(GapSpan.of(malformed)).as("an overlong g").isEmpty();
    }

    private static ConsumerRecord<byte[], byte[]> withKinds(byte[] value, String... kinds) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("events", 0, 0, null, value);
        for (String kind : kinds) {
            record.headers().add(HeaderNames.KIND, kind.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static ConsumerRecord<byte[], byte[]> consumed(ProducerRecord<byte[], byte[]> r) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(r.topic(), 0, 0, r.key(), r.value());
        r.headers().forEach(h -> record.headers().add(h));
        return record;
    }
}
