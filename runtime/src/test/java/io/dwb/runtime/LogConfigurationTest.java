package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dwb.schemas.testing.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/**
 * The logging LogConfiguration sets up from the environment (DWB_LOG_FORMAT, DWB_LOG_LEVEL, DWB_KAFKA_LOG_LEVEL), each
 * case in a process of its own: logging is set up once a JVM.
 */
class LogConfigurationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonGivesOneObjectALineTheFailureIncluded() throws Exception {
        String output = run(Map.of("DWB_LOG_FORMAT", "json"), 1);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.strip().split("\\r?\\n")) { // a JSON string may hold U+2028 as it is
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

    /**
     * Under systemd (the units), standard error is the journal, which JOURNAL_STREAM names: each line starts with its
     * syslog priority, which journald takes and strips. Without it every line was at information ({@code journalctl
     * -p warning} showed none). A JOURNAL_STREAM inherited by a process whose standard error is elsewhere adds none.
     */
    @Test
    void inSystemdsJournalEachLineStartsWithItsPriority(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path journal = java.nio.file.Files.createFile(dir.resolve("journal"));
        String stream = java.nio.file.Files.getAttribute(journal, "unix:dev") + ":"
                + java.nio.file.Files.getAttribute(journal, "unix:ino");
        for (String named : List.of(stream, "1:2")) {
            java.nio.file.Files.writeString(journal, "");
            ProcessBuilder builder = new ProcessBuilder(JavaProcess.command(Failing.class, List.of("-Xmx64m"),
                    List.of())).redirectErrorStream(true).redirectOutput(journal.toFile());
            builder.environment().put("JOURNAL_STREAM", named);
            Process process = builder.start();
            assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            List<String> lines = lines(java.nio.file.Files.readString(journal));
            if (named.equals(stream)) {
                assertThat(lines).anyMatch(l -> l.startsWith("<6>") && l.contains(" INFO ")
                        && l.contains("starting with"));
                assertThat(lines).anyMatch(l -> l.startsWith("<4>") && l.contains(" WARN ") && l.endsWith("careful"));
                assertThat(lines).anyMatch(l -> l.startsWith("<3>") && l.contains(" ERROR ")
                        && l.contains("a record could not be read"));
                assertThat(lines).last().isEqualTo("<3>error: the engine is away");
            } else {
                assertThat(lines).as("standard error elsewhere").noneMatch(l -> l.startsWith("<"));
                assertThat(lines).last().isEqualTo("error: the engine is away");
            }
        }
        // The line of a start refused before logging is set up (the unit's only line then: exit 2, not restarted).
        java.nio.file.Files.writeString(journal, "");
        ProcessBuilder builder = new ProcessBuilder(JavaProcess.command(Failing.class, List.of("-Xmx64m"), List.of()))
                .redirectErrorStream(true).redirectOutput(journal.toFile());
        builder.environment().put("JOURNAL_STREAM", stream);
        builder.environment().put("DWB_LOG_FORMAT", "xml");
        Process process = builder.start();
        assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(lines(java.nio.file.Files.readString(journal))).last().asString().startsWith("<3>error: ");
    }

    @Test
    void textIsTheDefaultWithThePlainErrorLine() throws Exception {
        String output = run(Map.of(), 1);
        assertThat(output).contains(" INFO ").contains("starting with \"quotes\"");
        assertThat(lines(output)).last().isEqualTo("error: the engine is away");
    }

    @Test
    void aMessageQuotingALineBreakOrAnEscapeStaysOneLine() throws Exception {
        String output = run(Map.of(), 1);
        assertThat(lines(output)).filteredOn(l -> l.contains("a command"))
                .containsExactly(lines(output).stream().filter(l -> l.contains(" WARN ") && l.contains("a command"))
                        .findFirst().orElseThrow());
        assertThat(output).contains("a command 'x\\n2026-01-01T00:00:00.000Z ERROR [main] Forwarder - forged"
                + "\\u001b[2J\\u2028'").doesNotContain("\n2026-01-01").doesNotContain("\u001b");
    }

    @Test
    void aMessageQuotingCharactersThatReorderOrHideTextShowsThemEscaped() throws Exception {
        String output = run(Map.of(), 1);
        assertThat(output).contains("a label '\\u202eexe.txt\\u200b\\udb40\\udc41 é \ud83d\ude00'")
                .doesNotContain("\u202e").doesNotContain("\u200b").doesNotContain("\udb40\udc41");
    }

    /**
     * A service's JVM has no locale (systemd gives none unless told: Java 17 then takes US-ASCII for its default
     * charset, here forced by {@code file.encoding}): the text log is UTF-8 all the same. It was written in the default
     * charset, and a container's name or label with an accent or an emoji reached the journal as {@code ?}.
     */
    @Test
    void textIsUtf8WhateverTheJvmsDefaultCharset() throws Exception {
        try (JavaProcess p = JavaProcess.start(Failing.class, List.of("-Dfile.encoding=US-ASCII"), Map.of(),
                List.of())) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isEqualTo(1);
            assertThat(p.output()).contains(" é \ud83d\ude00'");
        }
        try (JavaProcess p = JavaProcess.start(FailingOnAName.class, List.of("-Dfile.encoding=US-ASCII"), Map.of(),
                List.of())) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isEqualTo(1);
            assertThat(p.output()).contains("error: no container café");
        }
    }

    /** A process whose one error line names what someone chose, an accent in it. */
    @Command(name = "sample")
    public static final class FailingOnAName implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("no container café");
        }

        public static void main(String[] args) {
            Launcher.run("sample", new FailingOnAName(), args);
        }
    }

    @Test
    void aStackTraceQuotingALineBreakKeepsItsMessagesOnTheirLines() throws Exception {
        String output = run(Map.of(), 1);
        assertThat(output).contains("java.io.IOException: a parser quoting 'x\\n2026-01-01T00:00:00.000Z ERROR "
                + "[main] Forwarder - forged\\u2028'")
                .contains("Caused by: java.lang.IllegalArgumentException: a cause quoting 'y\\r\\nforged too'")
                .contains("\tat io.dwb.runtime.LogConfigurationTest$Failing.call")
                .doesNotContain("\n2026-01-01").doesNotContain("\nforged too");
    }

    @Test
    void anUnknownFormatIsAConfigurationError() throws Exception {
        String output = run(Map.of("DWB_LOG_FORMAT", "xml"), 2);
        assertThat(lines(output)).contains("error: DWB_LOG_FORMAT must be text or json, not 'xml'");
    }

    @Test
    void theLevelVariablesSetTheBridgesLevelAndKafkasApart() throws Exception {
        String warn = run(Map.of("DWB_LOG_LEVEL", "warn"), 1);
        assertThat(warn).doesNotContain("starting with").contains("WARN  [main] sample - careful")
                .contains("kafka says this at WARN");
        assertThat(run(Map.of(), 1)).as("Kafka's level is WARN by default")
                .doesNotContain("kafka says this at INFO").contains("kafka says this at WARN");
        assertThat(run(Map.of("DWB_KAFKA_LOG_LEVEL", "INFO"), 1)).contains("kafka says this at INFO")
                .as("asked for, every reconnection").contains("could not be established");
        assertThat(run(Map.of(), 1)).as("not each reconnection (a line a second for each client) by default")
                .doesNotContain("could not be established")
                .as("nor a late offsets answer, at every listener start (KAFKA-20449)")
                .doesNotContain("Not updating high watermark");
        assertThat(run(Map.of("DWB_KAFKA_LOG_LEVEL", "WARN"), 1)).contains("Not updating high watermark");
        assertThat(run(Map.of("DWB_LOG_LEVEL", "no-such-level"), 1)).as("an unknown level is INFO")
                .contains("starting with").doesNotContain("DEBUG");
    }

    @Test
    void aLogbackConfigurationFileReplacesItAll(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("logback.xml");
        Files.writeString(file, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>from the file: %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        try (JavaProcess p = JavaProcess.start(Failing.class, List.of("-Dlogback.configurationFile=" + file),
                Map.of("DWB_LOG_FORMAT", "json"), List.of())) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isEqualTo(1);
            assertThat(p.output()).contains("from the file: starting with");
        }
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
            LoggerFactory.getLogger("sample").warn("careful");
            LoggerFactory.getLogger("sample").warn("a command '{}'",
                    "x\n2026-01-01T00:00:00.000Z ERROR [main] Forwarder - forged\u001b[2J\u2028");
            // A name that a terminal shows reversed ("exe.txt" for "txt.exe"), a zero-width space, a hidden tag
            // character; the text around them, an emoji (a pair too) and accents stay as they are.
            LoggerFactory.getLogger("sample").warn("a label '{}'", "\u202eexe.txt\u200b\udb40\udc41 é \ud83d\ude00");
            LoggerFactory.getLogger("sample").error("a record could not be read", new java.io.IOException(
                    "a parser quoting 'x\n2026-01-01T00:00:00.000Z ERROR [main] Forwarder - forged\u2028'",
                    new IllegalArgumentException("a cause quoting 'y\r\nforged too'")));
            LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").info("kafka says this at INFO");
            LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").warn("kafka says this at WARN");
            LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").warn("[Producer clientId={}] Connection "
                    + "to node {} ({}) could not be established. Node may not be available.", "p", -1, "k/1.2.3.4:9");
            LoggerFactory.getLogger("org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils").warn(
                    "Not updating high watermark for partition {} as it is no longer assigned", "checkpoints-2");
            throw new IllegalStateException("the engine is away");
        }

        public static void main(String[] args) {
            Launcher.run("sample", new Failing(), args);
        }
    }
}
