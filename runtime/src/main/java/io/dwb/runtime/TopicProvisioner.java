package io.dwb.runtime;

import io.dwb.runtime.TopicProblem.Severity;
import io.dwb.runtime.TopicProblem.Subject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a {@link TopicPlan} true on a cluster: creates the missing topics (unless the plan may not), and checks the
 * existing ones against what they are for. A topic that would lose data stops the process
 * with a {@link ConfigurationError} naming the topic and the setting; a topic that only works less well (fewer
 * partitions or replicas than asked) is a WARN line. It is also a process's first contact with Kafka, so it is where
 * an unreachable cluster is reported ({@link KafkaUnreachable}), naming the servers tried.
 */
public final class TopicProvisioner {
    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Admin admin;
    private final String bootstrapServers;
    private final Duration timeout;
    private final LongSupplier nanoTime;
    /** The settings of the existing topics, as the last check read them. */
    private final Map<String, Config> settingsRead = new HashMap<>();

    public TopicProvisioner(Admin admin, String bootstrapServers, Duration timeout) {
        this(admin, bootstrapServers, timeout, System::nanoTime);
    }

    TopicProvisioner(Admin admin, String bootstrapServers, Duration timeout, LongSupplier nanoTime) {
        this.admin = admin;
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
        this.nanoTime = nanoTime;
    }

    /**
     * An admin client whose calls give up after {@code timeout}, unless the client configuration says otherwise
     * ({@link ClientTimeouts#admin}).
     */
    public static Admin admin(Properties clientConfig, Duration timeout) {
        return Admin.create(ClientTimeouts.admin(clientConfig, timeout));
    }

    /**
     * Creates what is missing and checks what exists.
     *
     * @return the warnings, already logged
     * @throws ConfigurationError a topic is missing and may not be created, cannot be created as asked, or exists
     *                            but cannot work; the message names each topic and setting
     * @throws KafkaUnreachable   no answer within the timeout, or another failure of Kafka
     */
    public List<TopicProblem> ensure(TopicPlan plan) {
        return asking("describe or create topics", () -> {
            Cluster cluster = cluster(plan);
            Brokers brokers = cluster.brokers();
            short factor = plan.replication().factorFor(brokers.count());
            int minInsync = plan.replication().minInsyncFor(factor);
            Set<String> existing = cluster.topics();
            List<TopicSpec> missing = plan.topics().stream().filter(t -> !existing.contains(t.name())).toList();
            // Existing topics first: a refusal leaves the cluster as it was.
            List<TopicProblem> problems = check(plan.topics().stream().filter(t -> existing.contains(t.name()))
                    .toList(), factor);
            refuseIfAny(problems);
            if (!missing.isEmpty()) {
                if (!plan.create()) {
                    throw new ConfigurationError(missing.stream().map(t -> "topic " + t.name() + " does not exist "
                            + "and --create-topics is false: create it with " + t.describe(factor, minInsync)
                            + " (docs/deployment.md), or name another with " + t.role().nameOption())
                            .collect(Collectors.joining("; ")));
                }
                if (factor > brokers.count()) {
                    throw new ConfigurationError("--replication-factor " + factor + " is more than the "
                            + brokers.count() + " broker(s) of the cluster at " + bootstrapServers);
                }
                if (minInsync > factor) {
                    throw new ConfigurationError("--min-insync-replicas " + minInsync + " is more than the "
                            + "replication factor " + factor + ": Kafka would ask all " + factor + " in sync for "
                            + "each write (before 3.7, refuse every write); give at most " + factor);
                }
                if (factor > brokers.up().size()) {
                    log.info("{} of the cluster at {} down: creating topic(s) {} with replication factor {} all "
                            + "the same; the replicas Kafka places there catch up once it is back",
                            brokers.downText(), bootstrapServers, String.join(", ", names(missing)), factor);
                }
                Set<String> created = create(missing, factor, minInsync, problems);
                // Those another process created first are checked like any existing topic.
                problems.addAll(check(missing.stream().filter(t -> !created.contains(t.name())).toList(), factor));
                refuseIfAny(problems);
                // Our own: returned once the brokers know them, so the caller's first produce or assign finds them.
                whenKnown(missing.stream().filter(t -> created.contains(t.name())).toList(), specs -> {
                    get(admin.describeTopics(names(specs)).allTopicNames());
                    return null;
                });
            }
            problems.forEach(p -> log.warn("{}", p.message()));
            return problems;
        });
    }

