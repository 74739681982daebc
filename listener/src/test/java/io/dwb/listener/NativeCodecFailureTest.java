package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.ConfigurationError;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/**
 * A codec's native library that cannot load: a directory that does not allow exec is a configuration error (exit 2,
 * never restarted), a full one is not (exit 1: a restart loads it once there is room). Before, both were exit 2, and
 * a /tmp that filled up for a moment stopped the listener for good.
 */
class NativeCodecFailureTest {
    private static final Path TMP = Path.of("/tmp");
    private static final Path ZSTD_DIR = Path.of("/var/tmp/zstd");

    @Test
    void aCodecThatCannotLoadFromAFullDirectoryIsNotAConfigurationError() {
        Throwable zstd = new KafkaException(new ExceptionInInitializerError(
                "Cannot unpack libzstd-jni-1.5.6-10: No space left on device"));

        RuntimeException full = NativeCodecFailure.of(zstd, "the checkpoints topic c",
                Map.of("java.io.tmpdir", "/tmp")::get, dir -> dir.equals(TMP) ? 65_536 : -1);

        assertThat(full).isInstanceOf(NativeCodecFailure.TemporaryDirectoryFull.class)
                .hasMessageStartingWith("cannot decompress the records of the checkpoints topic c: ")
                .hasMessageContaining("a copy written to /tmp, which has 65536 bytes free: free space there")
                .hasMessageContaining("Cannot unpack libzstd-jni");
    }

    @Test
    void aCodecsOwnDirectoryIsTheOneLookedAt() {
        Throwable snappy = new UnsatisfiedLinkError("no snappyjava in java.library.path");
        Map<String, String> properties = Map.of("java.io.tmpdir", "/tmp", "ZstdTempFolder", ZSTD_DIR.toString());

        assertThat(NativeCodecFailure.of(snappy, "t", properties::get, dir -> dir.equals(ZSTD_DIR) ? 0 : 1L << 30))
                .isInstanceOf(NativeCodecFailure.TemporaryDirectoryFull.class).hasMessageContaining(ZSTD_DIR
                        + ", which has 0 bytes free");
        assertThat(NativeCodecFailure.of(snappy, "t", properties::get, dir -> 1L << 30))
                .as("room everywhere: exec is what it lacks").isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("must allow exec");
        assertThat(NativeCodecFailure.of(snappy, "t", properties::get, dir -> -1))
                .as("how full, not known").isInstanceOf(ConfigurationError.class);
        assertThat(NativeCodecFailure.of(new KafkaException("timeout"), "t", properties::get, dir -> 0))
                .as("not a codec's").isNull();
    }
}
