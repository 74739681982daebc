package io.dwb.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The Kafka checks of {@code --check}, shared by the processes: the cluster answers, and each topic of a plan exists
 * (or will be created at start) with settings that work, and this principal may do on it what the process does.
 */
public final class KafkaPreflight {
    private final Admin admin;
    private final String bootstrapServers;
    private final Duration timeout;

    public KafkaPreflight(Admin admin, String bootstrapServers, Duration timeout) {
        this.admin = admin;
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
    }

    /** The cluster answers: its brokers (those down named: they count for the topics' replicas) and id. */
    public Preflight.Check cluster() {
        return Preflight.check("kafka", () -> {
            KafkaFuture<String> id = admin.describeCluster().clusterId();
            Brokers brokers = Brokers.describe(admin, timeout);
            return brokers.count() + " broker(s) at " + bootstrapServers
                    + (brokers.down().isEmpty() ? "" : " (" + brokers.downText() + " down)") + ", cluster id "
                    + get(id);
        });
    }

    /** One check a topic of {@code plan}: its settings, and {@code needs} (what the process does on it) allowed. */
    public List<Preflight.Check> topics(TopicPlan plan, Map<TopicRole, Set<AclOperation>> needs) {
        return topics(plan, needs, "missing: created at start (--create-topics true)", true);
    }

    /**
     * As {@link #topics(TopicPlan, Map)} for topics another process creates: {@code whenMissing} is said of a missing
     * one, and their partition count is reported rather than judged (this process has no option for it).
     */
    public List<Preflight.Check> topicsCreatedElsewhere(TopicPlan plan, Map<TopicRole, Set<AclOperation>> needs,
                                                        String whenMissing) {
        return topics(plan, needs, whenMissing, false);
    }

    private List<Preflight.Check> topics(TopicPlan plan, Map<TopicRole, Set<AclOperation>> needs,
                                         String whenMissing, boolean sizedHere) {
        List<Preflight.Check> checks = new ArrayList<>();
        for (TopicSpec spec : plan.topics()) {
            Set<AclOperation> need = needs.getOrDefault(spec.role(), EnumSet.of(AclOperation.DESCRIBE));
            checks.add(Preflight.check("topic " + spec.name(), () -> topic(plan, spec, need, whenMissing,
                    sizedHere)));
        }
        return checks;
    }

    private String topic(TopicPlan plan, TopicSpec spec, Set<AclOperation> need, String whenMissing,
                         boolean sizedHere) throws Exception {
        // Described first: a topic this principal may not describe is hidden from its topic list, not missing.
        TopicDescription d;
        try {
            d = get(admin.describeTopics(List.of(spec.name()), new DescribeTopicsOptions()
                    .includeAuthorizedOperations(true)).allTopicNames()).get(spec.name());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                throw new IllegalStateException("this principal may not describe it (" + e.getCause().getMessage()
                        + "): grant " + names(need) + " on it (docs/security.md)");
            }
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw e;
            }
            d = null;
        }
        List<TopicProblem> problems = new TopicProvisioner(admin, bootstrapServers, timeout)
                .inspect(plan.only(spec.role())).stream()
                .filter(p -> sizedHere || !p.setting().equals(spec.role().partitionsOption())).toList();
        String refusals = join(problems, TopicProblem.Severity.REFUSAL);
        if (!refusals.isEmpty()) {
            throw new IllegalStateException(refusals);
        }
        String warnings = join(problems, TopicProblem.Severity.WARNING);
        if (d == null) {
            return whenMissing + (warnings.isEmpty() ? "" : "; " + warnings);
        }
        Set<AclOperation> allowed = d.authorizedOperations();
        String found = d.partitions().size() + " partition(s), replication "
                + d.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
        if (allowed != null && !allowed.contains(AclOperation.ALL)) {
            Set<AclOperation> missing = EnumSet.copyOf(need);
            missing.removeAll(allowed);
            if (!missing.isEmpty()) {
                throw new IllegalStateException(found + ", but this principal may not " + names(missing)
                        + " it (allowed: " + names(allowed) + "): grant " + names(missing) + " (docs/security.md)");
            }
            found += "; " + names(need) + " allowed";
        }
        return found + (warnings.isEmpty() ? "" : "; warning: " + warnings);
    }

    private static String join(List<TopicProblem> problems, TopicProblem.Severity severity) {
        return problems.stream().filter(p -> p.severity() == severity).map(TopicProblem::message)
                .collect(Collectors.joining("; "));
    }

    private static String names(Collection<AclOperation> operations) {
        return operations.stream().sorted().map(o -> o.name()).collect(Collectors.joining(", "));
    }

    private <T> T get(KafkaFuture<T> future) throws Exception {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
