package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA and a broker certificate it signs, made with the JDK's keytool in a directory: {@code broker.p12} (the
 * broker's key, its certificate for localhost and 127.0.0.1, and the CA) and {@code truststore.p12} (the CA alone,
 * what clients trust). Both PKCS12, with the same password.
 */
final class TestCertificates {
    /** Where clients connect: the broker certificate is valid for these. */
    private static final String SAN = "SAN=dns:localhost,ip:127.0.0.1";

    private final Path dir;
    private final String password;

    private TestCertificates(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    static void create(Path dir, String password) throws Exception {
        new TestCertificates(dir, password).create();
    }

    private void create() throws Exception {
        keytool("-genkeypair", "-alias", "ca", "-keystore", "ca.p12", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=dwb test CA", "-ext", "bc:c", "-validity", "2");
        keytool("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-rfc", "-file", "ca.pem");
        keytool("-importcert", "-alias", "ca", "-keystore", "truststore.p12", "-file", "ca.pem", "-noprompt");

        keytool("-genkeypair", "-alias", "broker", "-keystore", "broker.p12", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=localhost", "-ext", SAN, "-validity", "2");
        keytool("-certreq", "-alias", "broker", "-keystore", "broker.p12", "-file", "broker.csr");
        keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", "broker.csr", "-outfile", "broker.pem",
                "-ext", SAN, "-ext", "eku=serverAuth", "-validity", "2", "-rfc");
        // The signed certificate replaces the self-signed one once keytool can chain it to the CA.
        keytool("-importcert", "-alias", "ca", "-keystore", "broker.p12", "-file", "ca.pem", "-noprompt");
        keytool("-importcert", "-alias", "broker", "-keystore", "broker.p12", "-file", "broker.pem");
    }

    private void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", password));
        if (arguments[0].equals("-genkeypair")) {
            command.addAll(List.of("-keypass", password));
        }
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(process.exitValue()).as("%s:%n%s", arguments[0], output).isZero();
    }
}
