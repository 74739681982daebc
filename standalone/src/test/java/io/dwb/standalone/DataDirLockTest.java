package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.Launcher;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One standalone per data directory, and only as the directory's owner. Before, the only check was whether Kafka's
 * {@code kafka/.lock} was held, which its broker takes as it starts, after the controller already runs on the metadata
 * log: a second process on the same directory (the wodle launcher, re-enabled, beside the service at boot) got past
 * it, ran its own controller on the shared metadata log and, on a new directory, wrote credentials and formatted,
 * before it failed; and root was let start on the service user's directory, leaving files the service could not open.
 * Now {@code <data dir>/.standalone.lock} is held from before anything there is read until the broker stopped, and a
 * directory of another user is refused, exit 2, left as it was. The real broker, in this JVM; another process is a
 * {@link LockHolderMain}.
 */
class DataDirLockTest {
    /** The lock's file, as the docs name it. */
    private static final String LOCK_FILE = ".standalone.lock";

    @TempDir
    Path root;
    @RegisterExtension
    final LogLines logged = LogLines.of(DataDirLock.class, StandaloneCommand.class);

    @Test
    void twoStartsAtOnceOnANewDataDirOneRunsTheOtherIsRefusedWritingNothing() throws Exception {
        Path dataDir = root.resolve("data");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService starts = Executors.newFixedThreadPool(2);
        List<Future<EmbeddedKafka>> started = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                started.add(starts.submit(() -> {
                    go.await();
                    return EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
                }));
            }
            go.countDown();
            List<EmbeddedKafka> running = new ArrayList<>();
            List<Throwable> refused = new ArrayList<>();
            for (Future<EmbeddedKafka> start : started) {
                try {
                    running.add(start.get(120, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    refused.add(e.getCause());
                }
            }
            try {
                assertThat(refused).as("the start refused").hasSize(1);
                assertThat(refused.get(0)).isInstanceOf(IllegalStateException.class)
                        .isNotInstanceOf(ConfigurationError.class).hasMessage(inUse(dataDir));
                EmbeddedKafka kafka = running.get(0);
                // What the directory holds is the running broker's: its credentials, its cluster.
                Properties credentials = properties(dataDir.resolve(BrokerCredentials.FILE_NAME));
                assertThat(kafka.clientProperties().getProperty(SaslConfigs.SASL_JAAS_CONFIG))
                        .contains("password=\"" + credentials.getProperty("client.password") + "\"");
                try (Admin admin = Admin.create(kafka.clientProperties())) {
                    assertThat(properties(dataDir.resolve("kafka/meta.properties")).getProperty("cluster.id"))
                            .isEqualTo(admin.describeCluster().clusterId().get());
                }
            } finally {
                running.forEach(EmbeddedKafka::close);
            }
        } finally {
            starts.shutdownNow();
        }
        try (EmbeddedKafka again = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Admin admin = Admin.create(again.clientProperties())) {
            assertThat(admin.listTopics().names().get()).as("the directory starts again as it was").isNotNull();
        }
    }

    /**
     * Another process between taking the lock and formatting, and for good: the start waits for it (15 s), then is
     * refused, having read and written nothing.
     */
    @Test
    void aStartWhileAnotherProcessHoldsTheLockIsRefusedWithTheInUseLineAndWritesNothing() throws Exception {
        Path dataDir = newDataDir();
        try (JavaProcess other = holdingTheLock(dataDir)) {
            Map<String, String> before = tree(dataDir);

            String ran = Commands.standalone("--data-dir", dataDir.toString(), "--wazuh-queue", "-",
                    "--kafka-port", "0");

            assertThat(ran).startsWith(Launcher.EXIT_FAILURE + ": ").contains("error: " + inUse(dataDir));
            assertThat(logged.messages(waiting(dataDir))).as("said once").hasSize(1);
            assertThat(tree(dataDir)).as("nothing written").isEqualTo(before)
                    .containsOnlyKeys("", LOCK_FILE);
            assertThat(other.isAlive()).isTrue();
        }
    }

