package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The watched partitions that take no writes: fewer in-sync replicas than their topic's {@code min.insync.replicas}
 * (brokers of a shared cluster down or behind), where every listener's transaction fails ({@code
 * NotEnoughReplicasException}) while the leader still answers fetches. The least is the brokers' own: {@code
 * min.insync.replicas}, but never more than the partition's replicas (a topic of one replica and {@code
 * min.insync.replicas=2} takes writes). Nothing new is written there, so the consumer's lag read 0 and the partition
 * counted as live: after three heartbeat intervals every host of it was reported silent, then back once Kafka took
 * writes again (for a fleet of thousands, as many level-8 silent-host alerts and as many
 * host-back ones, for one Kafka incident the listeners ride out). Now its hosts' silences stand still until it takes
 * writes ({@link SilentHostWatch#unwritable}). Read with the open-transaction watch's readings ({@link
 * OpenTransactionWatch}): a DescribeTopics, and a DescribeConfigs while a partition is short of in-sync replicas. Not
 * thread-safe: the watch's thread's.
 */
final class UnwritablePartitions {
    /**
     * A partition that stopped or started taking writes at a reading: its in-sync replicas, the least needed, and, when
     * it started again, for how long it took none (from the reading that found it so to this one; 0 when it stopped).
     */
    record Change(TopicPartition partition, boolean unwritable, int inSync, int minInSync, long unwritableNanos)
            implements PartitionChange {
        /** One that stopped taking writes. */
        static Change stopped(TopicPartition partition, int inSync, int minInSync) {
            return new Change(partition, true, inSync, minInSync, 0);
        }

        /**
         * As a log line names it: {@code events-3 (1 in sync, at least 2 needed)}, {@code events-3 (3 in sync, at least
         * 2 needed; none taken for 45 s)}.
         */
        String described() {
            return partition + " (" + inSync + " in sync, at least " + minInSync + " needed"
                    + (unwritable ? ")" : "; none taken for " + unwritableSeconds() + " s)");
        }

        long unwritableSeconds() {
            return TimeUnit.NANOSECONDS.toSeconds(unwritableNanos);
        }
    }

    /** A partition's replicas, and how many of them are in sync. */
    record InSync(int inSync, int replicas) {}

    /**
     * What a reading found: each watched partition's replicas, and the {@code min.insync.replicas} of each topic with
     * a partition short of in-sync replicas (of those only: none is read while all are in sync).
     */
    record Replicas(Map<TopicPartition, InSync> partitions, Map<String, Integer> minInSync) {}

    /**
     * What a reading changed: every change, for the log; for Wazuh, each partition once it has taken no writes for
     * {@link #SAID_AFTER_NANOS}, and the end of each one so told.
     */
    record Changes(List<Change> all, List<Change> toSay) {}

    /** A partition taking no writes: as last found, since when (monotonic), and whether Wazuh was told. */
    private record Outage(Change found, long sinceNanos, boolean told) {}

