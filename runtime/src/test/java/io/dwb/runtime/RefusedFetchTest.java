package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Kafka's consumer says a refused fetch by the shape of its exception only (CorruptBatchTest shows it for real). */
class RefusedFetchTest {

    @Test
    void aCorruptBatchAndARecordThatDoesNotParseAreRefusals() {
        KafkaException crc = new KafkaException("Received exception when fetching the next record from t-0. If needed, "
                + "please seek past the record to continue consumption.", new KafkaException("Record batch for "
                + "partition t-0 at offset 3 is invalid, cause: Record is corrupt (stored crc = 1, computed crc = 2)"));
        assertThat(RefusedFetch.reason(crc)).contains("Record batch for partition t-0 at offset 3 is invalid, cause: "
                + "Record is corrupt (stored crc = 1, computed crc = 2)");
        KafkaException parse = new KafkaException("Received exception when fetching the next record from t-0.",
                new InvalidRecordException("Found invalid number of record headers -1"));
        assertThat(RefusedFetch.reason(parse)).contains("Found invalid number of record headers -1");
    }

    @Test
    void otherFailuresOfAPollAreNot() {
        assertThat(RefusedFetch.reason(new TopicAuthorizationException("not authorized"))).isEmpty();
        assertThat(RefusedFetch.reason(new KafkaException("no cause"))).isEmpty();
        assertThat(RefusedFetch.reason(new KafkaException("a user callback", new IllegalStateException("x")))).isEmpty();
        assertThat(RefusedFetch.reason(new org.apache.kafka.common.errors.RecordTooLargeException("wrapped", new KafkaException("x")))).isEmpty();
        assertThat(RefusedFetch.reason(new IllegalStateException("x", new KafkaException("x")))).isEmpty();
    }
}