    /**
     * What {@link #ensure} would find, without creating or changing anything: the problems of the existing topics,
     * and a refusal for a missing one that may not be created (for {@code --check}).
     *
     * @throws KafkaUnreachable no answer within the timeout, or another failure of Kafka
     */
    public List<TopicProblem> inspect(TopicPlan plan) {
        return asking("describe topics", () -> {
            Cluster cluster = cluster(plan);
            int brokers = cluster.brokers().count();
            short factor = plan.replication().factorFor(brokers);
            int minInsync = plan.replication().minInsyncFor(factor);
            Set<String> existing = cluster.topics();
            List<TopicProblem> problems = check(plan.topics().stream().filter(t -> existing.contains(t.name()))
                    .toList(), factor);
            for (TopicSpec t : plan.topics()) {
                if (existing.contains(t.name())) {
                    continue;
                }
                if (!plan.create()) {
                    problems.add(new TopicProblem(t.name(), "--create-topics", Subject.LAYOUT,
                            Severity.REFUSAL, "topic " + t.name()
                            + " does not exist and --create-topics is false: create it with "
                            + t.describe(factor, minInsync) + " (docs/deployment.md)"));
                } else if (factor > brokers || minInsync > factor) {
                    problems.add(new TopicProblem(t.name(), "--replication-factor", Subject.LAYOUT,
                            Severity.REFUSAL, "topic "
                            + t.name() + " cannot be created with replication factor " + factor + " and "
                            + "min.insync.replicas " + minInsync + " on " + brokers + " broker(s)"));
                }
            }
            return problems;
        });
    }

    /**
     * The problems of the plan's existing topics, as {@link #ensure} finds them, and nothing of a missing one: for a
     * process that watches a topic others create (the forwarder, the events topic), whose absence it tells otherwise.
     *
     * @throws KafkaUnreachable no answer within the timeout, or another failure of Kafka
     */
    public List<TopicProblem> existingProblems(TopicPlan plan) {
        return asking("describe topics", () -> {
            Cluster cluster = cluster(plan);
            short factor = plan.replication().factorFor(cluster.brokers().count());
            return check(plan.topics().stream().filter(t -> cluster.topics().contains(t.name())).toList(), factor);
        });
    }

    /** Admin calls that may time out, fail or be interrupted: each as {@link KafkaUnreachable}. */
    @FunctionalInterface
    private interface AdminCalls<T> {
        T run() throws ExecutionException, TimeoutException, InterruptedException;
    }

    private <T> T asking(String what, AdminCalls<T> calls) {
        try {
            return calls.run();
        } catch (TimeoutException e) {
            throw unreachable(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(e);
            }
            throw new KafkaUnreachable("Kafka at " + bootstrapServers + " refused to " + what + ": "
                    + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnreachable("interrupted while contacting Kafka at " + bootstrapServers, e);
        }
    }

    private static void refuseIfAny(List<TopicProblem> problems) {
        List<TopicProblem> refusals = problems.stream().filter(p -> p.severity() == Severity.REFUSAL).toList();
        if (!refusals.isEmpty()) {
            throw new ConfigurationError(refusals.stream().map(TopicProblem::message)
                    .collect(Collectors.joining("; ")));
        }
    }

    /**
     * Creates {@code specs}; returns the names this call created (not those another process created first). A topic
     * the brokers refuse for a setting they are too old to know is created without it, and a warning added to
     * {@code problems}. One whose replicas Kafka cannot place for now (a broker in controlled shutdown is no place
     * for a new replica, a broker down is) is asked again until the timeout, never created with fewer replicas.
     */
    private Set<String> create(List<TopicSpec> specs, short factor, int minInsync, List<TopicProblem> problems)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<String, KafkaFuture<Void>> results = admin.createTopics(specs.stream()
                .map(t -> newTopic(t, factor, minInsync)).toList()).values();
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        boolean waited = false; // said once
        Set<String> created = new HashSet<>();
        for (TopicSpec asked : specs) {
            TopicSpec spec = asked;
            try {
                String unknownSetting = null; // older brokers' refusal of a setting the topic was then created without
                Backoff backoff = new Backoff(UntilTopicKnown.FIRST_RETRY, UntilTopicKnown.MAX_RETRY);
                for (ExecutionException refused = refusal(results.get(spec.name())); refused != null;
                        refused = refusal(admin.createTopics(List.of(newTopic(spec, factor, minInsync))).all())) {
                    Throwable cause = refused.getCause();
                    if (unknownToOlderBrokers(spec, cause)) {
                        unknownSetting = cause.getMessage();
                        spec = spec.forOlderBrokers();
                    } else if (cause instanceof InvalidReplicationFactorException) {
                        Duration wait = backoff.next();
                        if (nanoTime.getAsLong() + wait.toNanos() - deadline > 0) {
                            throw new KafkaUnreachable("Kafka at " + bootstrapServers + " could not place the "
                                    + factor + " replicas of topic " + spec.name() + " within "
                                    + timeout.toSeconds() + " s (" + cause.getMessage() + "): it is not created "
                                    + "with fewer; asked again at the next start", refused);
                        }
                        if (!waited) {
                            waited = true;
                            log.warn("Kafka at {} cannot place the {} replicas of topic {} now ({}): a broker is "
                                    + "stopping, or none is up; asking again for up to {} s rather than creating it "
                                    + "with fewer",
                                    bootstrapServers, factor, spec.name(), cause.getMessage(), timeout.toSeconds());
                        }
                        Thread.sleep(wait.toMillis());
                    } else {
                        throw refused;
                    }
                }
                created.add(spec.name());
                log.info("created topic {}: {}", spec.name(), spec.describe(factor, minInsync));
                if (unknownSetting != null) {
                    problems.add(TopicChecks.withoutDecompressedBound(asked, "Kafka at " + bootstrapServers
                            + " does not know " + TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG + " ("
                            + unknownSetting + "): topic " + spec.name() + " was created without it"));
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof TopicExistsException) {
                    continue; // another process created it first
                }
                if (cause instanceof AuthorizationException) {
                    throw new ConfigurationError("not allowed to create topic " + spec.name() + " ("
                            + cause.getMessage() + "): grant CREATE on it, or create it with "
                            + spec.describe(factor, minInsync) + " and give --create-topics false", cause);
                }
                if (cause instanceof PolicyViolationException || cause instanceof InvalidConfigurationException
                        || cause instanceof InvalidPartitionsException) {
                    throw new ConfigurationError("Kafka refused to create topic " + spec.name() + " with "
                            + spec.describe(factor, minInsync) + ": " + cause.getMessage(), cause);
                }
                throw e;
            }
        }
        return created;
    }

