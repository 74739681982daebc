package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The SBOM a release ships names the release's version ({@code bin/release --version}) for the project's own
 * components, although Maven made it from the pom's version; what others made is left as Maven resolved it. Runs
 * release-lib.sh's {@code release_sbom} on the listener's real SBOM (made by its {@code package}); ReleasePackagedTest
 * cannot show this, since it releases the jars of the run, whose version is the pom's.
 */
class ReleaseSbomTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void theProjectsOwnComponentsCarryTheReleasesVersionAndNothingElseChanges() throws Exception {
        Path bom = ROOT.resolve("listener/target/bom.json");
        assertThat(bom).as("made by mvn -pl listener -am package").exists();
        ObjectMapper json = new ObjectMapper();
        JsonNode maven = json.readTree(bom.toFile());
        String pomVersion = maven.path("metadata").path("component").path("version").asText();

        Process bash = new ProcessBuilder("bash", "-c",
                "ROOT=$PWD && . bin/support/release-lib.sh && release_sbom \"$1\" 9.8.7", "_", bom.toString())
                .directory(ROOT.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).isZero();
        JsonNode released = json.readTree(out);

        JsonNode process = released.path("metadata").path("component");
        assertThat(process.path("version").asText()).isEqualTo("9.8.7");
        assertThat(process.path("purl").asText()).isEqualTo("pkg:maven/io.dwb/listener@9.8.7?type=jar");
        List<String> ownVersions = new ArrayList<>();
        for (JsonNode component : released.path("components")) {
            String group = component.path("group").asText();
            if (group.equals("io.dwb")) {
                ownVersions.add(component.path("version").asText());
                assertThat(component.path("purl").asText()).contains("@9.8.7");
            }
        }
        assertThat(ownVersions).as("schemas and runtime, in the listener's jar").hasSize(2).containsOnly("9.8.7");
        assertThat(out).as("the pom's version, anywhere").doesNotContain("io.dwb/listener@" + pomVersion)
                .doesNotContain("io.dwb/schemas@" + pomVersion).doesNotContain("io.dwb/runtime@" + pomVersion);
        // Everything else as Maven resolved it: the third-party components, their hashes and the graph's shape.
        for (int i = 0; i < maven.path("components").size(); i++) {
            JsonNode before = maven.path("components").get(i);
            if (!before.path("group").asText().equals("io.dwb")) {
                assertThat(released.path("components").get(i)).isEqualTo(before);
            }
        }
        assertThat(released.path("dependencies").size()).isEqualTo(maven.path("dependencies").size());
    }
}
