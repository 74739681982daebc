package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.HeaderNames;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * What Wazuh hears of dead letters: the first of a partition, reason and record kind at once, then one alert a minute
 * at most while more come, counting them; a gap apart from the events around it.
 */
class DeadLetterNoticesTest {
    private static final long S = 1_000_000_000L;
    private final DeadLetterNotices notices = new DeadLetterNotices();
    private long now = 1_000 * S;

    @Test
    void theFirstLetterIsSaidAtTheNextLookAndTheNextOnesOnceAMinuteCounted() {
        notices.written(record(0, 10, "event", "web-1"), DeadLetterReason.NOT_JSON);
        assertThat(notices.due(now, false)).containsExactly(new DeadLetterNotices.Notice("docker-events", 0,
                DeadLetterReason.NOT_JSON, "event", 10, new HostRef("web-1", "ID-web-1"), 1));
        for (int i = 11; i < 1_011; i++) {
            notices.written(record(0, i, "event", "web-1"), DeadLetterReason.NOT_JSON);
            now += S / 20;
            assertThat(notices.due(now, false)).as("within the minute").isEmpty();
        }
        now += 10 * S;
        assertThat(notices.due(now, false)).singleElement().satisfies(n -> {
            assertThat(n.records()).isEqualTo(1_000);
            assertThat(n.firstOffset()).isEqualTo(11);
        });
        now += DeadLetterNotices.EVERY_NANOS;
        assertThat(notices.due(now, false)).as("nothing more written").isEmpty();
        notices.written(record(0, 2_000, "event", "web-1"), DeadLetterReason.NOT_JSON);
        assertThat(notices.due(now, false)).as("a minute after the last alert").singleElement()
                .satisfies(n -> assertThat(n.records()).isOne());
    }

    /** A gap dead-lettered among events of the same reason is said on its own: Wazuh raises it at level 10. */
    @Test
    void eachPartitionReasonAndRecordKindIsSaidApart() {
        notices.written(record(0, 1, "event", "web-1"), DeadLetterReason.NEWER_CONTRACT);
        notices.written(record(0, 2, "gap", "web-1"), DeadLetterReason.NEWER_CONTRACT);
        notices.written(record(1, 3, "event", "web-2"), DeadLetterReason.NEWER_CONTRACT);
        notices.written(record(0, 4, "event", "web-1"), DeadLetterReason.NOT_JSON);
        notices.written(record(0, 5, "no-such-kind", "web-1"), DeadLetterReason.UNKNOWN_KIND);
        assertThat(notices.due(now, false)).extracting(DeadLetterNotices.Notice::partition,
                DeadLetterNotices.Notice::reason, DeadLetterNotices.Notice::recordKind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, DeadLetterReason.NEWER_CONTRACT, "event"),
                org.assertj.core.groups.Tuple.tuple(0, DeadLetterReason.NEWER_CONTRACT, "gap"),
                org.assertj.core.groups.Tuple.tuple(1, DeadLetterReason.NEWER_CONTRACT, "event"),
                org.assertj.core.groups.Tuple.tuple(0, DeadLetterReason.NOT_JSON, "event"),
                org.assertj.core.groups.Tuple.tuple(0, DeadLetterReason.UNKNOWN_KIND, "unknown"));
    }

    /**
     * A gap is said for its own host: each names a host whose events may be lost. A writer of forged host ids makes
     * no more keys than {@link DeadLetterNotices#MAX_KEYS}: the gaps beyond count together.
     */
    @Test
    void gapsAreSaidHostByHostUpToABound() {
        int hosts = DeadLetterNotices.MAX_KEYS + 100;
        for (int h = 0; h < hosts; h++) {
            notices.written(record(0, h, "gap", "forged-" + h), DeadLetterReason.NEWER_CONTRACT);
        }
        List<DeadLetterNotices.Notice> due = notices.due(now, false);
        assertThat(due).hasSize(DeadLetterNotices.MAX_KEYS + 1);
        assertThat(due.get(0).host().name()).isEqualTo("forged-0");
        assertThat(due.get(DeadLetterNotices.MAX_KEYS).records()).isEqualTo(100);
        assertThat(due.get(DeadLetterNotices.MAX_KEYS).host()).as("gaps of many hosts: none named for all")
                .isEqualTo(HostRef.UNKNOWN);
        assertThat(due).extracting(DeadLetterNotices.Notice::records).containsOnly(1L, 100L);
    }

    /** A host header too long to be any host's is no host of the alert (the letter's reason, say). */
    @Test
    void aHostHeaderNoHostHasIsLeftOut() {
        notices.written(record(0, 1, "event", "h".repeat(HeaderNames.MAX_HOST_BYTES + 1)),
                DeadLetterReason.INVALID_HOST);
        notices.written(record(1, 2, "event", "h".repeat(HeaderNames.MAX_HOST_BYTES + 1)),
                DeadLetterReason.NOT_JSON);
        notices.written(record(2, 3, "event", "web-3"), DeadLetterReason.HOST_MISMATCH);
        List<DeadLetterNotices.Notice> due = notices.due(now, false);
        assertThat(due).extracting(DeadLetterNotices.Notice::host).containsOnly(HostRef.UNKNOWN).hasSize(3);
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset, String kind, String host) {
        RecordHeaders headers = new RecordHeaders();
        if (!kind.equals("event")) {
            headers.add(HeaderNames.KIND, HeaderNames.utf8(kind));
        }
        headers.add(HeaderNames.HOST, HeaderNames.utf8(host));
        headers.add(HeaderNames.HOST_ID, HeaderNames.utf8("ID-" + host));
        return new ConsumerRecord<>("docker-events", partition, offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                new byte[0], new byte[0], headers, Optional.empty());
    }
}
