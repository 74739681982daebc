package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dwb.schemas.testing.JavaProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** DWB_LOG_FORMAT, in a process of its own (logging is set up once a JVM, from the environment). */
class LogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonGivesOneObjectALineTheFailureIncluded() throws Exception {
        String output = run(Map.of("DWB_LOG_FORMAT", "json"), 1);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.strip().split("\\R")) {
            lines.add(JSON.readTree(line)); // throws for a line that is not JSON
        }
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.path("level").asText()).isEqualTo("INFO");
            assertThat(l.path("formattedMessage").asText()).isEqualTo("starting with \"quotes\"\tand a tab");
        });
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.path("level").asText()).isEqualTo("ERROR");
            assertThat(l.path("formattedMessage").asText()).isEqualTo("the engine is away");
        });
    }

    @Test
    void textIsTheDefaultWithThePlainErrorLine() throws Exception {
        String output = run(Map.of(), 1);
        assertThat(output).contains(" INFO ").contains("starting with \"quotes\"");
        assertThat(lines(output)).last().isEqualTo("error: the engine is away");
    }

    @Test
    void anUnknownFormatIsAConfigurationError() throws Exception {
        String output = run(Map.of("DWB_LOG_FORMAT", "xml"), 2);
        assertThat(lines(output)).contains("error: DWB_LOG_FORMAT must be text or json, not 'xml'");
    }

    private static String run(Map<String, String> env, int expectedExit) throws Exception {
        try (JavaProcess p = JavaProcess.start(Failing.class, env)) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isEqualTo(expectedExit);
            return p.output();
        }
    }

    private static List<String> lines(String output) {
        return Arrays.asList(output.strip().split("\\R"));
    }

    /** A process that logs a line and fails, as the listener does when the engine is away. */
    @Command(name = "sample")
    public static final class Failing implements Callable<Integer> {
        @Override
        public Integer call() {
            LoggerFactory.getLogger("sample").info("starting with \"quotes\"\tand a tab");
            throw new IllegalStateException("the engine is away");
        }

        public static void main(String[] args) {
            Launcher.run("sample", new Failing(), args);
        }
    }
}
