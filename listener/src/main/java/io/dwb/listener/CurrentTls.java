package io.dwb.listener;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The TLS context handed to the engine's HTTP clients (docker-java's pooled ones and the events client) for a
 * {@code tcp://} engine with TLS: each socket it makes, so each new connection, is made by the context
 * {@code current} gives then ({@link EngineTls#current}: the files' latest). The clients are built once and keep it,
 * their socket factory too, whichever they keep; nothing of theirs is made again when the files are renewed.
 */
final class CurrentTls extends SSLContext {
    private static final Provider PROVIDER = new Provider("dwb-current-tls", "1",
            "the engine's TLS context of the moment") {
        private static final long serialVersionUID = 1L;
    };

    CurrentTls(Supplier<SSLContext> current) {
        super(new Spi(current), PROVIDER, "TLS");
    }

    private static final class Spi extends SSLContextSpi {
        private final Supplier<SSLContext> current;

        Spi(Supplier<SSLContext> current) {
            this.current = current;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            throw new UnsupportedOperationException("the engine's TLS context is made of its files, not initialized");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new Sockets(current);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return current.get().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return current.get().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return current.get().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.get().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.get().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return current.get().getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return current.get().getSupportedSSLParameters();
        }
    }

    /** Each socket made by the socket factory of the context of the moment. */
    private static final class Sockets extends SSLSocketFactory {
        private final Supplier<SSLContext> current;

        Sockets(Supplier<SSLContext> current) {
            this.current = current;
        }

        private SSLSocketFactory factory() {
            return current.get().getSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return factory().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return factory().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return factory().createSocket();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return factory().createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return factory().createSocket(s, consumed, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return factory().createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return factory().createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return factory().createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return factory().createSocket(address, port, localAddress, localPort);
        }
    }
}
