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

    /**
     * A codec whose native library cannot load (zstd's copy in a noexec /tmp) comes in a refusal's shape: Kafka's
     * decompression wraps the Error in a KafkaException, the fetch that one in another. The records are whole: taken
     * for a refusal, every batch the codec compresses was passed over as unreadable (the listener's lookup, its exit 2
     * naming the fix lost; the forwarder, dead-letters).
     */
    @Test
    void aCodecThatCannotLoadIsNotARefusal() {
        KafkaException zstd = new KafkaException("Received exception when fetching the next record from t-0. If "
                + "needed, please seek past the record to continue consumption.", new KafkaException(
                new ExceptionInInitializerError("Cannot unpack libzstd-jni-1.5.6-10: No space left on device")));
        assertThat(RefusedFetch.reason(zstd)).isEmpty();
        KafkaException again = new KafkaException("Received exception when fetching the next record from t-0.",
                new KafkaException(new NoClassDefFoundError("Could not initialize class com.github.luben.zstd.Zstd"
                        + "InputStreamNoFinalizer")));
        assertThat(RefusedFetch.reason(again)).isEmpty();
    }
}
