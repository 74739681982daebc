package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.ConfigurationError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
                Map.of("java.io.tmpdir", "/tmp")::get, dir -> dir.equals(TMP) ? 65_536 : -1, dir -> false);

        assertThat(full).isInstanceOf(NativeCodecFailure.TemporaryDirectoryFull.class)
                .hasMessageStartingWith("cannot decompress the records of the checkpoints topic c: ")
                .hasMessageContaining("a copy written to /tmp, which has 65536 bytes free: free space there")
                .hasMessageContaining("Cannot unpack libzstd-jni");
    }

    /**
     * A small noexec tmpfs (a container's {@code --tmpfs /tmp:size=8m}: Docker's tmpfs is noexec) has little free
     * without being full: exec is what it lacks, and a restart would not mend it (a review found the first version
     * restarting such a listener every 10 s for ever, saying "free space there").
     */
    @Test
    void aDirectoryThatForbidsExecIsAConfigurationErrorHoweverLittleItHasFree() {
        Throwable snappy = new UnsatisfiedLinkError("failed to map segment from shared object");
        assertThat(NativeCodecFailure.of(snappy, "t", Map.of("java.io.tmpdir", "/tmp")::get, dir -> 1_000,
                dir -> dir.equals(TMP))).isInstanceOf(ConfigurationError.class).hasMessageContaining("must allow exec");
    }

    @Test
    void theMountOfAPathIsTheLongestMountPointAboveItsRealPathTheLastListed(@TempDir Path dir) throws Exception {
        Path inside = Files.createDirectories(dir.resolve("a b/c"));
        String escaped = dir.resolve("a b").toString().replace(" ", "\\040");
        Path mountinfo = Files.writeString(dir.resolve("mountinfo"), String.join("\n",
                "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
                "40 22 0:40 / " + escaped + " rw,nosuid,nodev,relatime - tmpfs tmpfs rw,size=8192k",
                "41 22 0:41 / " + escaped + " rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=8192k",
                "42 22 0:42 / " + dir.resolve("a") + " rw,noexec - tmpfs tmpfs rw", ""));

        assertThat(MountOptions.of(mountinfo, inside)).contains("noexec", "nosuid").doesNotContain("ro");
        assertThat(MountOptions.of(mountinfo, dir)).containsExactlyInAnyOrder("rw", "relatime");
        assertThat(MountOptions.of(dir.resolve("none"), inside)).as("unreadable: nothing said").isEmpty();
    }

    @Test
    void aCodecsOwnDirectoryIsTheOneLookedAt() {
        Throwable snappy = new UnsatisfiedLinkError("no snappyjava in java.library.path");
        Map<String, String> properties = Map.of("java.io.tmpdir", "/tmp", "ZstdTempFolder", ZSTD_DIR.toString());

        assertThat(NativeCodecFailure.of(snappy, "t", properties::get, dir -> dir.equals(ZSTD_DIR) ? 0 : 1L << 30,
                dir -> false))
                .isInstanceOf(NativeCodecFailure.TemporaryDirectoryFull.class).hasMessageContaining(ZSTD_DIR
                        + ", which has 0 bytes free");
        assertThat(NativeCodecFailure.of(snappy, "t", properties::get, dir -> 1L << 30, dir -> false))
                .as("room everywhere: exec is what it lacks").isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("must allow exec");
        assertThat(NativeCodecFailure.of(snappy, "t", properties::get, dir -> -1, dir -> false))
                .as("how full, not known").isInstanceOf(ConfigurationError.class);
        assertThat(NativeCodecFailure.of(new KafkaException("timeout"), "t", properties::get, dir -> 0,
                dir -> false))
                .as("not a codec's").isNull();
    }
}