    /**
     * An agent's restart starts the wodle again while the last one still stops (wazuh-modulesd waits for neither):
     * refused at once, the new one exited 1 and wm_docker tried again only an {@code <interval>} later. It waits for
     * the other to let go, then starts; nothing is read or written meanwhile.
     */
    @Test
    void aStartWhileTheLastOneStillStopsWaitsForItThenRuns() throws Exception {
        Path dataDir = newDataDir();
        ExecutorService starts = Executors.newSingleThreadExecutor();
        try (JavaProcess other = holdingTheLock(dataDir)) {
            Map<String, String> before = tree(dataDir);
            Future<EmbeddedKafka> start = starts.submit(() -> EmbeddedKafka.start(dataDir,
                    BrokerPorts.ClientPort.asked(0)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !logged.messages(waiting(dataDir)).isEmpty());
            assertThat(tree(dataDir)).as("nothing written while it waits").isEqualTo(before);

            other.kill(); // the last one's stop ends
            try (EmbeddedKafka kafka = start.get(120, TimeUnit.SECONDS);
                 Admin admin = Admin.create(kafka.clientProperties())) {
                assertThat(admin.listTopics().names().get()).isNotNull();
                assertThat(logged.messages("let go of the data directory")).hasSize(1);
                assertThat(tryLock(dataDir.resolve(LOCK_FILE))).isEqualTo("held");
            }
        } finally {
            starts.shutdownNow();
        }
    }

    /** A stop while it waits ends the wait: exit 0, nothing started, read or written. */
    @Test
    void aStopWhileItWaitsForTheLastOneEndsTheStartWithExit0() throws Exception {
        Path dataDir = newDataDir();
        ExecutorService starts = Executors.newSingleThreadExecutor();
        try (JavaProcess other = holdingTheLock(dataDir)) {
            Map<String, String> before = tree(dataDir);
            List<Runnable> stopHandler = new java.util.concurrent.CopyOnWriteArrayList<>();
            StandaloneCommand command = new StandaloneCommand(UnaryOperator.identity(), stopHandler::add,
                    settings -> { }, EmbeddedKafka::start);
            Future<Integer> run = starts.submit(() -> Launcher.execute("standalone", command, new String[] {
                "--data-dir", dataDir.toString(), "--wazuh-queue", "-", "--kafka-port", "0"}, Map.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> !logged.messages(waiting(dataDir)).isEmpty());

            stopHandler.forEach(Runnable::run); // SIGTERM

            assertThat(run.get(5, TimeUnit.SECONDS)).isEqualTo(Launcher.EXIT_OK);
            assertThat(logged.messages()).contains(
                    "stop requested while another standalone held the data directory: nothing started");
            assertThat(tree(dataDir)).as("nothing written").isEqualTo(before);
            assertThat(other.isAlive()).isTrue();
        } finally {
            starts.shutdownNow();
        }
    }

    /** Held for longer than the wait: refused with the in-use line, said waiting once (a clock of 400 ms a look). */
    @Test
    void aLockHeldLongerThanTheWaitIsRefusedAfterItSayingItWaitedOnce() throws Exception {
        Path dataDir = newDataDir();
        try (JavaProcess other = holdingTheLock(dataDir)) {
            long[] now = {0};
            assertThatThrownBy(() -> DataDirLock.acquire(dataDir, Duration.ofSeconds(2), () -> false,
                    () -> now[0] += Duration.ofMillis(400).toNanos()))
                    .isInstanceOf(IllegalStateException.class).hasMessage(inUse(dataDir));
            assertThat(now[0]).as("looked until the wait was over").isGreaterThanOrEqualTo(
                    Duration.ofSeconds(2).toNanos());
            assertThat(logged.messages("waiting up to 2 s for it to stop")).hasSize(1);
        }
    }

    @Test
    void aRunningStandaloneHoldsItsDataDirAgainstOtherProcessesUntilItsBrokerStopped() throws Exception {
        Path dataDir = root.resolve("data");
        Path lock = dataDir.resolve(LOCK_FILE);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(tryLock(lock)).isEqualTo("held");
            assertThat(Files.getPosixFilePermissions(lock)).isEqualTo(PrivateFiles.FILE);
            // Refused in this JVM too, and that refusal leaves the lock held for other processes.
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0)))
                    .hasMessage(inUse(dataDir));
            Path link = Files.createSymbolicLink(root.resolve("link"), dataDir);
            assertThatThrownBy(() -> EmbeddedKafka.start(link, BrokerPorts.ClientPort.asked(0)))
                    .as("the same directory through a link").hasMessage(inUse(link));
            assertThat(tryLock(lock)).isEqualTo("held");
        }
        assertThat(tryLock(lock)).isEqualTo("free");
    }

    @Test
    void aDataDirOfAnotherUserIsRefusedWithExit2NamingItsOwnerAndLeftAsItWas() throws Exception {
        Path dataDir = Files.createDirectory(root.resolve("data"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(dataDir, "unix:uid", 4321);
        Map<String, String> before = tree(dataDir);

        String ran = Commands.standalone("--data-dir", dataDir.toString(), "--wazuh-queue", "-",
                "--kafka-port", "0");

        String user = System.getProperty("user.name");
        assertThat(ran).startsWith(Launcher.EXIT_USAGE + ": ").contains("error: the data directory " + dataDir
                + " is owned by 4321, not by " + user + " who runs this process: run the standalone as 4321")
                .doesNotContain("Exception");
        assertThat(tree(dataDir)).as("nothing written, its mode kept").isEqualTo(before);
        assertThat(Files.getAttribute(dataDir, "unix:uid")).isEqualTo(4321);

        Files.setAttribute(dataDir, "unix:uid", Files.getAttribute(root, "unix:uid")); // given back: its start runs
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(Files.getPosixFilePermissions(dataDir)).isEqualTo(PrivateFiles.DIRECTORY);
        }
    }

    @Test
    void aLockFileThatIsALinkOrAnotherUsersIsRefusedItsTargetLeftAlone() throws Exception {
        Path dataDir = Files.createDirectory(root.resolve("data"));
        Path target = Files.writeString(root.resolve("target"), "someone else's");
        Path lock = Files.createSymbolicLink(dataDir.resolve(LOCK_FILE), target);
        assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0)))
                .isInstanceOf(ConfigurationError.class).hasMessageStartingWith(lock + " is not a regular file of ");
        assertThat(target).hasContent("someone else's");
        assertThat(dataDir.resolve("kafka")).doesNotExist();

        Files.delete(lock);
        Files.writeString(lock, "");
        Files.setAttribute(lock, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
        assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0)))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("(owner 4321)")
                .hasMessageContaining("remove it");
        assertThat(dataDir.resolve("kafka")).doesNotExist();
    }

    /** A data directory of this user's, 0700, as a first start makes it. */
    private Path newDataDir() throws IOException {
        return Files.createDirectory(root.resolve("data"),
                PosixFilePermissions.asFileAttribute(PrivateFiles.DIRECTORY));
    }

    /** Another process holding {@code dataDir}'s lock: a standalone between taking it and formatting, or stopping. */
    private static JavaProcess holdingTheLock(Path dataDir) throws IOException, InterruptedException {
        JavaProcess other = JavaProcess.start(LockHolderMain.class, Map.of(), "hold",
                dataDir.resolve(LOCK_FILE).toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> other.output().contains("locked"));
        } catch (RuntimeException | Error e) {
            other.kill(); // not left holding the lock
            throw e;
        }
        return other;
    }

    /** The INFO line of a start that waits for another process to let go of {@code dataDir}, as the docs give it. */
    private static String waiting(Path dataDir) {
        return "the data directory " + dataDir + " is in use by another standalone process: waiting up to 15 s for it "
                + "to stop";
    }

    static String inUse(Path dataDir) {
        return "the data directory " + dataDir + " is in use by another standalone process; stop it, or give this "
                + "one another --data-dir";
    }

    /** What another process finds of {@code lock}: "held" or "free". */
    private static String tryLock(Path lock) throws Exception {
        try (JavaProcess other = JavaProcess.start(LockHolderMain.class, Map.of(), "try", lock.toString())) {
            assertThat(other.waitFor(Duration.ofSeconds(30))).as(other.output()).isZero();
            return other.output().strip();
        }
    }


    /** Every path under {@code dir}: its owner and mode, and a file's time and digest. */
    static Map<String, String> tree(Path dir) throws Exception {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.toList()) {
                String entry = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS) + " "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    entry += " " + Files.getLastModifiedTime(path) + " " + HexFormat.of().formatHex(
                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path)));
                }
                tree.put(dir.relativize(path).toString(), entry);
            }
        }
        return tree;
    }

    private static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return p;
    }
}
