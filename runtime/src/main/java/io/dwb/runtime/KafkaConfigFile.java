package io.dwb.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * The {@code --kafka-config} file of a process, read at start ({@link #load}) and, for a process that builds Kafka
 * clients again while it runs (the listener's producer after each Kafka failure), read again before such a client
 * ({@link #reread}): a password, a login or a key's password rotated in the file then reaches the next client without
 * a restart. Files a client reads itself (a truststore, a keystore) are read by each new client anyway. Changed means
 * other bytes than those read last (not its size or time, which a rewrite within the same second, of the same length,
 * keeps): the file is small and read only when a client is built. Not thread-safe: one thread builds the clients.
 */
public final class KafkaConfigFile {
    private final String bootstrapServers;
    private final Path file;
    /** The bytes read last, usable or not: a change is other bytes. Null before the first read. */
    private byte[] lastRead;

    /**
     * @param bootstrapServers the {@code --bootstrap-servers} option, which wins over the file's; null when not given
     * @param file             the {@code --kafka-config} file; null for none (then it never changes)
     */
    public KafkaConfigFile(String bootstrapServers, Path file) {
        this.bootstrapServers = bootstrapServers;
        this.file = file;
    }

    /** The file, or null when there is none. */
    public Path path() {
        return file;
    }

    /**
     * The client properties at start: the file's, then {@code bootstrap.servers}; see {@link KafkaClientConfig#load}.
     *
     * @throws ConfigurationError when the file cannot be read
     */
    public Properties load() {
        if (file == null) {
            return KafkaClientConfig.load(bootstrapServers, null);
        }
        byte[] content = KafkaClientConfig.read(file);
        Properties properties = KafkaClientConfig.parse(bootstrapServers, file, content);
        lastRead = content;
        return properties;
    }

    /** What a read again found. */
    public enum Outcome {
        /** The same bytes as read last (or no file): nothing to do. */
        UNCHANGED,
        /** Other bytes, read: {@link Reread#properties}. */
        CHANGED,
        /** The file cannot be read now, or what it holds is no properties file: {@link Reread#problem}. */
        UNUSABLE
    }

    /**
     * @param properties the file's properties as {@link #load} makes them, when {@link Outcome#CHANGED}; else null
     * @param problem    why it cannot be used, when {@link Outcome#UNUSABLE}; else null
     */
    public record Reread(Outcome outcome, Properties properties, String problem) {
        static final Reread UNCHANGED = new Reread(Outcome.UNCHANGED, null, null);
    }

    /**
     * Reads the file again. Never throws for the file: a process that runs keeps the properties read before when the
     * file is missing, unreadable or malformed (a renewal half done, an editor's save), which {@link Outcome#UNUSABLE}
     * says; the same bytes read again are {@link Outcome#UNCHANGED}, so bytes found unusable by the caller (Kafka's
     * client refusing them) are not offered again until they change.
     */
    public Reread reread() {
        if (file == null) {
            return Reread.UNCHANGED;
        }
        byte[] content;
        try {
            if (!Files.isRegularFile(file)) { // a FIFO put there would hold the caller in its read
                return new Reread(Outcome.UNUSABLE, null, file + " is not a regular file");
            }
            content = KafkaClientConfig.read(file);
        } catch (ConfigurationError e) {
            return new Reread(Outcome.UNUSABLE, null, e.getMessage());
        }
        if (lastRead != null && Arrays.equals(content, lastRead)) {
            return Reread.UNCHANGED;
        }
        lastRead = content;
        try {
            return new Reread(Outcome.CHANGED, KafkaClientConfig.parse(bootstrapServers, file, content), null);
        } catch (ConfigurationError e) {
            return new Reread(Outcome.UNUSABLE, null, e.getMessage());
        }
    }
}
