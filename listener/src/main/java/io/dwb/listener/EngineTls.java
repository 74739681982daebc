package io.dwb.listener;

import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS context of a {@code tcp://} engine for the next connection: made of the files of {@code DOCKER_CERT_PATH}
 * ({@link EngineTlsFiles}), and made again once they are renewed (certificates of a day or a week from Vault, step-ca
 * or cert-manager: the context made at start failed every handshake after its certificate expired, and the listener
 * reconnected in vain until restarted). Each new connection asks ({@link CurrentTls}); a stat of the three files
 * ({@link TlsFilesIdentity}) tells whether to read them again. Connections open keep the context they were made with.
 * Files that make no context (a renewal under way: a key that is not the certificate's, a file cut short or missing)
 * leave the last good one in use, said once (WARN), and are tried again at the next connection. Thread-safe.
 */
final class EngineTls {
    private static final Logger log = LoggerFactory.getLogger(EngineTls.class);

    private final Path directory;
    /** The files the context was made of, as they were before they were read. */
    private TlsFilesIdentity identity;
    private SSLContext context;
    /** The WARN of files that make no context was given since the last context made. */
    private boolean warned;

    private EngineTls(Path directory, TlsFilesIdentity identity, SSLContext context) {
        this.directory = directory;
        this.identity = identity;
        this.context = context;
    }

    /**
     * @throws ConfigurationError when the files cannot be looked at or read (exit 2)
     * @throws FilesUnusableAtStart when they make no context at start (exit 1, restarted): there is no earlier one
     *                              to keep, and they may be a renewal under way (a start between the writes of
     *                              {@code cert.pem} and {@code key.pem}), which exit 2 would have stopped for good
     */
    static EngineTls of(Path directory) {
        TlsFilesIdentity identity;
        try {
            // The stat first: files renewed while they are read are read again at the next connection.
            identity = TlsFilesIdentity.of(directory);
        } catch (IOException e) {
            throw new ConfigurationError("cannot load the TLS settings of the Docker engine from " + directory + ": "
                    + e.getMessage(), e);
        }
        for (String name : EngineAddress.TLS_FILES) {
            if (!Files.isReadable(directory.resolve(name))) {
                // No renewal makes a file readable: a configuration error (exit 2), as a missing one is
                throw new ConfigurationError("cannot load the TLS settings of the Docker engine from " + directory
                        + ": " + name + " cannot be read by this process (its user or group may not read it)");
            }
        }
        try {
            return new EngineTls(directory, identity, EngineTlsFiles.load(directory));
        } catch (EngineTlsFiles.Unusable e) {
            throw new FilesUnusableAtStart("cannot load the TLS settings of the Docker engine from " + directory
                    + ": " + e.getMessage() + " (exit 1, to be started again: a renewal under way ends; files to fix "
                    + "if this lasts)", e);
        }
    }

    /** The TLS files make no context at start: not a configuration error, a restart may find them renewed. */
    static final class FilesUnusableAtStart extends RuntimeException {
        FilesUnusableAtStart(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The context of the files as they are now, or the last good one while they make none. */
    synchronized SSLContext current() {
        TlsFilesIdentity now;
        try {
            now = TlsFilesIdentity.of(directory);
        } catch (IOException e) {
            return keep("cannot stat them: " + e);
        }
        if (now.equals(identity)) {
            warned = false; // back to the files read before: a later change that makes no context is said again
            return context;
        }
        SSLContext renewed;
        try {
            renewed = EngineTlsFiles.load(directory);
        } catch (EngineTlsFiles.Unusable e) {
            return keep(e.getMessage());
        }
        identity = now;
        context = renewed;
        warned = false;
        log.info("the TLS files of the Docker engine in {} changed: new connections to the engine use them",
                directory);
        return context;
    }

    private SSLContext keep(String why) {
        if (!warned) {
            warned = true;
            log.warn("the TLS files of the Docker engine in {} changed but make no TLS context ({}): new connections "
                    + "to the engine keep those read before, tried again at each (a renewal under way, or files "
                    + "to fix if this lasts)", directory, why);
        } else {
            log.debug("the TLS files of the Docker engine in {} still make no TLS context ({})", directory, why);
        }
        return context;
    }
}
