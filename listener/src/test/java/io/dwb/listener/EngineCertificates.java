package io.dwb.listener;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * What {@code dockerd --tlsverify} and its clients are given: a CA, a server certificate for 127.0.0.1 and ::1 signed
 * by it, and a client certificate signed by it, made fresh for a test. BouncyCastle is there already: docker-java
 * reads the client's PEM files with it.
 */
final class EngineCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair caKey;
    private final X509Certificate ca;
    private final KeyPair serverKey;
    private final X509Certificate server;
    private final KeyPair clientKey;
    private final X509Certificate client;

    EngineCertificates() throws Exception {
        caKey = keyPair();
        ca = sign(new X500Name("CN=dwb test CA"), caKey, true, null);
        serverKey = keyPair();
        server = sign(new X500Name("CN=127.0.0.1"), serverKey, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1"),
                new GeneralName(GeneralName.dNSName, "localhost")}));
        clientKey = keyPair();
        client = sign(new X500Name("CN=dwb listener"), clientKey, false, null);
    }

    /** Writes the client's files as the docker CLI looks for them: {@code ca.pem}, {@code cert.pem}, {@code key.pem}. */
    Path writeClientFiles(Path dir) throws IOException {
        Files.createDirectories(dir);
        pem(dir.resolve("ca.pem"), ca);
        pem(dir.resolve("cert.pem"), client);
        pem(dir.resolve("key.pem"), clientKey.getPrivate());
        // Owner-only, as the docker CLI's documentation makes it: the listener warns of a key others may read.
        Files.setPosixFilePermissions(dir.resolve("key.pem"), PosixFilePermissions.fromString("rw-------"));
        return dir;
    }

    /** The engine's side: its certificate, and only clients with a certificate of the CA. */
    SSLContext serverContext() throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "engine".toCharArray();
        keys.setKeyEntry("engine", serverKey.getPrivate(), password, new X509Certificate[] {server, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private X509Certificate sign(X500Name subject, KeyPair key, boolean isCa, GeneralNames names) throws Exception {
        Instant now = Instant.now();
        X500Name issuer = isCa ? subject : new X500Name(ca.getSubjectX500Principal().getName());
        PrivateKey signer = isCa ? key.getPrivate() : caKey.getPrivate();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), subject, key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (names != null) {
            builder.addExtension(Extension.subjectAlternativeName, false, names);
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer)));
    }

    private static void pem(Path file, Object value) throws IOException {
        try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(value);
        }
    }
}
