package io.dwb.schemas.testing;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A class-data-sharing archive for the processes a test JVM starts ({@link JavaProcess}), as the launchers give one to
 * users' processes: the classes of the module's class list ({@code src/main/jvm/<module>.classlist}: the listener's,
 * the standalone's) parsed and verified once, then mapped at each start, about a third less CPU a listener start
 * (0.55 s of 1.4 s to its engine connection here). The tests start over a hundred listeners, and the run is bound by
 * its two cores. JDK 17 archives classes from jars only, so the test class path's directories ({@code target/classes},
 * {@code target/test-classes}) are made jars first, once per test JVM, under {@code target/child-class-archive/<pid>}.
 *
 * <p>It is written on a thread of its own at the test JVM's {@link #WRITTEN_AT}th start: a JVM that starts a few
 * processes does not pay for it (the dump costs 5 s of CPU for the listener's list, 10 s for the standalone's, whose
 * three forks start about twenty processes in all). The processes started before it is written, or when it cannot be
 * (no class list, a dump that fails, said on standard error), run from the test class path as before, and a process
 * whose jar changed since (a build during the run) runs without it, silently. Nothing a process does depends on it
 * but its CPU.
 */
final class ChildClassArchive {
    /** What children start with: the class path, and the flags that map the archive (none until it is written). */
    record Launch(String classPath, List<String> flags) {}

    /** The start that has it written: the listener's test JVM starts about 140 processes, each standalone fork 7. */
    static final int WRITTEN_AT = 10;
    private static final ChildClassArchive OF_THIS_JVM = new ChildClassArchive(Path.of("").toAbsolutePath(),
            System.getProperty("java.class.path"));

    private final Path module;
    private final String testClassPath;
    private volatile Launch ready;
    private int starts;

    private ChildClassArchive(Path module, String testClassPath) {
        this.module = module;
        this.testClassPath = testClassPath;
    }

    /** How to start a process of this test JVM's module: with its archive once written. */
    static Launch launch() {
        return OF_THIS_JVM.get();
    }

    private Launch get() {
        Launch launch = ready;
        if (launch != null) {
            return launch;
        }
        synchronized (this) {
            if (++starts == WRITTEN_AT) {
                Thread writer = new Thread(this::write, "child-class-archive");
                writer.setDaemon(true);
                writer.start();
            }
        }
        return new Launch(testClassPath, List.of());
    }

    private void write() {
        Path list = module.resolve("src/main/jvm/" + module.getFileName() + ".classlist");
        if (!Files.isRegularFile(list)) {
            ready = new Launch(testClassPath, List.of()); // a module whose processes have no class list
            return;
        }
        try {
            Path dir = module.resolve("target/child-class-archive/" + ProcessHandle.current().pid());
            Files.createDirectories(dir);
            String classPath = jarred(dir);
            Path archive = dir.resolve("children.jsa");
            dump(list, classPath, archive);
            // -Xlog: a process that cannot map it (a jar rebuilt since) starts without it, and says nothing of it
            ready = new Launch(classPath, List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off"));
        } catch (IOException | RuntimeException e) {
            System.err.println("[child-class-archive] none for the processes of " + module + " (" + e
                    + "): they start from the test class path, slower");
            ready = new Launch(testClassPath, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The test class path with each directory that holds files made a jar in {@code dir}. */
    private String jarred(Path dir) throws IOException {
        ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow(() -> new IOException("no jar tool"));
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : testClassPath.split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (entry.isEmpty() || !Files.isDirectory(path) || isEmpty(path)) {
                entries.add(entry);
                continue;
            }
            Path made = dir.resolve(n++ + "-" + path.getFileName() + ".jar");
            PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
            if (jar.run(quiet, System.err, "--create", "--no-manifest", "--file", made.toString(), "-C", entry,
                    ".") != 0) {
                throw new IOException("jar of " + entry + " failed");
            }
            entries.add(made.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.findAny().isEmpty();
        }
    }

    private static void dump(Path list, String classPath, Path archive) throws IOException, InterruptedException {
        Path writing = archive.resolveSibling(archive.getFileName() + ".writing");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xshare:dump", "-Xlog:disable", "-Xlog:all=error:stderr"));
        command.addAll(TestJvmFlags.list());
        command.addAll(List.of("-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + writing, "-cp",
                classPath));
        Path log = archive.resolveSibling("dump.log");
        Process dump = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!dump.waitFor(5, TimeUnit.MINUTES)) {
            dump.destroyForcibly();
            throw new IOException("java -Xshare:dump still running after 5 minutes");
        }
        if (dump.exitValue() != 0) {
            throw new IOException("java -Xshare:dump exited " + dump.exitValue() + ": " + Files.readString(log));
        }
        Files.move(writing, archive, StandardCopyOption.ATOMIC_MOVE);
    }
}
