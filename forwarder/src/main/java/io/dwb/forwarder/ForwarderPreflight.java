package io.dwb.forwarder;

import io.dwb.runtime.ClientTimeouts;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.KafkaPreflight;
import io.dwb.runtime.Preflight;
import io.dwb.runtime.TopicCreationOptions;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicRole;
import io.dwb.runtime.TopicSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.SocketException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * {@code forwarder --check}: Kafka answers, the events topic exists and this principal may read it in its group, the
 * dead-letter topic exists (or will be created) and may be written, Wazuh's queue socket is there and read, and the
 * pace delivery will keep. Reads only: it joins no group, commits nothing, sends no datagram.
 */
final class ForwarderPreflight {
    private ForwarderPreflight() {}

    static int run(ForwarderSettings settings, TopicPlan deadLetters, TopicCreationOptions topicCreation,
                   PrintStream out) {
        List<Preflight.Check> checks = new ArrayList<>();
        String servers = settings.kafka().getProperty("bootstrap.servers");
        Duration timeout = ClientTimeouts.apiTimeout(settings.kafka());
        try (Admin admin = TopicProvisioner.admin(settings.kafka(), timeout)) {
            KafkaPreflight kafka = new KafkaPreflight(admin, servers, timeout);
            checks.add(kafka.cluster());
            // The listeners create the events topic: here it is only read.
            TopicPlan events = new TopicPlan(List.of(TopicSpec.events(settings.topic(),
                    TopicSpec.DEFAULT_EVENTS_PARTITIONS, DurationArgument.parse(TopicSpec.DEFAULT_EVENTS_RETENTION),
                    -1)), topicCreation.plan(List.of()).replication(), true);
            checks.addAll(kafka.topicsCreatedElsewhere(events, Map.of(TopicRole.EVENTS,
                    EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE)), "missing: the listeners create it at "
                    + "their first start, and the forwarder waits for it"));
            if (!settings.replay()) {
                checks.add(Preflight.check("consumer group " + settings.group(),
                        () -> group(admin, settings.group(), timeout)));
                checks.addAll(kafka.topics(deadLetters, Map.of(TopicRole.DEAD_LETTERS,
                        EnumSet.of(AclOperation.WRITE, AclOperation.DESCRIBE))));
            }
            checks.add(Preflight.check("wazuh queue", () -> wazuhQueue(settings.wazuhQueue())));
            checks.add(Preflight.check("pacing", () -> settings.pacing().reason()));
            return Preflight.run(checks, out);
        }
    }

    private static String group(Admin admin, String group, Duration timeout) throws Exception {
        ConsumerGroupDescription d;
        try {
            d = admin.describeConsumerGroups(List.of(group), new DescribeConsumerGroupsOptions()
                    .includeAuthorizedOperations(true)).describedGroups().get(group)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return "not used yet";
            }
            if (e.getCause() instanceof GroupAuthorizationException) {
                throw new IllegalStateException("this principal may not use it (" + e.getCause().getMessage()
                        + "): grant Read and Describe on group " + group + " (docs/security.md)");
            }
            throw e;
        }
        Set<AclOperation> allowed = d.authorizedOperations();
        if (allowed != null && !allowed.contains(AclOperation.ALL) && !allowed.contains(AclOperation.READ)) {
            throw new IllegalStateException("this principal may not Read it (allowed: " + allowed + "): grant Read "
                    + "and Describe on group " + group + " (docs/security.md)");
        }
        return d.groupState() + ", " + d.members().size() + " member(s)";
    }

    private static String wazuhQueue(String queue) throws IOException {
        if ("-".equals(queue)) {
            return "standard output";
        }
        Path path = Path.of(queue);
        return wazuhQueue(path, SocketPath.of(path));
    }

    static String wazuhQueue(Path path, SocketPath found) throws IOException {
        if (found == SocketPath.DENIED) {
            throw new IllegalStateException(found.problem(path) + "; the forwarder would wait for it, keeping "
                    + "everything in Kafka");
        }
        if (found == SocketPath.MISSING) {
            throw new IllegalStateException(path + " does not exist: is the Wazuh agent (or manager) running? "
                    + "The forwarder would wait for it, keeping everything in Kafka");
        }
        if (!Files.readAttributes(path, BasicFileAttributes.class).isOther()) {
            throw new IllegalStateException(path + " is not a socket: give Wazuh's queue socket, "
                    + "<home>/queue/sockets/queue");
        }
        try (AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open()) {
            channel.connect(AFUNIXSocketAddress.of(path));
            return path + ": a reader is listening";
        } catch (AccessDeniedException e) {
            throw new IllegalStateException("this user may not write to " + path + ": run the forwarder in the "
                    + "group that owns it (wazuh; docs/security.md)");
        } catch (SocketException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("permission") || m.contains("denied")) {
                throw new IllegalStateException("this user may not write to " + path + ": run the forwarder in the "
                        + "group that owns it (wazuh; docs/security.md)");
            }
            if (m.contains("refused")) {
                throw new IllegalStateException("nothing reads " + path + " (Wazuh stopped without removing it?)");
            }
            throw e;
        }
    }
}
