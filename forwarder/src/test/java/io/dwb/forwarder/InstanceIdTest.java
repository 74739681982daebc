package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default {@code --instance-id} must differ between hosts: two forwarders of a group with the same one fence each
 * other (exit 1, restarted, fenced again). Before, every host whose name did not resolve was {@code localhost}, and so
 * was every host of a VM image named so.
 */
class InstanceIdTest {
    @TempDir
    Path dir;

    @Test
    void aHostWhoseNameDoesNotResolveIsNamedByItsKernel() throws Exception {
        InstanceId.ResolvedHostName unresolvable = () -> {
            throw new UnknownHostException("web-1: web-1: Name or service not known");
        };
        String a = InstanceId.hostName(unresolvable, file("kernel-a", "web-1\n"), dir.resolve("no-machine-id"));
        String b = InstanceId.hostName(unresolvable, file("kernel-b", "web-2\n"), dir.resolve("no-machine-id"));

        assertThat(a).isEqualTo("web-1");
        assertThat(InstanceId.of(a, "g", "/q")).isNotEqualTo(InstanceId.of(b, "g", "/q"));
    }

    @Test
    void hostsNamedLocalhostAreToldApartByTheirMachineIds() throws Exception {
        Path machineA = file("machine-a", "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n");
        Path machineB = file("machine-b", "1234567890abcdef1234567890abcdef\n");

        String a = InstanceId.hostName(() -> "localhost", dir.resolve("none"), machineA);
        String b = InstanceId.hostName(() -> "localhost.localdomain", dir.resolve("none"), machineB);
        String unresolvedToo = InstanceId.hostName(() -> {
            throw new UnknownHostException("localhost");
        }, file("kernel", "localhost\n"), machineA);

        // HMAC-SHA-256 keyed by the machine id (Python's hmac module gives the same): machine-id(5) says not to send
        // the id as it is, and the group's instance ids are every describing principal's to read
        assertThat(a).isEqualTo("machine-1b6665485605").isEqualTo(unresolvedToo);
        assertThat(b).isEqualTo("machine-00b357679a2c");
        for (int i = 0; i + 6 <= 32; i++) {
            assertThat(a).as("no part of the machine id").doesNotContain("0f1e2d3c4b5a69788796a5b4c3d2e1f0"
                    .substring(i, i + 6));
        }
        assertThat(InstanceId.hostName(() -> "web-3", dir.resolve("none"), machineA)).as("a name of its own")
                .isEqualTo("web-3");
    }

    @Test
    void withoutANameOrAMachineIdItIsLocalhostStill() throws Exception {
        assertThat(InstanceId.hostName(() -> "localhost", dir.resolve("none"), dir.resolve("none")))
                .isEqualTo("localhost");
        assertThat(InstanceId.hostName(() -> "localhost", dir.resolve("none"), file("first-boot", "uninitialized\n")))
                .as("systemd's first-boot marker names no host").isEqualTo("localhost");
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }
}
