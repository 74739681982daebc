package io.dwb.listener;

import com.github.dockerjava.core.LocalDirectorySSLConfig;
import com.github.dockerjava.core.util.CertificateUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * The TLS context of the engine's files, {@code ca.pem}, {@code cert.pem} and {@code key.pem} of one directory, as
 * docker-java makes it ({@link LocalDirectorySSLConfig}), once {@code key.pem} is known to be the key of
 * {@code cert.pem}'s certificate: a renewal that has written one and not yet the other made a context that every
 * handshake would refuse.
 */
final class EngineTlsFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private EngineTlsFiles() {}

    /** @throws Unusable naming what is wrong with the files, or which is missing */
    static SSLContext load(Path directory) throws Unusable {
        SSLContext context;
        try {
            context = new LocalDirectorySSLConfig(directory.toString()).getSSLContext();
        } catch (RuntimeException e) { // docker-java's unreadable key or certificate
            // Often without words of its own (a key that is not PEM: its cause a NullPointerException): "null" said
            // nothing of which file to look at.
            String said = e.getMessage();
            throw new Unusable(said != null && !said.equals("null") ? said : String.join(", ",
                    EngineAddress.TLS_FILES) + ": not a PEM key, certificate and CA docker-java can read", e);
        }
        if (context == null) {
            // docker-java's answer when a file is missing: it would have spoken plain HTTP.
            throw new Unusable("one of " + String.join(", ", EngineAddress.TLS_FILES) + " is missing", null);
        }
        checkKeyPair(directory);
        return context;
    }

    /** The key of key.pem signs what the public key of cert.pem's first certificate verifies. */
    private static void checkKeyPair(Path directory) throws Unusable {
        PrivateKey key;
        List<Certificate> certificates;
        try {
            key = CertificateUtils.loadPrivateKey(read(directory.resolve("key.pem")));
            certificates = CertificateUtils.loadCertificates(read(directory.resolve("cert.pem")));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new Unusable(String.valueOf(e.getMessage()), e);
        }
        if (key == null || certificates.isEmpty()) {
            throw new Unusable(key == null ? "key.pem holds no private key" : "cert.pem holds no certificate", null);
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null; // another kind of key: the handshake tells
        };
        if (algorithm == null) {
            return;
        }
        byte[] sample = new byte[32];
        RANDOM.nextBytes(sample);
        boolean matches;
        try {
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(sample);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificates.get(0).getPublicKey());
            verify.update(sample);
            matches = verify.verify(signature);
        } catch (GeneralSecurityException e) { // a certificate of another kind of key, say
            matches = false;
        }
        if (!matches) {
            throw new Unusable("key.pem is not the key of the certificate in cert.pem", null);
        }
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    }

    /** Files that make no TLS context; the message says why. */
    static final class Unusable extends Exception {
        Unusable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
