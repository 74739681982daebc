package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --kafka-config} file read again while a process runs: other bytes are a change, whatever the file's size
 * and time say; a file that cannot be used is said, never thrown, and the same bytes are not offered twice.
 */
class KafkaConfigFileRereadTest {
    private static final String LOGIN = "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule "
            + "required username=\"dwb-listener\" password=\"%s\";\n";

    @TempDir
    Path dir;

    private Path write(String content) throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, content);
        return file;
    }

    private static String password(KafkaConfigFile.Reread reread) {
        return reread.properties().getProperty("sasl.jaas.config").replaceAll(".*password=\"([^\"]*)\".*", "$1");
    }

    @Test
    void aPasswordRotatedInTheFileIsReadAgainOnce() throws IOException {
        KafkaConfigFile file = new KafkaConfigFile("localhost:9092", write(LOGIN.formatted("first")));
        assertThat(file.load().getProperty("sasl.jaas.config")).contains("first");
        assertThat(file.reread().outcome()).isEqualTo(KafkaConfigFile.Outcome.UNCHANGED);

        write(LOGIN.formatted("second"));
        KafkaConfigFile.Reread reread = file.reread();

        assertThat(reread.outcome()).isEqualTo(KafkaConfigFile.Outcome.CHANGED);
        assertThat(password(reread)).isEqualTo("second");
        assertThat(reread.properties().getProperty("bootstrap.servers")).isEqualTo("localhost:9092");
        assertThat(file.reread().outcome()).as("read once").isEqualTo(KafkaConfigFile.Outcome.UNCHANGED);
    }

    /** A password of the same length written within the same second: size and time alone would miss it. */
    @Test
    void otherBytesOfTheSameSizeAndTimeAreAChange() throws IOException {
        Path path = write(LOGIN.formatted("aaaa"));
        FileTime time = FileTime.from(Instant.parse("2026-12-01T00:00:00Z"));
        Files.setLastModifiedTime(path, time);
        KafkaConfigFile file = new KafkaConfigFile(null, path);
        file.load();

        write(LOGIN.formatted("bbbb"));
        Files.setLastModifiedTime(path, time);

        assertThat(password(file.reread())).isEqualTo("bbbb");
    }

    /** A Kubernetes secret's update: a directory of links swapped, the file read through its link. */
    @Test
    void aFileRenamedOverTheOldOneIsReadAgain() throws IOException {
        Path path = write(LOGIN.formatted("first"));
        KafkaConfigFile file = new KafkaConfigFile(null, path);
        file.load();

        Path aside = Files.writeString(dir.resolve("client.properties.new"), LOGIN.formatted("second"));
        Files.move(aside, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        assertThat(password(file.reread())).isEqualTo("second");
    }

    @Test
    void theBootstrapServersOptionStillWins() throws IOException {
        KafkaConfigFile file = new KafkaConfigFile("kafka-1:9092", write("bootstrap.servers=a:9092\n"));
        file.load();
        write("bootstrap.servers=b:9092\nclient.id=x\n");
        assertThat(file.reread().properties().getProperty("bootstrap.servers")).isEqualTo("kafka-1:9092");
    }

    /**
     * A file gone (between an editor's delete and write), or not UTF-8 or with a malformed escape: said as unusable,
     * never thrown, so that a running process keeps what it read before; the same malformed bytes are said once, and
     * the file is read again once it is back.
     */
    @Test
    void aFileThatCannotBeUsedIsSaidNotThrownAndTheSameBytesOnlyOnce() throws IOException {
        Path path = write(LOGIN.formatted("first"));
        KafkaConfigFile file = new KafkaConfigFile(null, path);
        file.load();

        Files.delete(path);
        KafkaConfigFile.Reread gone = file.reread();
        assertThat(gone.outcome()).isEqualTo(KafkaConfigFile.Outcome.UNUSABLE);
        assertThat(gone.problem()).contains(path.toString());

        Files.write(path, "client.id=\\u00zz\n".getBytes(StandardCharsets.UTF_8));
        KafkaConfigFile.Reread malformed = file.reread();
        assertThat(malformed.outcome()).isEqualTo(KafkaConfigFile.Outcome.UNUSABLE);
        assertThat(malformed.problem()).contains("cannot read the Kafka client configuration").contains("Malformed");
        assertThat(file.reread().outcome()).isEqualTo(KafkaConfigFile.Outcome.UNCHANGED);

        Files.write(path, new byte[] {'a', '=', (byte) 0xff, '\n'});
        assertThat(file.reread().outcome()).as("not UTF-8").isEqualTo(KafkaConfigFile.Outcome.UNUSABLE);

        write(LOGIN.formatted("second"));
        assertThat(password(file.reread())).isEqualTo("second");
    }

    /** A FIFO put in its place would hold the caller in its read: not read. */
    @Test
    void aFifoInPlaceOfTheFileIsNotRead() throws Exception {
        Path path = write(LOGIN.formatted("first"));
        KafkaConfigFile file = new KafkaConfigFile(null, path);
        file.load();
        Files.delete(path);
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();

        assertThat(file.reread().problem()).contains("not a regular file");
    }

    /** At start, as before: a file that cannot be read is an error naming it. */
    @Test
    void atStartAFileThatCannotBeReadIsAConfigurationError() {
        KafkaConfigFile file = new KafkaConfigFile(null, dir.resolve("missing.properties"));
        assertThatThrownBy(file::load).isInstanceOf(ConfigurationError.class).hasMessageContaining("missing.properties");
    }

    @Test
    void withoutAFileNothingChanges() {
        KafkaConfigFile file = new KafkaConfigFile("kafka-1:9092", null);
        assertThat(file.load().getProperty("bootstrap.servers")).isEqualTo("kafka-1:9092");
        assertThat(file.reread().outcome()).isEqualTo(KafkaConfigFile.Outcome.UNCHANGED);
    }
}
