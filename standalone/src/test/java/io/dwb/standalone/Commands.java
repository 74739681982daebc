package io.dwb.standalone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
}
