package io.dwb.runtime;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code --check}: each check of a process's configuration and of what it needs (the engine, Kafka, its topics and
 * permissions, Wazuh's socket) runs once, in order, and prints one line on standard output: {@code ok    <what>:
 * <found>} or {@code FAIL  <what>: <why>}. The exit code is 0 when every check passed, 1 otherwise. Nothing is
 * created, written or fenced.
 */
public final class Preflight {
    /** A named check: returns what it found, throws (any exception, with a message for people) when it fails. */
    public record Check(String name, Callable<String> body) {}

    private Preflight() {}

    public static Check check(String name, Callable<String> body) {
        return new Check(name, body);
    }

    /** Runs {@code checks} in order, every one of them, and returns the exit code. */
    public static int run(List<Check> checks, PrintStream out) {
        boolean failed = false;
        for (Check check : checks) {
            try {
                out.println("ok    " + check.name() + ": " + check.body().call());
            } catch (Exception e) {
                failed = true;
                out.println("FAIL  " + check.name() + ": " + message(e));
            }
        }
        out.flush();
        return failed ? Launcher.EXIT_FAILURE : Launcher.EXIT_OK;
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " ");
    }
}
