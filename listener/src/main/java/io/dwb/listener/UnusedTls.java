package io.dwb.listener;

import com.github.dockerjava.transport.SSLConfig;
import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The TLS settings handed to docker-java's HTTP client for an engine on a Unix socket, where no TLS is spoken. Given
 * none, the client builds the JVM's default TLS context anyway (the trust store read, a secure random seeded, JSSE's
 * classes loaded): ~0.2 s of a listener's start, for nothing. This context refuses any use, so that a docker-java
 * that did use it would fail loudly rather than connect without verification.
 */
final class UnusedTls {
    private static final SSLContext REFUSING = new Refusing();
    static final SSLConfig CONFIG = () -> REFUSING;

    private UnusedTls() {}

    private static final class Refusing extends SSLContext {
        Refusing() {
            super(new Spi(), new Provider("dwb-unused-tls", "1", "no TLS on a Unix socket") {
                private static final long serialVersionUID = 1L;
            }, "none");
        }
    }

    private static final class Spi extends SSLContextSpi {
        private static UnsupportedOperationException refused() {
            return new UnsupportedOperationException("no TLS on a Unix socket: the engine is reached through a file");
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            throw refused();
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw refused();
        }
    }
}
