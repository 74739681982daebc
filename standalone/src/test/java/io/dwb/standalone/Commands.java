package io.dwb.standalone;

import io.dwb.runtime.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** External commands (docker compose, docker) run by the deployment tests, with their output kept for failures. */
final class Commands {
    private Commands() {
    }

    static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    /** Runs a command; its output, or an AssertionError with the output when it fails or takes too long. */
    static String run(List<String> command, Map<String, String> env, Duration timeout) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Path out = Files.createTempFile("dwb-compose-", ".out");
        try {
            Process process = builder.redirectOutput(out.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " still running after " + timeout + ":\n"
                        + Files.readString(out));
            }
            String output = Files.readString(out);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ":\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static void runQuietly(List<String> command, Map<String, String> env) {
        try {
            run(command, env, Duration.ofMinutes(2));
        } catch (Exception | AssertionError e) {
            System.err.println("cleanup: " + e.getMessage());
        }
    }

    /**
     * "exit code: standard error" of the standalone's command (its {@code EmbeddedKafka}, a real broker, in this JVM).
     * Its engine probe passes, and the engine it names is nowhere: a start that went on fails at the engine, never
     * reaching one.
     */
    static String standalone(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            StandaloneCommand command = new StandaloneCommand(UnaryOperator.identity(), handler -> { },
                    settings -> { }, EmbeddedKafka::start);
            int code = Launcher.execute("standalone", command, args,
                    Map.of("DWB_DOCKER_HOST", "unix:///nonexistent/docker.sock", "DWB_ATTEMPTS", "1"));
            return code + ": " + err.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(saved);
        }
    }
}
