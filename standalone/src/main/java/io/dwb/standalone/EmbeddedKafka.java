package io.dwb.standalone;

import io.dwb.runtime.BrokerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka (KRaft broker and controller in one) inside this JVM, for one host's standalone bridge.
 * Its storage lives under {@code <data dir>/kafka}: formatted on first start (the cluster id is kept there, in
 * meta.properties), reused as is afterwards, so topics, committed offsets and the listener's checkpoint survive a
 * restart; a log whose meta.properties is gone is refused, never formatted over ({@link BrokerStorage}). The data
 * directory must be the running user's, and is this process's alone from before the start reads it until the broker
 * has stopped ({@link DataDirLock}). It listens on 127.0.0.1 only; internal topics have one replica so transactions
 * and groups work.
 *
 * <p>Every listener authenticates: clients with SCRAM-SHA-512 as the user of {@link BrokerCredentials} (kept in
 * the data directory, owner-only), the broker's internal listeners (controller, inter-broker, on private loopback
 * ports chosen at each start) with PLAIN and a password only the broker knows. A client without the credentials
 * is disconnected before it can list, read or write anything. {@code <data dir>/client.properties} (mode 0600)
 * holds what kafka tools need to connect. Any local user may still open connections: each listener takes a bounded
 * number, and reads little before a login, so they cannot run this process out of descriptors or heap.
 */
