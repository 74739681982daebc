package io.dwb.schemas.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parent pom's dependency floors (maven-enforcer-plugin, bannedDependencies) fail a build that resolves a
 * version with a published advisory: Maven itself is run on a fixture project under the real parent pom.
 */
class DependencyFloorTest {
    private static final Path FIXTURE = Path.of("src/test/fixtures/dependency-floor/pom.xml");

    @TempDir
    Path output;

    @Test
    void aDependencyBelowItsFloorFailsTheBuildNamingIt() throws Exception {
        Run run = validate("1.5.18"); // CVE-2025-11226

        assertThat(run.exitCode()).as(run.output()).isNotZero();
        assertThat(run.output())
                .contains("dependency-floors")
                .contains("ch.qos.logback:logback-classic:jar:1.5.18 <--- banned")
                .contains("A dependency is below its floor");
    }

    @Test
    void theSameProjectAtTheFloorBuilds() throws Exception {
        Run run = validate("1.5.38");

        assertThat(run.exitCode()).as(run.output()).isZero();
    }

    private record Run(int exitCode, String output) {}

    private Run validate(String logbackVersion) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString());
        command.addAll(List.of("-B", "-f", FIXTURE.toString(), "validate",
                "-Dfixture.logback.version=" + logbackVersion,
                "-Dmaven.repo.local=" + System.getProperty("maven.repo.local")));
        Path log = output.resolve("mvn-" + logbackVersion + ".log");
        Process maven = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!maven.waitFor(3, TimeUnit.MINUTES)) {
            maven.destroyForcibly();
            throw new AssertionError("mvn validate did not finish in 3 minutes: " + Files.readString(log));
        }
        return new Run(maven.exitValue(), Files.readString(log));
    }
}
