package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/release} on the jars this build packaged: each process's tarball runs with no Java on the PATH, and
 * each Debian package installs with dpkg, as on this machine, into a throwaway root ({@code dpkg --root}, the
 * maintainer scripts run chrootless with DPKG_ROOT, as Debian's own bootstrap tools do): its user, its groups, its
 * unit (checked by {@code systemd-analyze verify}; no systemd runs here), whose command answers {@code --version}
 * with the options file it names, and the standalone's runs the bridge; removal keeps the configuration, purge
 * removes it.
 */
class ReleasePackagedTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Duration SLOW = Duration.ofMinutes(8);

    @TempDir
    static Path out;

    @TempDir
    Path work;

    private static String version;
    /** The JVM's class loading, on standard output: where each class came from. */
    private static final String CLASS_LOAD_LOG = "-Xlog:class+load=info";
    /** The processes with a class list, whose launcher writes and uses a class archive. */
    private static final Set<String> WITH_ARCHIVE = Set.of("listener", "standalone");

    @BeforeAll
    static void release() throws Exception {
        Map<String, String> env = Map.of("MAVEN_REPO_LOCAL", System.getProperty("maven.repo.local",
                System.getProperty("user.home") + "/.m2/repository"));
        // Under a umask that lets the group write (Debian's default for a user with a group of their own): what it
        // ships must not depend on the builder's umask.
        Commands.run(List.of("sh", "-c", "umask 0002 && exec \"$0\" \"$@\"", ROOT.resolve("bin/release").toString(),
                "--no-build", "--out", out.toString()), env, SLOW);
        version = Commands.run(List.of("unzip", "-p", "target/standalone.jar", "META-INF/MANIFEST.MF"), Map.of(),
                        Duration.ofSeconds(30)).lines().filter(l -> l.startsWith("Implementation-Version: "))
                .map(l -> l.substring("Implementation-Version: ".length()).strip()).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"listener", "forwarder", "standalone"})
    void theTarballsLauncherRunsOnItsOwnRuntimeWithNoJavaOnThePath(String process) throws Exception {
        Path tarball = out.resolve("docker-wazuh-bridge-" + process + "-" + version + "-linux-amd64.tar.gz");
        Commands.run(List.of("tar", "-xzf", tarball.toString(), "-C", work.toString()), Map.of(), SLOW);
        Path home = work.resolve("docker-wazuh-bridge-" + process + "-" + version);

        assertThat(noJava(home.resolve("bin/" + process).toString(), "--version")).isEqualTo(process + " " + version);
        // The one source of its JVM flags, shipped beside the jar.
        assertThat(home.resolve("lib/jvm.options")).hasSameTextualContentAs(ROOT.resolve(process + "/src/main/jvm/jvm.options"));
        assertThat(home.resolve("runtime/bin/java")).isExecutable();
        assertThat(home.resolve("LICENSE")).hasSameTextualContentAs(ROOT.resolve("LICENSE"));
        // What it bundles, with licences, from its SBOM; each dependency's own files; the SBOM itself.
        assertThat(Files.readString(home.resolve("THIRD-PARTY.txt")))
                .containsPattern("org\\.apache\\.kafka:kafka-clients:\\S+\\s+Apache-2\\.0")
                .containsPattern("com\\.fasterxml\\.jackson\\.core:jackson-databind:\\S+\\s+Apache-2\\.0");
        assertThat(home.resolve("licenses/com.fasterxml.jackson.core/jackson-databind")).isDirectoryContaining("glob:**/NOTICE*");
        assertThat(Files.readString(home.resolve("bom.json"))).containsPattern("\"bomFormat\"\\s*:\\s*\"CycloneDX\"")
                .contains("pkg:maven/org.apache.kafka/kafka-clients@");
        assertThat(out.resolve("docker-wazuh-bridge-" + process + "-" + version + ".cdx.json")).hasSameTextualContentAs(home.resolve("bom.json"));
        // The Wazuh rules of the alerts it sends, of this release, beside the process that sends them.
        Path rules = home.resolve("wazuh/docker-wazuh-bridge_rules.xml");
        if (process.equals("listener")) {
            assertThat(rules).doesNotExist();
        } else {
            assertThat(rules).hasSameTextualContentAs(
                    ROOT.resolve("forwarder/src/main/wazuh/docker-wazuh-bridge_rules.xml"));
        }

        // The class archive: written on the host by the launcher, then mapped: the process's own classes come from it
        // (the JVM would load them from the jar if it could not use it: another jar, another runtime). The forwarder
        // has no class list.
        String written = noJava(home.resolve("bin/" + process).toString(), "--write-class-archive");
        if (WITH_ARCHIVE.contains(process)) {
            assertThat(written).isEmpty();
            assertThat(home.resolve("lib/" + process + ".classlist")).hasSameTextualContentAs(
                    ROOT.resolve(process + "/src/main/jvm/" + process + ".classlist"));
            assertThat(home.resolve("lib/" + process + ".jsa")).isNotEmptyFile();
            assertThat(noJava(Map.of("JAVA_TOOL_OPTIONS", CLASS_LOAD_LOG), home.resolve("bin/" + process).toString(),
                    "--version")).contains(fromArchive(process)).contains(process + " " + version);
        } else {
            assertThat(written).contains("no class list");
            assertThat(home.resolve("lib/" + process + ".jsa")).doesNotExist();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"listener", "forwarder", "standalone"})
    void theDebianPackageInstallsItsServiceAndRemovingKeepsItsConfiguration(String process) throws Exception {
        Path deb = out.resolve("docker-wazuh-bridge-" + process + "_" + version.replace("-SNAPSHOT", "~SNAPSHOT")
                + "_amd64.deb");
        String unitName = "dwb-" + process;
        Path root = throwawayRoot(deb);

        String installed = dpkg(root, "--install", deb.toString());
        assertThat(installed).contains("set its options in /etc/default/" + unitName);

        // Its own system user, no login, a member of no group: the groups its sockets need are the unit's, for the
        // service alone (SupplementaryGroups=, as standalone/service/install gives them), not the user's.
        assertThat(Files.readAllLines(root.resolve("etc/passwd")))
                .anySatisfy(l -> assertThat(l).startsWith(unitName + ":").endsWith(":/nonexistent:/usr/sbin/nologin"));
        assertThat(memberships(root, unitName)).isEmpty();
        Path groupsDropIn = groupsDropIn(root, unitName);
        assertThat(unitSettings(groupsDropIn).get("SupplementaryGroups")).containsExactly(switch (process) {
            case "listener" -> "docker";
            case "forwarder" -> "wazuh";
            default -> "docker wazuh";
        });

        Path unitFile = root.resolve("lib/systemd/system/" + unitName + ".service");
        Map<String, List<String>> unit = unitSettings(unitFile);
        assertThat(unit.get("User")).containsExactly(unitName);
        assertThat(unit.get("EnvironmentFile")).containsExactly("/etc/default/" + unitName);
        assertThat(unit.get("NoNewPrivileges")).containsExactly("yes");
        assertThat(unit.get("ProtectSystem")).containsExactly("strict");
        assertThat(unit.get("ProtectHome")).containsExactly("yes");
        assertThat(unit.get("PrivateTmp")).containsExactly("yes");
        assertThat(unit.get("CapabilityBoundingSet")).containsExactly("");
        assertThat(unit.get("RestrictAddressFamilies")).containsExactly("AF_UNIX AF_INET AF_INET6");
        assertThat(unit).doesNotContainKey("ReadWritePaths");
        // The unit itself, by systemd's own checker, with its paths pointed into the throwaway root.
        Path rooted = work.resolve(unitName + ".service");
        Files.writeString(rooted, Files.readString(unitFile)
                .replace("ExecStart=/", "ExecStart=" + root + "/").replace("EnvironmentFile=/", "EnvironmentFile=" + root + "/"));
        // With the groups' drop-in beside it, where systemd-analyze reads drop-ins of a unit given by its path.
        Files.copy(groupsDropIn, Files.createDirectories(work.resolve(unitName + ".service.d")).resolve("groups.conf"));
        assertThat(Commands.run(List.of("systemd-analyze", "verify", rooted.toString()), Map.of(), SLOW)).isBlank();

        // Its command, with the environment the unit gives it, answers without any Java on the PATH.
        Path conffile = root.resolve("etc/default/" + unitName);
        List<String> command = new ArrayList<>(List.of(unit.get("ExecStart").get(0).split(" ")));
        command.set(0, root + command.get(0));
        command.add("--version");
        assertThat(noJava(environment(unit, conffile), command.toArray(String[]::new))).isEqualTo(process + " " + version);
        // The class archive, written by postinst, is what that command maps its classes from.
        Path archive = root.resolve("opt/docker-wazuh-bridge/" + process + "/lib/" + process + ".jsa");
        if (WITH_ARCHIVE.contains(process)) {
            Map<String, String> classLoadLog = new LinkedHashMap<>(environment(unit, conffile));
            classLoadLog.put("JAVA_TOOL_OPTIONS", CLASS_LOAD_LOG);
            assertThat(archive).isNotEmptyFile();
            assertThat(noJava(classLoadLog, command.toArray(String[]::new))).contains(fromArchive(process));
        } else {
            assertThat(archive).doesNotExist();
        }
        // The Wazuh rules of the alerts it sends, where docs/wazuh.md says to copy them from.
        Path rules = root.resolve("opt/docker-wazuh-bridge/" + process + "/wazuh/docker-wazuh-bridge_rules.xml");
        if (process.equals("listener")) {
            assertThat(rules).doesNotExist();
        } else {
            assertThat(rules).isRegularFile();
        }

        // Removed: the unit and the files go, the configuration (a conffile) and the user stay; purged: it goes too.
        Files.writeString(conffile, "DWB_METRICS_PORT=9464\n", java.nio.file.StandardOpenOption.APPEND);
        dpkg(root, "--remove", "docker-wazuh-bridge-" + process);
        assertThat(unitFile).doesNotExist();
        assertThat(groupsDropIn.getParent()).doesNotExist();
        assertThat(root.resolve("opt/docker-wazuh-bridge/" + process)).doesNotExist();
        assertThat(Files.readString(conffile)).endsWith("DWB_METRICS_PORT=9464\n");
        assertThat(Files.readString(root.resolve("etc/passwd"))).contains(unitName + ":");
        dpkg(root, "--purge", "docker-wazuh-bridge-" + process);
        assertThat(conffile).doesNotExist();
    }

    /**
     * Before, postinst made the user a member of {@code docker} and {@code wazuh} (usermod -aG), so the groups counted
     * for any process of the user ({@code docker}'s is as good as root), where standalone/service/install gives them to
     * its unit alone. Now the package does as the installer: a drop-in's SupplementaryGroups=, with the groups that
     * exist (systemd would not start a unit naming one that does not); an upgrade says a membership an earlier version
     * gave and leaves it (an admin's looks the same), and a group made later is granted at the next configure (dpkg-reconfigure; here the same
     * package installed again, which runs the same postinst configure). No systemd runs here: that the service then
     * has the groups is systemd's SupplementaryGroups=, not checked.
     */
    @Test
    void theGroupsAreTheUnitsOnlyAnUpgradeSaysTheUsersOwnAndAGroupMadeLaterIsGrantedAtTheNextConfigure()
            throws Exception {
        Path deb = out.resolve("docker-wazuh-bridge-standalone_" + version.replace("-SNAPSHOT", "~SNAPSHOT") + "_amd64.deb");
        Path root = throwawayRoot(deb);
        // What an earlier version's postinst left: its user, a member of docker; and no wazuh group yet.
        Path etc = root.resolve("etc");
        Files.writeString(etc.resolve("passwd"), "dwb-standalone:x:998:998:docker-wazuh-bridge standalone:"
                + "/nonexistent:/usr/sbin/nologin\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(etc.resolve("shadow"), "dwb-standalone:!:20000::::::\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(etc.resolve("group"), "root:x:0:\ndocker:x:990:dwb-standalone\ndwb-standalone:x:998:\n");
        Files.writeString(etc.resolve("gshadow"), "root:*::\ndocker:!::dwb-standalone\ndwb-standalone:!::\n");

        String installed = dpkg(root, "--install", deb.toString());
        assertThat(installed).contains("dwb-standalone is also a member of 'docker' itself (earlier versions made it "
                        + "so; dwb-standalone.service has it as SupplementaryGroups= now): gpasswd -d dwb-standalone docker")
                .contains("no group 'wazuh' yet").contains("once there: dpkg-reconfigure docker-wazuh-bridge-standalone");
        // Said, not undone: the package cannot tell its own grant from an admin's (another unit, a job of the user)
        assertThat(memberships(root, "dwb-standalone")).containsExactly("docker");
        assertThat(unitSettings(groupsDropIn(root, "dwb-standalone")).get("SupplementaryGroups"))
                .containsExactly("docker");

        Files.writeString(etc.resolve("group"), "wazuh:x:991:\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(etc.resolve("gshadow"), "wazuh:!::\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(dpkg(root, "--install", deb.toString())).doesNotContain("no group");
        assertThat(unitSettings(groupsDropIn(root, "dwb-standalone")).get("SupplementaryGroups"))
                .containsExactly("docker wazuh");

        dpkg(root, "--purge", "docker-wazuh-bridge-standalone");
        assertThat(root.resolve("lib/systemd/system/dwb-standalone.service.d")).doesNotExist();
    }

    /**
     * The standalone package's command, as its unit runs it, really runs the bridge on the jlinked runtime (the embedded
     * broker, the listener on this machine's engine, the forwarder): the runtime holds every module they need.
     * SIGTERM, what systemctl stop sends, stops it cleanly.
     */
    /**
     * Built under a umask of 0002, the packages and tarballs shipped group-writable files (group root in the .deb),
     * among them what root runs: the maintainer scripts, the launcher the unit starts, its options file.
     */
    @ParameterizedTest
    @ValueSource(strings = {"listener", "forwarder", "standalone"})
    void nothingShippedIsWritableButByItsOwnerWhateverTheBuildersUmask(String process) throws Exception {
        Path deb = out.resolve("docker-wazuh-bridge-" + process + "_" + version.replace("-SNAPSHOT", "~SNAPSHOT")
                + "_amd64.deb");
        Path tarball = out.resolve("docker-wazuh-bridge-" + process + "-" + version + "-linux-amd64.tar.gz");
        String listed = Commands.run(List.of("dpkg-deb", "--contents", deb.toString()), Map.of(), SLOW)
                + Commands.run(List.of("tar", "-tvzf", tarball.toString()), Map.of(), SLOW)
                + Commands.run(List.of("sh", "-c", "dpkg-deb --ctrl-tarfile \"$0\" | tar -tv", deb.toString()),
                        Map.of(), SLOW);
        List<String> writable = listed.lines().filter(l -> l.length() > 9 && "-dl".indexOf(l.charAt(0)) >= 0)
                .filter(l -> l.charAt(0) != 'l' && (l.charAt(5) == 'w' || l.charAt(8) == 'w')).toList();
        assertThat(listed).contains("bin/" + process);
        assertThat(writable).isEmpty();
    }

    @Test
    void theStandalonePackagesCommandRunsTheBridgeOnItsOwnRuntime() throws Exception {
        Path deb = out.resolve("docker-wazuh-bridge-standalone_" + version.replace("-SNAPSHOT", "~SNAPSHOT") + "_amd64.deb");
        Path root = throwawayRoot(deb);
        dpkg(root, "--install", deb.toString());
        Map<String, List<String>> unit = unitSettings(root.resolve("lib/systemd/system/dwb-standalone.service"));
        Map<String, String> env = new LinkedHashMap<>(environment(unit, root.resolve("etc/default/dwb-standalone")));
        // Where systemd's StateDirectory= would be, inside the throwaway root; alerts on standard output.
        env.put("DWB_DATA_DIR", Files.createDirectories(root.resolve("var/lib/dwb-standalone")).toString());
        env.put("DWB_WAZUH_QUEUE", "-");
        env.put("DWB_KAFKA_PORT", "0");
        env.put("DOCKER_HOST", System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock"));
        List<String> command = new ArrayList<>(List.of("env", "-i", "PATH=" + Files.createDirectories(work.resolve("empty-path"))));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.add(root + unit.get("ExecStart").get(0));
        Path log = work.resolve("standalone.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
                return Files.readString(log).contains("subscribed to GET /events");
            });
            process.toHandle().destroy();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
            assertThat(process.exitValue()).as(Files.readString(log)).isZero();
            assertThat(root.resolve("var/lib/dwb-standalone/kafka/meta.properties")).exists();
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * A root with dpkg's database listing this machine's packages that the package depends on (so its Depends are
     * checked against what is really installed here), and the user and group files of a host with Docker and Wazuh.
     */
    private Path throwawayRoot(Path deb) throws Exception {
        Path root = Files.createDirectories(work.resolve("root"));
        Path admin = Files.createDirectories(root.resolve("var/lib/dpkg"));
        Files.createDirectories(admin.resolve("info"));
        Files.createDirectories(admin.resolve("updates"));
        Files.createFile(admin.resolve("available"));
        String depends = Commands.run(List.of("dpkg-deb", "--field", deb.toString(), "Depends"), Map.of(), SLOW);
        List<String> packages = Stream.of(depends.strip().split(",\\s*"))
                .map(d -> d.replaceAll("[ (].*", "")).toList();
        List<String> query = new ArrayList<>(List.of("dpkg-query", "--status"));
        query.addAll(packages);
        Files.writeString(admin.resolve("status"), Commands.run(query, Map.of(), SLOW));
        for (String name : Commands.run(concatAll(List.of("dpkg-query", "--showformat=${binary:Package}\\n", "--show"), packages),
                Map.of(), SLOW).strip().split("\n")) {
            Files.createFile(admin.resolve("info/" + name + ".list"));
        }
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(etc.resolve("shadow"), "root:*:20000:0:99999:7:::\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\ndocker:x:990:\nwazuh:x:991:\n");
        Files.writeString(etc.resolve("gshadow"), "root:*::\ndocker:!::\nwazuh:!::\n");
        return root;
    }

    /** The groups of the root's /etc/group that list {@code user} as a member. */
    private static Set<String> memberships(Path root, String user) throws Exception {
        return Files.readAllLines(root.resolve("etc/group")).stream()
                .filter(l -> Arrays.asList(l.substring(l.lastIndexOf(':') + 1).split(",")).contains(user))
                .map(l -> l.substring(0, l.indexOf(':'))).collect(Collectors.toSet());
    }

    /** The drop-in postinst writes with the unit's SupplementaryGroups=. */
    private static Path groupsDropIn(Path root, String unitName) {
        return root.resolve("lib/systemd/system/" + unitName + ".service.d/groups.conf");
    }

    /** The class-load log line of the process's main class mapped from its class archive, not read from its jar. */
    private static String fromArchive(String process) {
        return "io.dwb." + process + ".Main source: shared objects file";
    }

    private static List<String> concatAll(List<String> head, List<String> tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(tail);
        return all;
    }

    private static String dpkg(Path root, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-script-chrootless"));
        command.addAll(List.of(args));
        return Commands.run(command, Map.of(), SLOW);
    }

    /** The [Service] settings of a unit file: key to its values, in order. */
    private static Map<String, List<String>> unitSettings(Path unitFile) throws Exception {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        boolean service = false;
        for (String line : Files.readAllLines(unitFile)) {
            if (line.startsWith("[")) {
                service = line.equals("[Service]");
            } else if (service && !line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                settings.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        return settings;
    }

    /** What systemd gives the command: the unit's Environment= lines, then its EnvironmentFile's assignments. */
    private static Map<String, String> environment(Map<String, List<String>> unit, Path environmentFile) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        Stream.concat(unit.getOrDefault("Environment", List.of()).stream().flatMap(l -> Stream.of(l.split(" "))),
                        Files.readAllLines(environmentFile).stream().filter(l -> !l.isBlank() && !l.startsWith("#")))
                .forEach(assignment -> env.put(assignment.substring(0, assignment.indexOf('=')),
                        assignment.substring(assignment.indexOf('=') + 1)));
        return env;
    }

    private String noJava(String... command) throws Exception {
        return noJava(Map.of(), command);
    }

    /** Runs a command with an empty environment but for env, and a PATH holding nothing: no java, no JAVA_HOME. */
    private String noJava(Map<String, String> env, String... command) throws Exception {
        Path emptyBin = Files.createDirectories(work.resolve("empty-path"));
        List<String> full = new ArrayList<>(List.of("env", "-i", "PATH=" + emptyBin));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.addAll(List.of(command));
        return Commands.run(full, Map.of(), SLOW).strip();
    }
}
