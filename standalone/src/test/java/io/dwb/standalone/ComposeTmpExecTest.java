package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Compose services that load native libraries from copies written to /tmp (the listener: Kafka's snappy and
 * zstd codecs, for any compressed batch of the checkpoints topic; the forwarder: those and junixsocket) get a /tmp
 * that allows exec: the read-only hardening's plain {@code tmpfs: [/tmp]} is mounted noexec by Docker, on which
 * the libraries fail to load (the listener then exits 2, NativeCodecTest; before, it crashed or retried for ever).
 */
class ComposeTmpExecTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @ParameterizedTest
    @ValueSource(strings = {"listener", "forwarder"})
    void theServicesTmpAllowsExec(String service) throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
        JsonNode definition = compose.path("services").path(service);
        // Its own tmpfs, else the one it merges from the hardening anchor.
        JsonNode tmpfs = definition.has("tmpfs") ? definition.get("tmpfs")
                : compose.path("x-hardening").path("tmpfs");
        List<String> mounts = new ArrayList<>();
        if (tmpfs.isArray()) {
            tmpfs.forEach(m -> mounts.add(m.asText()));
        } else {
            mounts.add(tmpfs.asText());
        }
        List<String> tmp = mounts.stream().filter(m -> m.equals("/tmp") || m.startsWith("/tmp:")).toList();
        assertThat(tmp).as("%s's /tmp mounts (%s)", service, mounts).hasSize(1);
        List<String> options = tmp.get(0).contains(":")
                ? Arrays.asList(tmp.get(0).substring(tmp.get(0).indexOf(':') + 1).split(",")) : List.of();
        assertThat(options).as("%s's /tmp options (Docker's default: noexec)", service).contains("exec")
                .doesNotContain("noexec");
        assertThat(definition.path("read_only").asBoolean(compose.path("x-hardening").path("read_only")
                .asBoolean())).as("%s's root file system stays read-only", service).isTrue();
    }
}
