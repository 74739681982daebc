package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each process's JVM flags have one source, {@code <module>/src/main/jvm/jvm.options}: the launchers (and so
 * bin/bench, which measures with them) read it, the images pass it to java as an argument file, and no launcher or
 * image writes flags of its own, so the flags benchmarked are the flags shipped. The wodle launcher's use of it is
 * run for real by {@code WodleInstallPackagedTest}.
 */
class JvmOptionsSourceTest {
    /**
     * A JVM flag written out: -XX:..., -Xmx, -Xms, -Xmn, -Xss. Not the class archive's files
     * ({@code -XX:SharedArchiveFile}, {@code -XX:SharedClassListFile}): where each install keeps its archive, not how
     * the JVM runs.
     */
    private static final Pattern FLAG = Pattern.compile(
            "(?<![\\w-])-X(X:(?!Shared(ArchiveFile|ClassListFile)=)|m[sxn]\\d|ss\\d)\\S*");

    private final Path root = repository();

    @ParameterizedTest
    @ValueSource(strings = {"listener", "forwarder"})
    void theImageRunsJavaWithTheModulesJvmOptionsAsAnArgumentFile(String module) throws IOException {
        String dockerfile = Files.readString(root.resolve("deploy/" + module + ".Dockerfile"));
        assertThat(dockerfile).contains("COPY " + module + ".jar jvm.options /opt/docker-wazuh-bridge/")
                .contains("${JAVA_OPTS:-@/opt/docker-wazuh-bridge/jvm.options} -jar "
                        + "/opt/docker-wazuh-bridge/" + module + ".jar");
        assertThat(flags(dockerfile)).as("JVM flags written in deploy/%s.Dockerfile", module).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"listener", "forwarder", "standalone"})
    void theLaunchersRunJavaWithExactlyTheFlagsOfTheFile(String module) throws Exception {
        List<String> fromFile = argumentFile(root.resolve(module + "/src/main/jvm/jvm.options"));
        assertThat(fromFile).as("%s's flags", module).isNotEmpty()
                .allMatch(arg -> arg.startsWith("-X") || arg.startsWith("-D"));
        Process bash = new ProcessBuilder("bash", "-c", ". bin/support/launch.sh && jvm_options " + module)
                .directory(root.toFile()).redirectErrorStream(true).start();
        String opts = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).as(opts).isZero();
        assertThat(Arrays.asList(opts.split(" "))).as("jvm_options %s of bin/support/launch.sh", module)
                .containsExactlyElementsOf(fromFile);
    }

    @Test
    void noLauncherOrDeploymentWritesFlagsOfItsOwn() throws IOException {
        for (String file : List.of("bin/support/launch.sh", "bin/run", "bin/listener", "bin/forwarder",
                "standalone/wodle/install", "docker-compose.yml", "bin/release", "bin/support/release-lib.sh",
                "deploy/release/launcher", "deploy/release/dwb.service")) {
            assertThat(flags(Files.readString(root.resolve(file)))).as("JVM flags written in %s", file).isEmpty();
        }
    }

    /**
     * glibc's malloc settings have one source too, deploy/malloc.env: the launchers export it, the images carry its
     * lines as ENV, and the installers of the service and the wodle write what launch.sh reads from the file (through
     * install-lib.sh's malloc_settings), none with values of its own (their output is run for real by
     * ServiceInstallPackagedTest and WodleInstallPackagedTest).
     */
    @Test
    void everyProcessGetsTheMallocSettingsOfDeployMallocEnv() throws Exception {
        List<String> settings = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("deploy/malloc.env"))) {
            String content = line.replaceAll("#.*", "").strip();
            if (!content.isEmpty()) {
                settings.add(content);
            }
        }
        assertThat(settings).isNotEmpty().allMatch(s -> s.matches("MALLOC_[A-Z_]+=\\d+"));
        for (String module : List.of("listener", "forwarder")) {
            assertThat(Files.readString(root.resolve("deploy/" + module + ".Dockerfile")))
                    .contains("ENV " + String.join(" ", settings));
        }
        Process bash = new ProcessBuilder("env", "-i", "PATH=" + System.getenv("PATH"), "bash", "-c",
                ". bin/support/launch.sh && export_malloc_env && env").directory(root.toFile())
                .redirectErrorStream(true).start();
        String env = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(env.lines()).as("the environment launch.sh gives java").containsAll(settings);
        for (String file : List.of("bin/support/launch.sh", "bin/bench", "standalone/service/install",
                "standalone/wodle/install")) {
            String text = Files.readString(root.resolve(file));
            assertThat(text.lines().filter(l -> !l.strip().startsWith("#")).filter(l -> l.contains("MALLOC_")))
                    .as("malloc settings written in %s", file).isEmpty();
        }
        for (String installer : List.of("standalone/service/install", "standalone/wodle/install")) {
            assertThat(Files.readString(root.resolve(installer))).contains("deploy/malloc.env");
        }
    }

    /** The arguments java reads from an @argument file: blank-separated, '#' to the end of the line a comment. */
    private static List<String> argumentFile(Path file) throws IOException {
        List<String> args = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            int hash = line.indexOf('#');
            String content = hash < 0 ? line : line.substring(0, hash);
            for (String arg : content.trim().split("\\s+")) {
                if (!arg.isEmpty()) {
                    args.add(arg);
                }
            }
        }
        return args;
    }

    /** The JVM flags in the lines of {@code text} that are not comments. */
    private static List<String> flags(String text) {
        List<String> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.strip().startsWith("#")) {
                continue;
            }
            Matcher m = FLAG.matcher(line);
            while (m.find()) {
                found.add(m.group());
            }
        }
        return found;
    }

    /** The repository root (tests run in standalone/). */
    private static Path repository() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a README.md above %s", Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }
}