    /** The failure of a creation, null once it succeeded. */
    private ExecutionException refusal(KafkaFuture<Void> creation) throws TimeoutException, InterruptedException {
        try {
            get(creation);
            return null;
        } catch (ExecutionException e) {
            return e;
        }
    }

    private static NewTopic newTopic(TopicSpec spec, short factor, int minInsync) {
        return new NewTopic(spec.name(), spec.partitions(), factor).configs(withMinInsync(spec.configs(), minInsync));
    }

    /** Refused for a setting of {@link TopicSpec#NOT_ON_OLDER_BROKERS} the brokers do not know. */
    private static boolean unknownToOlderBrokers(TopicSpec spec, Throwable refusal) {
        return refusal instanceof InvalidConfigurationException && refusal.getMessage() != null
                && TopicSpec.NOT_ON_OLDER_BROKERS.stream()
                        .anyMatch(k -> spec.configs().containsKey(k) && refusal.getMessage().contains(k));
    }

    private static Map<String, String> withMinInsync(Map<String, String> configs, int minInsync) {
        Map<String, String> all = new LinkedHashMap<>(configs);
        all.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(minInsync));
        return all;
    }

    private List<TopicProblem> check(List<TopicSpec> specs, short factor)
            throws ExecutionException, TimeoutException, InterruptedException {
        if (specs.isEmpty()) {
            return new ArrayList<>();
        }
        return whenKnown(specs, known -> checkNow(known, factor));
    }

    /** {@code request} on {@code specs}, asked again while Kafka does not know them yet ({@link UntilTopicKnown}). */
    private <T> T whenKnown(List<TopicSpec> specs, MetadataRequest<T> request)
            throws ExecutionException, TimeoutException, InterruptedException {
        if (specs.isEmpty()) {
            return null;
        }
        String what = "topic(s) " + String.join(", ", names(specs));
        try {
            return UntilTopicKnown.ask(what, () -> request.ask(specs), timeout, nanoTime);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw e;
            }
            throw new KafkaUnreachable(what + " exist but Kafka at " + bootstrapServers + " did not describe them "
                    + "within " + timeout.toSeconds() + " s: " + e.getCause().getMessage(), e);
        }
    }

    /** One metadata request about some topics. */
    @FunctionalInterface
    private interface MetadataRequest<T> {
        T ask(List<TopicSpec> specs) throws ExecutionException, TimeoutException, InterruptedException;
    }

    private List<TopicProblem> checkNow(List<TopicSpec> specs, short factor)
            throws ExecutionException, TimeoutException, InterruptedException {
        List<TopicProblem> problems = new ArrayList<>();
        // Both asked at once (one round trip); their failures are seen in the same order as before.
        KafkaFuture<Map<String, TopicDescription>> described = admin.describeTopics(names(specs)).allTopicNames();
        List<ConfigResource> resources = specs.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
        Map<ConfigResource, KafkaFuture<Config>> settings = admin.describeConfigs(resources).values();
        Map<String, TopicDescription> descriptions = get(described);
        Map<String, Config> configs = configs(resources, settings, problems);
        settingsRead.putAll(configs);
        for (TopicSpec spec : specs) {
            TopicDescription d = descriptions.get(spec.name());
            int partitions = d.partitions().size();
            int replicas = d.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
            Config config = configs.get(spec.name());
            if (config != null) {
                problems.addAll(TopicChecks.policy(spec, value(config, TopicConfig.CLEANUP_POLICY_CONFIG)));
                problems.addAll(TopicChecks.minInsync(spec,
                        value(config, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), replicas));
                problems.addAll(TopicChecks.decompressedBound(spec,
                        value(config, TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG)));
                problems.addAll(TopicChecks.uncleanElection(spec,
                        value(config, TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG)));
                problems.addAll(TopicChecks.timestampType(spec,
                        value(config, TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG)));
            }
            problems.addAll(TopicChecks.size(spec, partitions, replicas, factor));
        }
        return problems;
    }

    /**
     * The settings of {@code topic} as the last {@link #ensure} or {@link #inspect} read them, so that a caller that
     * needs more of them does not ask again; empty for a topic it created or whose settings it could not read.
     */
    public Optional<Config> settingsRead(String topic) {
        return Optional.ofNullable(settingsRead.get(topic));
    }

    /** The settings of {@code resources}; those the principal may not read are a warning and go unchecked. */
    private Map<String, Config> configs(List<ConfigResource> resources,
                                        Map<ConfigResource, KafkaFuture<Config>> futures, List<TopicProblem> problems)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<String, Config> configs = new HashMap<>();
        for (ConfigResource resource : resources) {
            try {
                configs.put(resource.name(), get(futures.get(resource)));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof AuthorizationException)) {
                    throw e;
                }
                problems.add(new TopicProblem(resource.name(), "DescribeConfigs", Subject.SETTING,
                        Severity.WARNING, "cannot read "
                        + "the settings of topic " + resource.name() + " (" + e.getCause().getMessage()
                        + "): its cleanup.policy and min.insync.replicas are not checked"));
            }
        }
        return configs;
    }

    private static String value(Config config, String key) {
        ConfigEntry entry = config.get(key);
        return entry == null ? null : entry.value();
    }

    private static Collection<String> names(List<TopicSpec> specs) {
        return specs.stream().map(TopicSpec::name).toList();
    }

    /**
     * Which brokers, and which of the plan's topics exist: asked at once, one round trip of every start instead of two.
     * Only the plan's topics are asked about: listing every topic, as before, had each start of each process read the
     * names of all of a shared cluster's topics, and the broker authorize each (a fleet's listeners all at once after
     * an outage). One the principal may not describe is a refusal, not an absence: Kafka hides whether it exists, and
     * every topic of a plan needs a right that implies Describe (Write, Read). Taken for absent, a missing ACL (an ACL
     * set being re-applied, an authorizer whose policy server is away) said "does not exist: create it" or "not
     * allowed to create", a configuration error, exit 2, which the units do not restart: a host rebooted then
     * captured nothing until someone restarted it by hand.
     */
    private Cluster cluster(TopicPlan plan) throws ExecutionException, TimeoutException, InterruptedException {
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(names(plan.topics()))
                .topicNameValues();
        Brokers brokers = Brokers.describe(admin, timeout);
        Set<String> existing = new HashSet<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : described.entrySet()) {
            try {
                get(topic.getValue());
                existing.add(topic.getKey());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicAuthorizationException refused) {
                    throw new KafkaUnreachable("Kafka at " + bootstrapServers + " does not let this principal "
                            + "describe topic " + topic.getKey() + " (" + refused.getMessage() + "): grant it the ACLs "
                            + "docs/security.md lists for this process (--check names those missing); a start "
                            + "after that goes on", refused);
                }
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        return new Cluster(brokers, existing);
    }

    private record Cluster(Brokers brokers, Set<String> topics) {}

    private <T> T get(KafkaFuture<T> future) throws ExecutionException, TimeoutException, InterruptedException {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private KafkaUnreachable unreachable(Exception e) {
        return new KafkaUnreachable("cannot reach Kafka at " + bootstrapServers + " (no answer within "
                + timeout.toSeconds() + " s)", e);
    }
}
