package io.dwb.listener;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a second listener of the same engine that one is already running, before it calls initTransactions (which
 * would fence the running one, not itself). A running listener is a member of the consumer group
 * {@code docker-listener-<host id>}; a new one that finds members waits one session timeout (a crashed listener's
 * membership expires by then) and refuses to start if they are still there. When two start at the same moment both
 * may pass: then the transactional id fences the older one, which exits, and nothing is published twice.
 */
final class GroupLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupLock.class);
    static final int SESSION_TIMEOUT_MS = 10_000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Admin admin;
    private final String group;
    /** This process's client id in the group: its members with another client id are other listeners. */
    private final String clientId;
    private final Thread poller;
    private volatile boolean closing;

    private GroupLock(KafkaConsumer<byte[], byte[]> consumer, Admin admin, String group, String clientId) {
        this.consumer = consumer;
        this.admin = admin;
        this.group = group;
        this.clientId = clientId;
        this.poller = new Thread(this::pollForever, "group-lock");
        this.poller.setDaemon(true);
    }

    /** @throws AlreadyRunning when another listener of this host holds the group */
    static GroupLock acquire(Admin admin, Properties clientConfig, HostIdentity host, String topic) {
        String group = host.lockGroup();
        int members = members(admin, group);
        if (members > 0) {
            log.info("consumer group {} has {} member(s): waiting up to {} s to see whether that listener is alive",
                    group, members, (SESSION_TIMEOUT_MS + 5_000) / 1000);
            long deadline = System.nanoTime() + Duration.ofMillis(SESSION_TIMEOUT_MS + 5_000).toNanos();
            while (members > 0 && System.nanoTime() < deadline) {
                sleep(1_000);
                members = members(admin, group);
            }
            if (members > 0) {
                throw new AlreadyRunning("another listener for Docker engine " + host.name() + " (id " + host.id()
                        + ") is running: consumer group " + group + " has live members; refusing to start");
            }
        }
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        String clientId = "dwb-lock-" + java.util.UUID.randomUUID();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, String.valueOf(SESSION_TIMEOUT_MS));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "2000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        GroupLock lock = new GroupLock(new KafkaConsumer<>(p), admin, group, clientId);
        lock.consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                lock.consumer.pause(partitions); // membership is the point, not the records
            }
        });
        lock.poller.start();
        return lock;
    }

    /**
     * Whether another listener of this engine is a member of the group now. After this process was paused past the
     * session timeout its own membership lapsed: a listener started meanwhile holds the group, and is seen here.
     */
    boolean rivalAlive() {
        return describe(admin, group).stream().anyMatch(m -> !clientId.equals(m.clientId()));
    }

    private static int members(Admin admin, String group) {
        return describe(admin, group).size();
    }

    private static Collection<MemberDescription> describe(Admin admin, String group) {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(30, TimeUnit.SECONDS);
            return d.members();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return List.of();
            }
            throw new TransactionalPublisher.KafkaUnavailable("cannot describe consumer group " + group + ": "
                    + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new TransactionalPublisher.KafkaUnavailable("cannot describe consumer group " + group
                    + ": no answer within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransactionalPublisher.KafkaUnavailable("interrupted", e);
        }
    }

    private void pollForever() {
        while (!closing) {
            try {
                consumer.poll(Duration.ofSeconds(1));
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // Kafka unreachable: keep trying, the transaction path reports the outage
                sleep(1_000);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            poller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            // leaving the group is a courtesy; the session timeout does it otherwise
        }
    }

    /** Another listener of the same engine is running. */
    static final class AlreadyRunning extends RuntimeException {
        AlreadyRunning(String message) {
            super(message);
        }
    }
}
