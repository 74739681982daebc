package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fails once the broker runs, writing client.properties included (a full disk, a read-only directory), closes
 * the broker: before, that write's failure escaped EmbeddedKafka.start with the broker running and never closed.
 * The helper EmbeddedKafka.start runs its last steps in, with a stand-in broker (EmbeddedKafkaTest runs the real one).
 */
class EmbeddedKafkaStartFailureTest {
    @TempDir
    Path dir;

    private final List<String> happened = new CopyOnWriteArrayList<>();

    @Test
    void clientPropertiesThatCannotBeWrittenCloseTheBroker() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("data"), "a file"); // unwritable for root too
        assertThatThrownBy(() -> EmbeddedKafka.closedOnFailure(() -> happened.add("broker closed"),
                () -> PrivateFiles.write(notADirectory.resolve(EmbeddedKafka.CLIENT_PROPERTIES), "bootstrap...")))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("cannot write ");
        assertThat(happened).containsExactly("broker closed");
    }

    @Test
    void aFailureToCloseIsAddedToTheStartsOwn() {
        IllegalStateException start = new IllegalStateException("did not become ready");
        assertThatThrownBy(() -> EmbeddedKafka.closedOnFailure(() -> {
            throw new IllegalStateException("shutdown failed");
        }, () -> {
            throw start;
        })).isSameAs(start);
        assertThat(start.getSuppressed()).extracting(Throwable::getMessage).containsExactly("shutdown failed");
    }

    @Test
    void aStartThatSucceedsLeavesTheBrokerRunning() {
        EmbeddedKafka.closedOnFailure(() -> happened.add("broker closed"), () -> happened.add("ready"));
        assertThat(happened).containsExactly("ready");
    }
}