public final class EmbeddedKafka implements StandaloneCommand.Broker {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";
    static final String CLIENT_PROPERTIES = "client.properties";
    /** The same login for kcat (librdkafka), which refuses client.properties' {@code sasl.jaas.config}. */
    static final String KCAT_CONFIG = "kcat.conf";
    static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    private static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int SCRAM_ITERATIONS = 8192;
    /**
     * Broker settings Kafka keeps in the cluster metadata itself: {@code min.insync.replicas} at the cluster level,
     * written when the storage is formatted with eligible leader replicas, which it refuses to remove.
     */
    private static final Set<String> KAFKA_OWN_DYNAMIC_CONFIGS = Set.of("min.insync.replicas");
    /**
     * Connections the client listener holds at once. The bridge's own clients use about ten, and an operator's tools
     * a few more; past it the broker accepts no more until one closes (they wait in the kernel's backlog, holding
     * nothing of this JVM). Any local user may connect: unbounded, each connection cost a descriptor and heap.
     */
    static final int CLIENT_MAX_CONNECTIONS = 200;
    /** The same for each of the broker's own listeners (inter-broker, controller): it uses fewer than ten on each. */
    static final int BROKER_LISTENER_MAX_CONNECTIONS = 50;
    /**
     * A connection idle this long is closed, on every listener: one that never logs in gives its place back within a
     * minute (Kafka's default is ten). The bridge's clients are busier (a heartbeat every 30 s, polls, the
     * consumer's heartbeats), and a client reconnects when it needs a connection the broker closed.
     */
    static final long CONNECTIONS_MAX_IDLE_MS = 60_000;
    /**
     * The largest request the broker reads before a login (its API versions, the SASL handshake and tokens: a few
     * hundred bytes). Kafka allocates the length a request announces at once, 512 KiB by default: 200 connections
     * announcing it would hold 100 MB of this JVM's 256 MB heap.
     */
    static final int MAX_RECEIVE_BEFORE_LOGIN = 16 * 1024;

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path logDir;
    private final BrokerCredentials credentials;
    private final int internalPort;
    private final int controllerPort;
    private final DataDirLock lock;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, Path logDir,
                          BrokerCredentials credentials, int internalPort, int controllerPort, DataDirLock lock) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDir = logDir;
        this.credentials = credentials;
        this.internalPort = internalPort;
        this.controllerPort = controllerPort;
        this.lock = lock;
    }

    /**
     * Starts the broker and returns once it accepts clients.
     *
     * @param dataDir the standalone's data directory (created when missing)
     * @param port    the client port on 127.0.0.1; 0 picks a free one
     */
    public static EmbeddedKafka start(Path dataDir, BrokerPorts.ClientPort port) {
        return start(dataDir, port, () -> false);
    }

    /**
     * As {@link #start(Path, BrokerPorts.ClientPort)}, returning early, the broker running but maybe not ready for
     * clients, once {@code stopRequested} is true: the caller closes it. While another process holds the data
     * directory, it waits up to {@link DataDirLock#WAIT} for it to stop ({@link DataDirLock.StoppedWaiting} when
     * stopped meanwhile). Kafka's own start (its log recovery
     * included) is not cut short: stopped midway, the next start would recover again.
     */
    static EmbeddedKafka start(Path dataDir, BrokerPorts.ClientPort port, BooleanSupplier stopRequested) {
        BrokerLogging.quiet();
        Path home = dataDir.toAbsolutePath().normalize();
        // First of all, before anything in the data dir is read or written: the directory must be this user's, and
        // this process the only standalone on it, until the broker has stopped (close()).
        DataDirLock lock = DataDirLock.acquire(home, DataDirLock.WAIT, stopRequested, System::nanoTime);
        EmbeddedKafka kafka;
        try {
            kafka = startLocked(home, port, lock);
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
        // Whatever fails from here on (a SCRAM call, the wait for readiness, client.properties on a full disk or a
        // read-only directory) closes the running broker: before, a failed write left it running, never closed.
        closedOnFailure(kafka, () -> {
            if (!stopRequested.getAsBoolean()) {
                kafka.authorizeClientUser(HOST + ":" + kafka.internalPort, stopRequested);
            }
            if (!stopRequested.getAsBoolean()) {
                kafka.awaitReady(kafka.clientProperties(), stopRequested);
            }
            if (!stopRequested.getAsBoolean()) {
                PrivateFiles.write(home.resolve(CLIENT_PROPERTIES), kafka.clientPropertiesText());
                PrivateFiles.write(home.resolve(KCAT_CONFIG), kafka.kcatConfigText());
            }
        });
        return kafka;
    }

    /** The start up to a running broker, {@code home} locked; closes nothing when it fails but what it started. */
    private static EmbeddedKafka startLocked(Path home, BrokerPorts.ClientPort port, DataDirLock lock) {
        Path logDir = home.resolve("kafka");
        // Another user's log directory (or a link) is refused before anything in it is opened: one made while the
        // data dir was open to them held a FIFO as its .lock, whose open below held the start for good
        PrivateFiles.ownedSubdirectory(home, logDir.getFileName().toString());
        // Kafka's own lock, held by its broker while it runs: a standalone of an earlier version, which takes no
        // lock of the data dir, may run there. Checked before the broker starts, so a busy port or data dir is one
        // clear line, not the broker's traces.
        refuseIfLocked(logDir);
        String otherInstall = OtherInstallData.warning(home, OtherInstallData.KNOWN); // before the broker formats it
        if (otherInstall != null) {
            log.warn(otherInstall);
        }
        // Before anything is written: a log that lost its meta.properties is refused as it is, not formatted over.
        BrokerStorage storage = BrokerStorage.of(logDir);
        if (storage == BrokerStorage.LOG_WITHOUT_META_PROPERTIES) {
            throw BrokerStorage.refusal(logDir);
        }
        // The controller's and the inter-broker ports are private to this JVM and not persisted (a static quorum):
        // any free ones will do, as long as all three differ. Held until just before the broker binds them.
        BrokerPorts ports = BrokerPorts.reserve(loopback(), port);
        String bootstrap = HOST + ":" + ports.client();
        int internalPort = ports.internal();
        int controllerPort = ports.controller();
        BrokerCredentials credentials;
        KafkaConfig kafkaConfig;
        try (ports) {
            credentials = BrokerCredentials.loadOrCreate(home);
            Properties config = config(logDir, ports.client(), controllerPort, internalPort, credentials);
            kafkaConfig = KafkaConfig.fromProps(config, false);
            PrivateFiles.directory(logDir); // owner-only from the first start, not from the second
            if (storage == BrokerStorage.NEW) {
                format(kafkaConfig, logDir);
            } else {
                // Refuses storage a newer release's Kafka wrote, then mends a bootstrap.checkpoint left empty.
                BootstrapCheckpoint.mend(logDir, kafkaConfig.nodeId(), CONTROLLER_LISTENER);
            }
        }
        KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            stopQuietly(server);
            throw new IllegalStateException("the embedded Kafka broker did not start on " + bootstrap + " (data "
                    + logDir + "): " + e.getMessage(), e);
        }
        return new EmbeddedKafka(server, bootstrap, logDir, credentials, internalPort, controllerPort, lock);
    }

    /**
     * Runs the rest of a start once {@code broker} runs; when it fails, closes the broker (a failure to close is
     * added to the start's) and rethrows.
     */
    static void closedOnFailure(AutoCloseable broker, Runnable rest) {
        try {
            rest.run();
        } catch (RuntimeException | Error e) {
            try {
                broker.close();
            } catch (Exception | Error closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * kcat.conf: the same login in librdkafka's words ({@code kcat -F}). client.properties was said to serve kcat
     * too, which refuses it: "Java JAAS configuration is not supported".
     */
    String kcatConfigText() {
        return "# Written by the standalone at each start: how kcat logs in to its embedded broker.\n"
                + "# kcat -F THIS_FILE -t docker-events -C -X isolation.level=read_committed ... Keep private (mode "
                + "0600).\n# librdkafka 2.6.1 or later: older ones fail SCRAM against Kafka 4 (invalid credentials).\n"
                + "bootstrap.servers=" + bootstrapServers + "\n"
                + "security.protocol=" + SASL_PLAINTEXT + "\n"
                + "sasl.mechanisms=" + SCRAM_MECHANISM + "\n"
                + "sasl.username=" + credentials.clientUser() + "\n"
                + "sasl.password=" + credentials.clientPassword() + "\n";
    }

    /**
     * Properties of a client of this broker: {@code bootstrap.servers} and the SCRAM login. Each call returns a
     * new copy the caller may add to.
     */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, SASL_PLAINTEXT);
        p.setProperty(SaslConfigs.SASL_MECHANISM, SCRAM_MECHANISM);
        p.setProperty(SaslConfigs.SASL_JAAS_CONFIG, credentials.clientJaas());
        return p;
    }

    /** client.properties for Kafka's tools ({@code --command-config}, {@code --consumer.config}): the bridge's. */
    private String clientPropertiesText() {
        StringBuilder text = new StringBuilder("# Written by the standalone at each start: how a Kafka client logs in "
                + "to its embedded broker.\n# kafka-console-consumer.sh --consumer.config THIS_FILE ...; for kcat: "
                + KCAT_CONFIG + " beside it. Keep private (mode 0600).\n");
        Properties p = clientProperties();
        for (String name : new TreeSet<>(p.stringPropertyNames())) {
            text.append(name).append('=').append(p.getProperty(name)).append('\n');
        }
        return text.toString();
    }

    /**
     * Creates (or renews) the SCRAM user of the clients, over the inter-broker listener with the broker's own
     * login: SCRAM users live in the cluster metadata, so this also secures a data dir formatted before there
     * were credentials. Every other SCRAM login is removed: the broker has no authorizer, so whoever had the
     * credentials once (a credentials file someone widened, a data dir of a version without them) could add a user
     * of their own, and new credentials would not have shut them out.
     */
    private void authorizeClientUser(String internalBootstrap, BooleanSupplier stopRequested) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, internalBootstrap);
        p.setProperty(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, SASL_PLAINTEXT);
        p.setProperty(SaslConfigs.SASL_MECHANISM, "PLAIN");
        p.setProperty(SaslConfigs.SASL_JAAS_CONFIG, credentials.brokerJaas());
        awaitReady(p, stopRequested);
        if (stopRequested.getAsBoolean()) {
            return;
        }
        try (Admin admin = Admin.create(p)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(credentials.clientUser(),
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
                    credentials.clientPassword()))).all().get(30, TimeUnit.SECONDS);
            removeOtherLogins(admin);
            removeDynamicBrokerConfigs(admin);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the client user on the embedded Kafka broker: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the embedded Kafka broker started", e);
        }
    }

    /**
     * Every broker setting changed at run time (kept in the cluster metadata, over the settings given at start) is
     * undone: whoever had the credentials once could have opened a listener of their own (listeners, their
     * mechanisms and logins are such settings), and new credentials would not have closed it. Kept: what Kafka sets
     * itself ({@link #KAFKA_OWN_DYNAMIC_CONFIGS}). One that Kafka refuses to remove is said, and the start goes on.
     */
    private void removeDynamicBrokerConfigs(Admin admin)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<ConfigResource> brokers = List.of(new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(NODE_ID)),
                new ConfigResource(ConfigResource.Type.BROKER, "")); // this broker's, and every broker's default
        for (Map.Entry<ConfigResource, Config> described
                : admin.describeConfigs(brokers).all().get(30, TimeUnit.SECONDS).entrySet()) {
            ConfigResource resource = described.getKey();
            String where = resource.name().isEmpty() ? "every broker's default" : "broker " + resource.name();
            for (ConfigEntry entry : described.getValue().entries()) {
                boolean dynamic = entry.source() == ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG
                        || entry.source() == ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
                if (!dynamic || KAFKA_OWN_DYNAMIC_CONFIGS.contains(entry.name())) {
                    continue;
                }
                try {
                    admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                            new ConfigEntry(entry.name(), ""), AlterConfigOp.OpType.DELETE))))
                            .all().get(30, TimeUnit.SECONDS);
                    log.warn("removed the broker setting {} ({}) changed at run time on the embedded broker: only "
                            + "the settings the standalone gives it apply; someone who had its credentials may have "
                            + "changed it", entry.name(), where);
                } catch (ExecutionException e) {
                    log.warn("the broker setting {} ({}) was changed at run time on the embedded broker, and Kafka "
                            + "refuses to remove it: {}", entry.name(), where, e.getCause().getMessage());
                }
            }
        }
    }

    private void removeOtherLogins(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        List<UserScramCredentialAlteration> deletions = new ArrayList<>();
        admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS).forEach((user, description) -> {
            for (ScramCredentialInfo info : description.credentialInfos()) {
                if (!user.equals(credentials.clientUser()) || info.mechanism() != ScramMechanism.SCRAM_SHA_512) {
                    deletions.add(new UserScramCredentialDeletion(user, info.mechanism()));
                    log.warn("removed the SCRAM login {} ({}) from the embedded broker: only the bridge's own user "
                            + "may log in; someone who had its credentials may have added it", user,
                            info.mechanism().mechanismName());
                }
            }
        });
        if (!deletions.isEmpty()) {
            admin.alterUserScramCredentials(deletions).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** {@code 127.0.0.1:<port>}: what clients (and kcat / kafka-console-consumer) use, with {@link #clientProperties()}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    /** The port of the broker's own inter-broker listener (on 127.0.0.1, as every listener). */
    int internalPort() {
        return internalPort;
    }

    /** The port of the broker's own controller listener. */
    int controllerPort() {
        return controllerPort;
    }

    static Properties config(Path logDir, int clientPort, int controllerPort, int internalPort,
                             BrokerCredentials credentials) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", String.valueOf(NODE_ID));
        p.setProperty("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", "CLIENT://" + HOST + ":" + clientPort + ",INTERNAL://" + HOST + ":" + internalPort
                + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "CLIENT://" + HOST + ":" + clientPort + ",INTERNAL://" + HOST + ":"
                + internalPort);
        p.setProperty("listener.security.protocol.map", "CLIENT:" + SASL_PLAINTEXT + ",INTERNAL:" + SASL_PLAINTEXT
                + ",CONTROLLER:" + SASL_PLAINTEXT);
        p.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        p.setProperty("inter.broker.listener.name", "INTERNAL");
        // Clients: SCRAM (the password never crosses the socket); users live in the cluster metadata.
        p.setProperty("listener.name.client.sasl.enabled.mechanisms", SCRAM_MECHANISM);
        p.setProperty("listener.name.client." + SCRAM_MECHANISM.toLowerCase(Locale.ROOT)
                + ".sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        // The broker's own connections: PLAIN with a static user, which needs no metadata (the controller listener
        // cannot use SCRAM, and inter-broker traffic must work before any SCRAM user exists).
        p.setProperty("sasl.enabled.mechanisms", "PLAIN");
        p.setProperty("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.setProperty("sasl.mechanism.controller.protocol", "PLAIN");
        p.setProperty("listener.name.internal.plain.sasl.jaas.config", credentials.brokerJaas());
        p.setProperty("listener.name.controller.plain.sasl.jaas.config", credentials.brokerJaas());
        p.setProperty("log.dirs", logDir.toString());
        // Each listener its own cap: Kafka's broker-wide max.connections does not bound the inter-broker listener (it
        // closes other listeners' connections to make room for it), so a cap there would leave it open and could
        // close the bridge's own client connections instead.
        p.setProperty("listener.name.client.max.connections", String.valueOf(CLIENT_MAX_CONNECTIONS));
        p.setProperty("listener.name.internal.max.connections", String.valueOf(BROKER_LISTENER_MAX_CONNECTIONS));
        p.setProperty("listener.name.controller.max.connections", String.valueOf(BROKER_LISTENER_MAX_CONNECTIONS));
        p.setProperty("connections.max.idle.ms", String.valueOf(CONNECTIONS_MAX_IDLE_MS));
        p.setProperty("sasl.server.max.receive.size", String.valueOf(MAX_RECEIVE_BEFORE_LOGIN));
        // One node: every internal topic has one replica; few partitions keep the first start quick.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        BrokerSettings.RECOMMENDED.forEach(p::setProperty);
        BrokerSettings.ONE_REPLICA.forEach(p::setProperty);
        // Small machines: fewer threads than a production broker's defaults.
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("background.threads", "2");
        p.setProperty("num.recovery.threads.per.data.dir", "1");
        p.setProperty("log.cleaner.threads", "1");
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        return p;
    }

    /**
     * Formats new storage with Kafka's formatter, then forces what it wrote to disk: it writes bootstrap.checkpoint
     * without forcing it (meta.properties, written after, it forces), so a power loss soon after could leave the
     * first empty under its name while the second stayed, and every later start failed until someone acted
     * ({@link BootstrapCheckpoint} mends such a file now).
     */
    private static void format(KafkaConfig config, Path logDir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String clusterId = Uuid.randomUuid().toString();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(print)
                    .setNodeId(config.nodeId())
                    .setClusterId(clusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(List.of(logDir.toString()))
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka storage in " + logDir + ": " + e.getMessage(), e);
        }
        PrivateFiles.force(logDir.resolve(BootstrapCheckpoint.FILE_NAME));
        PrivateFiles.force(logDir.resolve(BrokerStorage.META_PROPERTIES));
        PrivateFiles.force(logDir);
        PrivateFiles.force(logDir.getParent()); // the kafka directory's own entry, made by this start
        log.info("formatted new Kafka storage in {} (cluster id {})", logDir, clusterId);
    }

    /**
     * startup() returns before the broker is unfenced, and a new SCRAM user reaches the broker's cache a moment
     * after the controller accepted it; clients connecting earlier only see retries or a refused login. Returns
     * early, not ready, once a stop is requested.
     */
    private void awaitReady(Properties client, BooleanSupplier stopRequested) {
        try (Admin admin = Admin.create(client)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!stopRequested.getAsBoolean()) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the embedded Kafka broker on " + client.getProperty(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                                + " did not become ready within 60 s: " + e.getMessage(), e);
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the embedded Kafka broker started", e);
        }
    }

    /**
     * The broker locks {@code <log dir>/.lock} while it runs: another standalone on the same data dir holds it. Only
     * opened when this JVM holds the data dir's lock ({@link DataDirLock}), so never while a broker of this JVM holds
     * it (closing the file would drop its lock). It must be a regular file of this user's, not a link: the open of a
     * FIFO waits for a reader for good.
     */
    private static void refuseIfLocked(Path logDir) {
        Path lockFile = logDir.resolve(".lock");
        if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        DataDirLock.requireOwnRegularFile(lockFile, logDir);
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw DataDirLock.inUse(logDir.getParent());
            }
            lock.release();
        } catch (OverlappingFileLockException e) {
            throw DataDirLock.inUse(logDir.getParent());
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the data directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName(HOST);
        } catch (IOException e) {
            throw new IllegalStateException("cannot resolve " + HOST + ": " + e.getMessage(), e);
        }
    }

    private static void stopQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            log.debug("stopping a broker that failed to start", e);
        }
    }

    /** Stops the broker (it flushes its logs), then releases the data directory's lock. */
    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            lock.close();
        }
    }
}
