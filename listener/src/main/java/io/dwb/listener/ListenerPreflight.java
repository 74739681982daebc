package io.dwb.listener;

import io.dwb.runtime.KafkaPreflight;
import io.dwb.runtime.LogText;
import io.dwb.runtime.Preflight;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicRole;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;

/**
 * {@code listener --check}: the engine answers and says who it is, Kafka answers, both topics exist (or will be
 * created) with settings that work and this principal may write them, and it may use the host's transactional id.
 * Reads only: nothing is created, and the transactional id is described, never taken (that would fence a running
 * listener).
 */
final class ListenerPreflight {
    private ListenerPreflight() {}

    static int run(ListenerSettings settings, Properties kafka, PrintStream out) {
        List<Preflight.Check> checks = new ArrayList<>();
        AtomicReference<HostIdentity> host = new AtomicReference<>();
        checks.add(Preflight.check("docker engine", () -> {
            try (EngineConnection engine = new EngineConnection(settings.engine(), settings.engineProbe())) {
                engine.ping();
                HostIdentity identity = engine.identity();
                host.set(engine.hostIdentity(settings.hostName()));
                return engine.host() + " answers: engine " + LogText.escaped(identity.name()) + " (id "
                        + LogText.escaped(identity.id()) + "), Docker "
                        + LogText.escaped(engine.info().path("ServerVersion").asText("?"));
            }
        }));
        Properties client = new Properties();
        client.putAll(kafka);
        client.putIfAbsent("max.block.ms", String.valueOf(settings.kafkaTimeout().toMillis()));
        try (Admin admin = TopicProvisioner.admin(client, settings.kafkaTimeout())) {
            KafkaPreflight preflight = new KafkaPreflight(admin, kafka.getProperty("bootstrap.servers"),
                    settings.kafkaTimeout());
            checks.add(preflight.cluster());
            checks.addAll(preflight.topics(settings.topics(), Map.of(
                    TopicRole.EVENTS, EnumSet.of(AclOperation.WRITE, AclOperation.DESCRIBE),
                    TopicRole.CHECKPOINTS, EnumSet.of(AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE))));
            checks.add(Preflight.check("transactional id", () -> transactionalId(admin, host.get(), settings)));
            return Preflight.run(checks, out);
        }
    }

    private static String transactionalId(Admin admin, HostIdentity host, ListenerSettings settings)
            throws Exception {
        if (host == null) {
            throw new IllegalStateException("unknown: the engine did not say its id (see above), and no --host-name "
                    + "was given");
        }
        String id = host.transactionalId();
        try {
            TransactionDescription d = admin.describeTransactions(List.of(id)).description(id)
                    .get(settings.kafkaTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return id + ": in use (" + d.state() + "; a running listener of this engine would be fenced by a "
                    + "second one)";
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return id + ": not used yet (a first start)";
            }
            if (e.getCause() instanceof TransactionalIdAuthorizationException) {
                throw new IllegalStateException(id + ": this principal may not use it (" + e.getCause().getMessage()
                        + "): grant Write and Describe on transactional id " + id + " (docs/security.md)");
            }
            throw e;
        }
    }
}