    /**
     * How long a partition takes no writes before Wazuh is told: a broker restarting in a loop, in and out of the
     * in-sync replicas each time, would make a pair of alerts a partition at each turn; a shorter outage costs no
     * host's alert either (its silences stand still, and a silence needs three heartbeat intervals).
     */
    static final long SAID_AFTER_NANOS = Duration.ofSeconds(30).toNanos();
    /** Changes in the order they are said: by topic, then partition. */
    private static final Comparator<Change> IN_ORDER = Comparator.comparing(Change::partition,
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));

    private Map<TopicPartition, Outage> outages = Map.of();
    /** Whether none is taken as taking no writes, the replicas unread for a while ({@link #unknown}). */
    private boolean unknown;

    /**
     * The replicas of {@code partitions} and the {@code min.insync.replicas} of their topics where one is short of
     * in-sync replicas, asked now: a DescribeTopics, and a DescribeConfigs only then, once it answered (asked on the
     * admin client's thread, as it completes the first; not asked once this is cancelled).
     */
    static CompletableFuture<Replicas> ask(Admin admin, Set<TopicPartition> partitions) {
        Set<String> topics = new HashSet<>();
        partitions.forEach(tp -> topics.add(tp.topic()));
        return admin.describeTopics(topics).allTopicNames().toCompletionStage().toCompletableFuture()
                .thenCompose(described -> {
                    Map<TopicPartition, InSync> replicas = new HashMap<>();
                    Set<String> shortOfReplicas = new HashSet<>();
                    for (TopicDescription d : described.values()) {
                        for (TopicPartitionInfo p : d.partitions()) {
                            TopicPartition tp = new TopicPartition(d.name(), p.partition());
                            if (partitions.contains(tp)) {
                                replicas.put(tp, new InSync(p.isr().size(), p.replicas().size()));
                                if (p.isr().size() < p.replicas().size()) {
                                    shortOfReplicas.add(d.name());
                                }
                            }
                        }
                    }
                    if (shortOfReplicas.isEmpty()) {
                        return CompletableFuture.completedFuture(new Replicas(replicas, Map.of()));
                    }
                    List<ConfigResource> resources = shortOfReplicas.stream()
                            .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
                    return admin.describeConfigs(resources).all().toCompletionStage()
                            .thenApply(configs -> new Replicas(replicas, minInSync(configs)));
                });
    }

    private static Map<String, Integer> minInSync(Map<ConfigResource, Config> configs) {
        Map<String, Integer> minInSync = new HashMap<>();
        configs.forEach((resource, config) -> {
            ConfigEntry entry = config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            if (entry != null && entry.value() != null) {
                minInSync.put(resource.name(), Integer.parseInt(entry.value()));
            }
        });
        return minInSync;
    }

    /**
     * The partitions of {@code read}, read at {@code nowNanos}, that take no writes now, against those of the last
     * reading: what changed, and what Wazuh is told of it; those no longer watched left out without a word (their new
     * owner says).
     */
    Changes update(Replicas read, long nowNanos) {
        unknown = false;
        Map<TopicPartition, Outage> now = new HashMap<>();
        List<Change> all = new ArrayList<>();
        List<Change> toSay = new ArrayList<>();
        read.partitions().forEach((tp, r) -> {
            int least = least(read, tp, r);
            if (r.inSync() >= least) {
                return;
            }
            Change found = Change.stopped(tp, r.inSync(), least);
            Outage was = outages.get(tp);
            if (was == null) {
                all.add(found);
            }
            long since = was == null ? nowNanos : was.sinceNanos();
            boolean told = was != null && was.told();
            if (!told && nowNanos - since >= SAID_AFTER_NANOS) {
                toSay.add(found);
                told = true;
            }
            now.put(tp, new Outage(found, since, told));
        });
        outages.forEach((tp, was) -> {
            InSync r = read.partitions().get(tp);
            if (now.containsKey(tp) || r == null) {
                return; // going on, or no longer watched: its new owner says
            }
            Change end = new Change(tp, false, r.inSync(), Math.min(least(read, tp, r), was.found().minInSync()),
                    nowNanos - was.sinceNanos());
            all.add(end);
            if (was.told()) {
                toSay.add(end);
            }
        });
        outages = now;
        all.sort(IN_ORDER);
        toSay.sort(IN_ORDER);
        return new Changes(List.copyOf(all), List.copyOf(toSay));
    }

    /**
     * The in-sync replicas a write to {@code tp} needs: the broker's {@code min(min.insync.replicas, replicas)}; its
     * replicas when its topic's setting was not read (all its partitions in sync: none is short of it).
     */
    private static int least(Replicas read, TopicPartition tp, InSync r) {
        Integer min = read.minInSync().get(tp.topic());
        return min == null ? r.replicas() : Math.min(min, r.replicas());
    }

    /** The partitions that took no writes at the last reading; none while {@link #unknown}. */
    Set<TopicPartition> partitions() {
        return unknown ? Set.of() : outages.keySet();
    }

    /**
     * The replicas have not been read for a while: none is taken as taking no writes until they are, as when nothing
     * is known, but what was found and said is kept for the next reading, which says what changed meanwhile: the end of
     * an outage Wazuh was told of, or the outage going on, counted from its start and not told twice. Before, all was
     * forgotten: Wazuh, told {@code partition-unwritable}, never had its {@code partition-writable}, and an outage
     * still there was told again 30 s later.
     */
    void unknown() {
        unknown = true;
    }
}
