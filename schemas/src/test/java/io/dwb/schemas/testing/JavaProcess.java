package io.dwb.schemas.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class of this project run as a separate JVM, on the test's own class path (its directories as jars, with a
 * class archive, once {@link ChildClassArchive} has written them), so tests can SIGTERM or SIGKILL it for real. Output
 * goes to files (read with {@link #output()}), so a chatty process never blocks.
 */
public final class JavaProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private JavaProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static JavaProcess start(Class<?> mainClass, Map<String, String> env, String... args) throws IOException {
        return start(mainClass, env, List.of(args));
    }

    public static JavaProcess start(Class<?> mainClass, Map<String, String> env, List<String> args)
            throws IOException {
        List<String> flags = new ArrayList<>(List.of("-Xmx256m"));
        flags.addAll(TestJvmFlags.list()); // the test JVM's JIT and collector: less CPU than the defaults
        return start(mainClass, flags, env, args);
    }

    /** @param jvmOptions the JVM's flags, e.g. the launcher's heap ({@link #launcherFlags}) */
    public static JavaProcess start(Class<?> mainClass, List<String> jvmOptions, Map<String, String> env,
                                    List<String> args) throws IOException {
        List<String> command = command(mainClass, jvmOptions, args);
        Path log = Files.createTempFile("dwb-" + mainClass.getSimpleName() + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return new JavaProcess(builder.start(), log);
    }

    /** The command line {@link #start} runs, for a test that runs it otherwise (in a shell's pipeline, say). */
    public static List<String> command(Class<?> mainClass, List<String> jvmOptions, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ChildClassArchive.Launch launch = ChildClassArchive.launch();
        command.addAll(launch.flags()); // before the test's own: its -Xshare:off would win
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(launch.classPath());
        command.add(mainClass.getName());
        command.addAll(args);
        return command;
    }

    /**
     * The JVM flags bin/listener or bin/forwarder run a module with: its {@code <module>/src/main/jvm/jvm.options},
     * read by bin/support/launch.sh's {@code jvm_options}, so a test runs with the heap users get.
     *
     * @param module {@code listener} or {@code forwarder}
     */
    public static List<String> launcherFlags(String module) throws IOException {
        return List.of(launchSh("jvm_options", module).split("\\s+"));
    }

    /**
     * The environment the launchers add: glibc's malloc settings of {@code deploy/malloc.env}, printed by
     * bin/support/launch.sh's {@code malloc_env}, so a test's process takes the native memory users' processes do.
     */
    public static Map<String, String> launcherEnv() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : launchSh("malloc_env", "").split("\n")) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return env;
    }

    /** What a function of bin/support/launch.sh prints (not empty), or an IOException saying why not. */
    private static String launchSh(String function, String argument) throws IOException {
        Path launch = Path.of("..", "bin", "support", "launch.sh").toAbsolutePath().normalize();
        Process bash = new ProcessBuilder("bash", "-c", ". \"$0\" && " + function + " \"$1\"", launch.toString(),
                argument).redirectErrorStream(true).start();
        String out = new String(bash.getInputStream().readAllBytes()).strip();
        try {
            if (bash.waitFor() != 0 || out.isEmpty()) {
                throw new IOException("nothing from " + function + " " + argument + " of " + launch + ": " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + launch, e);
        }
        return out;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Standard output and standard error so far, interleaved. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    /** The last {@code chars} characters of {@link #output()}: what a failure message can carry. */
    public String outputTail(int chars) {
        String all = output();
        return all.length() <= chars ? all : "..." + all.substring(all.length() - chars);
    }

    /** SIGTERM, then the exit code; fails if the process has not exited within {@code timeout}. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return waitFor(timeout);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + "; output:\n" + output());
        }
        return process.exitValue();
    }

    public File logFile() {
        return log.toFile();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
