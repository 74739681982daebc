package io.dwb.standalone;

import static io.dwb.standalone.Commands.concat;
import static io.dwb.standalone.Commands.run;
import static io.dwb.standalone.Commands.runQuietly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.BrokerSettings;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.KafkaImage;
import io.dwb.schemas.testing.TestEngine;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet deployment for real: docker-compose.yml with images built locally from the Dockerfiles (on a JRE
 * base image made without a registry, deploy/jre-image/build, and an HAProxy base made from Debian's package,
 * deploy/engine-proxy/build-base), Kafka from the test image; a container run on the engine shows up as alerts on a
 * datagram receiver in the directory mounted as Wazuh's queue directory, whose socket only Wazuh's group may write.
 * No service of the bridge runs as root, the listener reaches the engine only through the allow-list proxy, which
 * refuses everything but the listener's read calls, and the forwarder, in Wazuh's group, cannot replace the socket.
 * What a local user of the host reaches at the containers' bridge addresses: Kafka only with the bridge's SCRAM login
 * (made at the first start), not its controller, not the proxy (a Unix socket in a volume that user cannot enter).
 */
class ComposeDeploymentTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String KAFKA_IMAGE = KafkaImage.name();
    private static final String JRE_IMAGE = System.getenv().getOrDefault("DWB_JRE_IMAGE", "local/jre:17");
    private static final String HAPROXY_IMAGE = System.getenv().getOrDefault("DWB_HAPROXY_IMAGE", "local/haproxy:2.6");
    /** Stands for the wazuh group of a real host: the only group (besides root) that may write the queue socket. */
    private static final int WAZUH_GID = 4242;
    /** Stands for a local user of the host with no business with the bridge. */
    private static final int OTHER_LOCAL_USER = 4243;

    @TempDir
    Path work;

    @Test
    void aContainerRunOnTheEngineArrivesAsAlertsOnTheMountedWazuhQueue() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String project = "dwb-compose-test-" + suffix;
        String listenerImage = "local/dwb-listener:test-" + suffix;
        String forwarderImage = "local/dwb-forwarder:test-" + suffix;
        String proxyImage = "local/dwb-engine-proxy:test-" + suffix;
        ensureImage(JRE_IMAGE, "deploy/jre-image/build");
        ensureImage(HAPROXY_IMAGE, "deploy/engine-proxy/build-base");
        build("listener", listenerImage);
        build("forwarder", forwarderImage);
        // The listener image maps its classes from the class archive its build wrote.
        assertThat(run(List.of("docker", "run", "--rm", "--network", "none", "-e",
                "JAVA_TOOL_OPTIONS=-Xlog:class+load=info", listenerImage, "--version"), Map.of(), Duration.ofMinutes(1)))
                .contains("io.dwb.listener.Main source: shared objects file").contains("listener ");
        run(List.of("docker", "build", "-q", "--build-arg", "BASE_IMAGE=" + HAPROXY_IMAGE, "-t", proxyImage,
                ROOT.resolve("deploy/engine-proxy").toString()), Map.of("DOCKER_BUILDKIT", "0"), Duration.ofMinutes(5));

        // As on a Wazuh host: the sockets directory and the queue socket belong to the wazuh group, mode 770 / 660
        // (the group may create and unlink sockets there); an agent's ossec.conf, 660 root:wazuh, paces delivery.
        Path queueDir = Files.createDirectories(work.resolve("queue-sockets"));
        Files.setAttribute(queueDir, "unix:gid", WAZUH_GID);
        Files.setPosixFilePermissions(queueDir, PosixFilePermissions.fromString("rwxrwx---"));
        Path ossecConf = Files.writeString(work.resolve("ossec.conf"), "<ossec_config><client><server><address>"
                + "10.0.0.1</address></server></client><client_buffer><events_per_second>200</events_per_second>"
                + "</client_buffer></ossec_config>\n");
        Files.setAttribute(ossecConf, "unix:gid", WAZUH_GID);
        Files.setPosixFilePermissions(ossecConf, PosixFilePermissions.fromString("rw-rw----"));
        // The agent's etc/shared, Wazuh's group's: no agent.conf (an agent not centrally managed).
        Path sharedDir = Files.createDirectories(work.resolve("etc-shared"));
        Files.setAttribute(sharedDir, "unix:gid", WAZUH_GID);
        Files.setPosixFilePermissions(sharedDir, PosixFilePermissions.fromString("rwxrwx---"));
        // agentd's state, in a directory of Wazuh's group (agentd replaces the file at each write).
        Path runDir = Files.createDirectories(work.resolve("var-run"));
        Files.setAttribute(runDir, "unix:gid", WAZUH_GID);
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxrwx---"));
        Path agentState = Files.writeString(runDir.resolve("wazuh-agentd.state"), "status='connected'\n"
                + "msg_buffer='0'\n");
        Files.setAttribute(agentState, "unix:gid", WAZUH_GID);
        Files.setPosixFilePermissions(agentState, PosixFilePermissions.fromString("rw-r-----"));
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_IMAGE", KAFKA_IMAGE);
        env.put("LISTENER_IMAGE", listenerImage);
        env.put("FORWARDER_IMAGE", forwarderImage);
        env.put("ENGINE_PROXY_IMAGE", proxyImage);
        env.put("DOCKER_SOCKET", engineSocket());
        env.put("DOCKER_GID", String.valueOf(Files.getAttribute(Path.of(engineSocket()), "unix:gid")));
        env.put("WAZUH_GID", String.valueOf(WAZUH_GID));
        env.put("WAZUH_QUEUE_DIR", queueDir.toString());
        env.put("WAZUH_OSSEC_CONF", ossecConf.toString());
        env.put("WAZUH_SHARED_DIR", sharedDir.toString());
        env.put("WAZUH_RUN_DIR", runDir.toString());
        env.put("EVENTS_PARTITIONS", "3");
        List<String> compose = List.of("docker", "compose", "-p", project, "-f", ROOT.resolve("docker-compose.yml").toString());
        try (DatagramReceiver wazuh = DatagramReceiver.bind(queueDir.resolve("queue"))) {
            Files.setAttribute(wazuh.path(), "unix:gid", WAZUH_GID);
            Files.setPosixFilePermissions(wazuh.path(), PosixFilePermissions.fromString("rw-rw----"));
            run(concat(compose, "up", "-d", "--no-build"), env, Duration.ofMinutes(5));
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).until(
                    () -> run(concat(compose, "logs", "listener"), env, Duration.ofSeconds(60))
                            .contains("subscribed to GET /events"));
            for (String service : List.of("kafka", "engine-proxy", "listener", "forwarder")) {
                assertThat(processUids(compose, env, service)).as("uids of the processes of %s", service)
                        .isNotEmpty().doesNotContain("0");
            }
            // Mounted read-only: in Wazuh's group the forwarder could otherwise unlink the agent's socket and bind
            // its own in its place.
            assertThat(exitCode(concat(compose, "exec", "-T", "forwarder", "sh", "-c",
                    ": > /var/ossec/queue/sockets/replaced"), env)).as("creating a file in the sockets directory")
                    .isNotZero();
            assertThat(queueDir.resolve("replaced")).doesNotExist();
            // The agent's bucket drops what exceeds its events_per_second: paced at 90 % of it, as the service does.
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).until(
                    () -> run(concat(compose, "logs", "forwarder"), env, Duration.ofSeconds(60))
                            .contains("forwarding "));
            assertThat(run(concat(compose, "logs", "forwarder"), env, Duration.ofSeconds(60)))
                    .contains("at most 180 alerts/s: 90 % of the agent's <client_buffer><events_per_second> 200 in "
                            + "/var/ossec/etc/ossec.conf")
                    .contains("delivery follows the Wazuh agent's state (/var/ossec/var/run/wazuh-agentd.state)");
            // The engine proxy has no port: it serves on a Unix socket in a volume, under the engine's data root.
            String proxyAddress = containerAddress(compose, env, "engine-proxy");
            assertThat(refusesConnections(proxyAddress, 2375)).as("the engine proxy at its bridge address").isTrue();
            Path proxy = volumePath(project + "_engine-api").resolve("docker.sock");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(proxy))).isEqualTo("rw-rw----");
            assertThat(Files.getAttribute(proxy, "unix:gid")).as("the socket's group: the listener's").isEqualTo(10001);
            assertThat(status(proxy, "GET", "/_ping")).isEqualTo(200);
            assertThat(status(proxy, "GET", "/v1.44/containers/json?all=1")).isEqualTo(200);
            assertThat(status(proxy, "POST", "/containers/create")).isEqualTo(403);
            assertThat(status(proxy, "POST", "/v1.44/containers/x/exec")).isEqualTo(403);
            assertThat(status(proxy, "DELETE", "/containers/x")).isEqualTo(403);
            assertThat(status(proxy, "GET", "/secrets")).isEqualTo(403);
            assertThat(status(proxy, "GET", "/containers/x/json")).as("inspect shows env variables").isEqualTo(403);
            // Each refusal is logged; the listener's probe, every 10 s, and this test's ping are not (a line each
            // filled the container's log for ever).
            String proxyLog = run(concat(compose, "logs", "engine-proxy"), env, Duration.ofSeconds(60));
            assertThat(proxyLog).contains("403").contains("\"POST /containers/create HTTP/1.")
                    .contains("\"GET /secrets HTTP/1.").doesNotContain("/_ping");
            assertThat(connectsAs(OTHER_LOCAL_USER, proxy)).as("another local user connecting to the proxy's socket")
                    .isFalse();
            assertThat(connectsAs(0, proxy)).as("root connecting to the proxy's socket (the check above works)")
                    .isTrue();
            // Kafka takes clients at its bridge address only with the bridge's SCRAM login; its controller and
            // inter-broker listeners are not there at all.
            String kafkaAddress = containerAddress(compose, env, "kafka");
            assertThat(refusesConnections(kafkaAddress, 9092)).as("Kafka's client port").isFalse();
            assertThat(refusesConnections(kafkaAddress, 9093)).as("Kafka's controller port").isTrue();
            assertThat(refusesConnections(kafkaAddress, 9094)).as("Kafka's inter-broker port").isTrue();
            assertThat(topicsListedWith(kafkaAddress, Map.of())).as("Kafka without a login")
                    .isInstanceOf(TimeoutException.class);
            assertThat(topicsListedWith(kafkaAddress, Map.of(
                    "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512",
                    "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                            + "username=\"dwb\" password=\"guessed\";")))
                    .as("Kafka with the bridge's user and another password")
                    .isInstanceOf(SaslAuthenticationException.class);
            // The login the services read, and the broker's log: their user's alone, in directories of their user's.
            Path login = volumePath(project + "_kafka-login");
            Path brokerData = volumePath(project + "_kafka-data");
            for (Path path : List.of(login, login.resolve("password"), login.resolve("scram.properties"),
                    login.resolve("client.properties"), brokerData, brokerData.resolve("log"))) {
                assertThat(Files.getAttribute(path, "unix:uid")).as("owner of %s", path).isEqualTo(10001);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).as("mode of %s", path)
                        .isIn("rwx------", "rw-------");
            }
            // ... and never in a command line, an environment or a log line, which other local users may see.
            String password = Files.readString(login.resolve("password")).strip();
            assertThat(password).hasSize(64);
            // Its one broker, the only replica of its partitions, forces each write to disk, as the embedded one does:
            // the settings it runs with, as Kafka logs them at its start (clients on the host cannot reach its
            // advertised name, kafka:9092, to ask).
            String brokerLog = run(concat(compose, "logs", "kafka"), env, Duration.ofSeconds(60));
            BrokerSettings.ONE_REPLICA.forEach((name, value) -> assertThat(brokerLog).as("the broker's %s", name)
                    .containsPattern("(?m)\\s" + Pattern.quote(name + " = " + value) + "\\s*$"));
            String ids = run(concat(compose, "ps", "-a", "-q"), env, Duration.ofSeconds(60)).strip();
            List<String> inspect = concat(List.of("docker", "inspect"), ids.split("\\s+"));
            assertThat(run(inspect, env, Duration.ofSeconds(60))).as("docker inspect of every container")
                    .contains("kafka-login").doesNotContain(password);
            assertThat(run(concat(compose, "logs"), env, Duration.ofSeconds(60))).doesNotContain(password);

            String name = TestEngine.uniqueName("compose");
            run(List.of("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true", "--name", name,
                    TestEngine.BUSYBOX, "true"), env, Duration.ofMinutes(1));

            await().atMost(Duration.ofMinutes(2)).until(() -> actionsFor(wazuh, name)
                    .containsAll(List.of("create", "start", "die", "destroy")));
            for (String text : wazuh.texts()) {
                assertThat(text).startsWith("1:Wazuh-Docker:{");
            }
        } finally {
            runQuietly(concat(compose, "down", "-v", "--timeout", "20"), env);
            runQuietly(List.of("docker", "rmi", listenerImage, forwarderImage, proxyImage), env);
        }
    }

    /** The Action of every alert about container {@code name} received so far. */
    private static List<String> actionsFor(DatagramReceiver wazuh, String name) {
        List<String> actions = new ArrayList<>();
        for (var alert : wazuh.alerts()) {
            if (name.equals(alert.path("docker").path("Actor").path("Attributes").path("name").asText(null))) {
                actions.add(alert.path("docker").path("Action").asText());
            }
        }
        return actions;
    }

    /**
     * docker build of deploy/<module>.Dockerfile on a copy of the module's runnable jar, its jvm.options and its class
     * list if it has one (a small, stable context).
     */
    /**
     * On a shared host whose uid 10001 is a person's, the services run as another: DWB_UID and DWB_GID reach every
     * user, tmpfs owner, group and image build of the Compose file. Before, the documented way (build the images with
     * another DWB_UID, edit 10001 everywhere) was undone by the next {@code up --build}, which passed no uid to the
     * builds: the images were 10001's again, and the login's files no longer the services' user's. Read with the
     * real {@code docker compose config}.
     */
    @Test
    void theServicesUserIsDwbUidAndDwbGidWhenTheyAreSet() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DWB_UID", "20001");
        env.put("DWB_GID", "20002");
        env.put("DOCKER_GID", "998");
        env.put("WAZUH_GID", "997");
        String config = run(List.of("docker", "compose", "-p", "dwb-uid-" + UUID.randomUUID().toString()
                .substring(0, 8), "-f", ROOT.resolve("docker-compose.yml").toString(), "config"), env,
                Duration.ofSeconds(60));
        com.fasterxml.jackson.databind.JsonNode services = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(config).path("services");
        assertThat(services.path("kafka").path("user").asText()).isEqualTo("20001:20002");
        assertThat(services.path("kafka-user").path("user").asText()).isEqualTo("20001:20002");
        assertThat(services.path("forwarder").path("user").asText()).isEqualTo("20001:997");
        assertThat(services.path("kafka").path("tmpfs").toString()).contains("uid=20001,gid=20002");
        assertThat(services.path("engine-proxy").path("group_add").toString()).contains("20002");
        for (String service : List.of("kafka-login", "listener")) {
            assertThat(services.path(service).path("build").path("args").path("DWB_UID").asText()).as(service)
                    .isEqualTo("20001");
            assertThat(services.path(service).path("build").path("args").path("DWB_GID").asText()).as(service)
                    .isEqualTo("20002");
        }
        assertThat(services.path("forwarder").path("build").path("args").path("DWB_UID").asText())
                .isEqualTo("20001");
        assertThat(services.path("engine-proxy").path("build").path("args").path("DWB_GID").asText())
                .isEqualTo("20002");
        assertThat(config).as("no service left as 10001").doesNotContain("10001");
    }

    /**
     * The services that run for good get the systemd units' stop time (their TimeoutStopSec), not Docker's 10 s: the
     * listener's last commit waits up to --kafka-timeout, the forwarder's commits and close some 20 s while Kafka is
     * slow; killed at 10 s, the listener's open transaction stalled its partition for every host on it, and no
     * "stopping" heartbeat went out (a silent-host alert). Their logs are bounded (json-file keeps them whole
     * otherwise), and the hardening still applies. Read with the real {@code docker compose config}.
     */
    @Test
    void eachServiceThatRunsForGoodStopsInTheUnitsTimeAndKeepsBoundedLogs() throws Exception {
        Map<String, String> env = Map.of("DOCKER_GID", "998", "WAZUH_GID", "997");
        String config = run(List.of("docker", "compose", "-p", "dwb-stop-" + UUID.randomUUID().toString()
                .substring(0, 8), "-f", ROOT.resolve("docker-compose.yml").toString(), "config"), env,
                Duration.ofSeconds(60));
        com.fasterxml.jackson.databind.JsonNode services = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(config).path("services");
        java.util.regex.Matcher unit = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)s$").matcher(
                Files.readString(ROOT.resolve("deploy/release/dwb.service")));
        assertThat(unit.find()).isTrue();
        Duration unitsStop = Duration.ofSeconds(Long.parseLong(unit.group(1)));
        for (String service : List.of("kafka", "engine-proxy", "listener", "forwarder")) {
            com.fasterxml.jackson.databind.JsonNode s = services.path(service);
            assertThat(Duration.parse("PT" + s.path("stop_grace_period").asText().toUpperCase()))
                    .as("%s's stop", service).isEqualTo(unitsStop);
            assertThat(s.path("logging").path("driver").asText()).as(service).isEqualTo("json-file");
            assertThat(s.path("logging").path("options").path("max-size").asText()).as(service).isEqualTo("10m");
            assertThat(s.path("logging").path("options").path("max-file").asText()).as(service).isEqualTo("5");
            assertThat(s.path("cap_drop").toString()).as("%s still hardened", service).contains("ALL");
            assertThat(s.path("read_only").asBoolean()).as(service).isTrue();
        }
    }

    private void build(String module, String tag) throws Exception {
        Path jar = ROOT.resolve(module).resolve("target").resolve(module + ".jar");
        assertThat(jar).as("%s: build it with `mvn -pl %s -am package -DskipTests`", jar, module).exists();
        Path context = Files.createDirectories(work.resolve("context-" + module));
        Files.copy(jar, context.resolve(module + ".jar"));
        Files.copy(jar.resolveSibling("jvm.options"), context.resolve("jvm.options")); // its JVM flags, beside it
        Path classList = jar.resolveSibling(module + ".classlist"); // the listener's, for its class archive
        if (Files.exists(classList)) {
            Files.copy(classList, context.resolve(classList.getFileName()));
        }
        // The classic builder: no buildx plugin is needed on a machine without a registry.
        run(List.of("docker", "build", "-q", "--build-arg", "BASE_IMAGE=" + JRE_IMAGE, "-f",
                ROOT.resolve("deploy").resolve(module + ".Dockerfile").toString(), "-t", tag, context.toString()),
                Map.of("DOCKER_BUILDKIT", "0"), Duration.ofMinutes(5));
    }

    /** Builds {@code image} with the script {@code build} (a path from the project root) when it is missing. */
    private static void ensureImage(String image, String build) throws Exception {
        Process inspect = new ProcessBuilder("docker", "image", "inspect", image).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (inspect.waitFor() != 0) {
            run(List.of(ROOT.resolve(build).toString(), image), Map.of(), Duration.ofMinutes(5));
        }
    }

    /** The uid of every process of a Compose service's container, as the engine sees them ({@code docker top}). */
    private static List<String> processUids(List<String> compose, Map<String, String> env, String service)
            throws Exception {
        String id = run(concat(compose, "ps", "-q", service), env, Duration.ofSeconds(60)).strip();
        String[] lines = run(List.of("docker", "top", id, "-o", "pid,uid"), env, Duration.ofSeconds(60)).split("\\R");
        List<String> uids = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] columns = lines[i].strip().split("\\s+");
            if (columns.length == 2) {
                uids.add(columns[1]);
            }
        }
        return uids;
    }

    /** The exit code of a command (its output is not kept). */
    private static int exitCode(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
        return process.exitValue();
    }

    /** The address of a Compose service's container on the project network (the engine runs on this machine). */
    private static String containerAddress(List<String> compose, Map<String, String> env, String service)
            throws Exception {
        String id = run(concat(compose, "ps", "-q", service), env, Duration.ofSeconds(60)).strip();
        return run(List.of("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id),
                env, Duration.ofSeconds(60)).strip();
    }

    /** The HTTP status the proxy answers on its Unix socket to {@code method path}. */
    private static int status(Path socket, String method, String path) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap((method + " " + path + " HTTP/1.0\r\nHost: engine\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer head = ByteBuffer.allocate(64);
            while (head.position() < 12) { // the status line's first 12 characters: "HTTP/1.x NNN"
                if (channel.read(head) < 0) {
                    break;
                }
            }
            String line = new String(head.array(), 0, head.position(), StandardCharsets.US_ASCII);
            assertThat(line).as("status line from %s", socket).startsWith("HTTP/1.");
            return Integer.parseInt(line.substring(9, 12));
        }
    }

    /** Whether a process of {@code uid} (no groups) connects to the Unix socket {@code socket}. */
    private static boolean connectsAs(int uid, Path socket) throws Exception {
        return exitCode(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "perl",
                "-MIO::Socket::UNIX", "-e", "exit(IO::Socket::UNIX->new(Peer => $ARGV[0]) ? 0 : 1)",
                socket.toString()), Map.of()) == 0;
    }

    /** Whether a TCP connection to {@code address:port} from this host is refused (nothing listens there). */
    private static boolean refusesConnections(String address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 10_000);
            return false;
        } catch (ConnectException refused) {
            return true;
        }
    }

    /** What listing Kafka's topics at {@code address:9092} with {@code login} fails with (null: it succeeded). */
    private static Throwable topicsListedWith(String address, Map<String, Object> login) throws InterruptedException {
        Map<String, Object> config = new HashMap<>(login);
        config.put("bootstrap.servers", address + ":9092");
        config.put("default.api.timeout.ms", 10_000);
        config.put("request.timeout.ms", 5_000);
        try (Admin admin = Admin.create(config)) {
            admin.listTopics().names().get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Where a volume's files are on this host (as root, the test may read them). */
    private static Path volumePath(String volume) throws Exception {
        return Path.of(run(List.of("docker", "volume", "inspect", "-f", "{{.Mountpoint}}", volume), Map.of(),
                Duration.ofSeconds(60)).strip());
    }

    /** The engine's socket path on this machine, to mount into the listener's container. */
    private static String engineSocket() {
        String host = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        assertThat(host).as("DOCKER_HOST must be a unix socket for this test").startsWith("unix://");
        return host.substring("unix://".length());
    }
}
