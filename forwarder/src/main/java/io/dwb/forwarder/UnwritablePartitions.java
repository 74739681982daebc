package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * The watched partitions that take no writes: fewer in-sync replicas than their topic's {@code min.insync.replicas}
 * (brokers of a shared cluster down or behind), where every listener's transaction fails ({@code
 * NotEnoughReplicasException}) while the leader still answers fetches; or an in-sync replica that does not answer,
 * which every write (acks=all) waits for until it times out: for the seconds before the brokers drop it from the
 * in-sync replicas, and for as long as a lost controller quorum leaves nothing to record that (the survivors' metadata
 * keeps the dead brokers in sync, so their number alone said "writable"). The least is the brokers' own: {@code
 * min.insync.replicas}, but never more than the partition's replicas (a topic of one replica and {@code
 * min.insync.replicas=2} takes writes). Nothing new is written there, so the consumer's lag read 0 and the partition
 * counted as live: after three heartbeat intervals every host of it was reported silent, then back once Kafka took
 * writes again (for a fleet of thousands, as many level-8 silent-host alerts and as many
 * host-back ones, for one Kafka incident the listeners ride out). Now its hosts' silences stand still until it takes
 * writes ({@link SilentHostWatch#unwritable}). Read with the open-transaction watch's readings ({@link
 * OpenTransactionWatch}): a DescribeTopics, a ListTransactions that each broker answers for itself (whether the
 * in-sync ones are there), and a DescribeConfigs while a partition is short of in-sync replicas or one of them does
 * not answer. Not thread-safe: the watch's thread's.
 */
final class UnwritablePartitions {
    /** A partition that stopped or started taking writes at a reading. */
    sealed interface Change extends PartitionChange permits Stopped, Started {
        /** As a log line names it. */
        String described();
    }

    /**
     * A partition that stopped taking writes: its in-sync replicas, how many of those do not answer, the least needed.
     */
    record Stopped(TopicPartition partition, int inSync, int notAnswering, int minInSync) implements Change {
        /**
         * {@code events-3 (1 in sync, at least 2 needed)}, {@code events-3 (3 in sync, 2 of them not answering, at
         * least 2 needed)}.
         */
        @Override
        public String described() {
            return partition + " (" + inSync + " in sync, "
                    + (notAnswering > 0 ? notAnswering + " of them not answering, " : "")
                    + "at least " + minInSync + " needed)";
        }
    }

    /**
     * A partition that takes writes again: its in-sync replicas, the least needed, and for how long it took none (from
     * the reading that found it so to this one).
     */
    record Started(TopicPartition partition, int inSync, int minInSync, long unwritableNanos) implements Change {
        /** {@code events-3 (3 in sync, at least 2 needed; none taken for 45 s)}. */
        @Override
        public String described() {
            return partition + " (" + inSync + " in sync, at least " + minInSync + " needed; none taken for "
                    + unwritableSeconds() + " s)";
        }

        long unwritableSeconds() {
            return TimeUnit.NANOSECONDS.toSeconds(unwritableNanos);
        }
    }

    /** A partition's in-sync replicas (broker ids), and how many replicas it has. */
    record InSync(Set<Integer> inSync, int replicas) {}

    /**
     * What a reading found: each watched partition's replicas, the in-sync brokers that did not answer (empty when the
     * brokers could not be listed: not known this reading), and the {@code min.insync.replicas} of each topic with a
     * partition short of in-sync replicas or with one that did not answer (of those only: none is read while all are
     * in sync and answer; nor, for the second, when it could not be read).
     */
    record Replicas(Map<TopicPartition, InSync> partitions, Optional<Set<Integer>> unanswered,
                    Map<String, Integer> minInSync) {}

    /**
     * What a reading changed: every change, for the log; for Wazuh, each partition once it has taken no writes for
     * {@link #SAID_AFTER_NANOS}, and the end of each one so told.
     */
    record Changes(List<Change> all, List<Change> toSay) {}

    /** A partition taking no writes: as last found, since when (monotonic), and whether Wazuh was told. */
    private record Outage(Stopped found, long sinceNanos, boolean told) {}

    /** A partition's written end as last read, and when a reading last found it risen ({@link #NEVER}: not yet). */
    private record WrittenEnd(long offset, long roseAtNanos) {}

    /**
     * How long a partition takes no writes before Wazuh is told: a broker restarting in a loop, in and out of the
     * in-sync replicas each time, would make a pair of alerts a partition at each turn; a shorter outage costs no
     * host's alert either (its silences stand still, and a silence needs three heartbeat intervals).
     */
    static final long SAID_AFTER_NANOS = Duration.ofSeconds(30).toNanos();
    /**
     * How long an in-sync broker has not answered before its partitions are taken as taking no writes: a busy broker
     * may miss a reading's answer now and then, and each time its partitions, said to take no writes and then to take
     * them again, would make two log lines.
     */
    static final long NOT_ANSWERING_AFTER_NANOS = Duration.ofSeconds(3).toNanos();
    /**
     * How long a rise of a partition's written end (its high watermark), seen after an in-sync broker stopped answering
     * this forwarder, proves that broker still answers the partition's leader: the high watermark moves only once
     * every in-sync replica has fetched the records below it, so the broker is cut off from this forwarder alone (a
     * network split between the two), and the partition takes writes. Every host writes a heartbeat at least this
     * often by default (the listener's 30 s), so a partition with a host rises within it while it takes writes. A
     * broker that dies stops the rises at once (a lost quorum keeps it in sync), so it counts 3 s after its last
     * answer, as before ({@link #NOT_ANSWERING_AFTER_NANOS}).
     */
    static final long WRITES_SEEN_NANOS = Duration.ofSeconds(30).toNanos();
    /** A partition's written end not seen rising yet. */
    private static final long NEVER = Long.MIN_VALUE;
    /** A producer id no transaction has (they start at 0): the broker's answer to a ListTransactions of it is empty. */
    private static final long NO_PRODUCER = Long.MIN_VALUE;
    /** Changes in the order they are said: by topic, then partition. */
    private static final Comparator<Change> IN_ORDER = Comparator.comparing(Change::partition,
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));

    private Map<TopicPartition, Outage> outages = Map.of();
    /** The watched partitions' written ends, as the readings that had them found them. */
    private Map<TopicPartition, WrittenEnd> written = Map.of();
    /** The in-sync brokers that did not answer the last reading, each since its first unanswered one (monotonic). */
    private Map<Integer, Long> unansweredSince = Map.of();
    /** Whether none is taken as taking no writes, the replicas unread for a while ({@link #unknown}). */
    private boolean unknown;

    /**
     * The replicas of {@code partitions}, whether their in-sync brokers answer, and the {@code min.insync.replicas} of
     * their topics where one is short of in-sync replicas or one of those did not answer, asked now for an answer by
     * {@code deadlineNanos} (of {@code clock}): a DescribeTopics, then a ListTransactions of each broker, given half of
     * what is left then, then a DescribeConfigs only when needed, each once the one before answered (asked on the
     * admin client's thread, as it completes the one before; not asked once this is cancelled, but for one already
     * started). Fails when the replicas cannot be read, or the setting of a topic short of in-sync replicas; the
     * brokers' answers, and the setting of a topic only one of them is missing for, are left out when they cannot be
     * had (a principal without DescribeConfigs: a partition waiting for a broker takes no writes whatever its
     * setting).
     */
    static CompletableFuture<Replicas> ask(Admin admin, Set<TopicPartition> partitions, LongSupplier clock,
                                           long deadlineNanos) {
        Set<String> topics = new HashSet<>();
        partitions.forEach(tp -> topics.add(tp.topic()));
        return admin.describeTopics(topics).allTopicNames().toCompletionStage().toCompletableFuture()
                .thenApply(described -> inSync(described, partitions))
                .thenCompose(replicas -> {
                    Set<Integer> brokers = replicas.values().stream().flatMap(r -> r.inSync().stream())
                            .collect(Collectors.toSet());
                    Duration half = Duration.ofNanos(Math.max(0, deadlineNanos - clock.getAsLong()) / 2);
                    return unanswered(admin, brokers, half)
                            .thenCompose(unanswered -> withSettings(admin, replicas, unanswered));
                });
    }

    /** The in-sync replicas (broker ids) and the replica count of each of {@code partitions} {@code described}. */
    private static Map<TopicPartition, InSync> inSync(Map<String, TopicDescription> described,
                                                      Set<TopicPartition> partitions) {
        Map<TopicPartition, InSync> replicas = new HashMap<>();
        for (TopicDescription d : described.values()) {
            for (TopicPartitionInfo p : d.partitions()) {
                TopicPartition tp = new TopicPartition(d.name(), p.partition());
                if (partitions.contains(tp)) {
                    replicas.put(tp, new InSync(p.isr().stream().map(Node::id).collect(Collectors.toUnmodifiableSet()),
                            p.replicas().size()));
                }
            }
        }
        return replicas;
    }

    /**
     * The reading of {@code replicas} and the brokers' answers, with the {@code min.insync.replicas} of the topics that
     * need it: those with a partition short of in-sync replicas (fails when refused), and those with one waiting for a
     * broker that does not answer (left out when refused: such a partition takes no writes whatever it says).
     */
    private static CompletionStage<Replicas> withSettings(Admin admin, Map<TopicPartition, InSync> replicas,
                                                          Optional<Set<Integer>> unanswered) {
        Set<String> shortOfReplicas = new HashSet<>();
        Set<String> waiting = new HashSet<>();
        replicas.forEach((tp, r) -> {
            if (r.inSync().size() < r.replicas()) {
                shortOfReplicas.add(tp.topic());
            } else if (unanswered.isPresent() && r.inSync().stream().anyMatch(unanswered.get()::contains)) {
                waiting.add(tp.topic());
            }
        });
        if (shortOfReplicas.isEmpty() && waiting.isEmpty()) {
            return CompletableFuture.completedFuture(new Replicas(replicas, unanswered, Map.of()));
        }
        Set<String> toRead = new HashSet<>(shortOfReplicas);
        toRead.addAll(waiting);
        List<ConfigResource> resources = toRead.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        return admin.describeConfigs(resources).all().toCompletionStage().handle((configs, failure) -> {
            if (failure == null) {
                return new Replicas(replicas, unanswered, minInSync(configs));
            }
            if (shortOfReplicas.isEmpty()) {
                return new Replicas(replicas, unanswered, Map.of());
            }
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
    }

    /**
     * The brokers of {@code inSync} that do not answer within {@code timeout}, or that the cluster's metadata no longer
     * lists; empty when the brokers cannot be listed within it (a reading that knows none of their answers). Each is
     * asked a ListTransactions of a producer id no transaction has, which every broker answers about itself, with
     * nothing to send back and no permission needed (Kafka's client asks every broker the metadata lists). Any answer,
     * an error included, says the broker is there; a timeout (which is also what a broker that refuses connections
     * comes to, or one still loading a transaction-state partition, which the client asks again) says it is not. A
     * DescribeProducers asked of each broker would send back each producer of a partition every second, a thousand at
     * a fleet's scale.
     */
    private static CompletableFuture<Optional<Set<Integer>>> unanswered(Admin admin, Set<Integer> inSync,
                                                                        Duration timeout) {
        if (inSync.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of(Set.of()));
        }
        if (timeout.toMillis() < 1) {
            return CompletableFuture.completedFuture(Optional.empty()); // the reading's time is spent
        }
        ListTransactionsOptions nothing = new ListTransactionsOptions().filterProducerIds(Set.of(NO_PRODUCER))
                .timeoutMs((int) timeout.toMillis());
        return admin.listTransactions(nothing).byBrokerId().toCompletionStage().thenCompose(brokers -> {
            Set<Integer> unanswered = ConcurrentHashMap.newKeySet();
            List<CompletableFuture<?>> answers = new ArrayList<>();
            for (int broker : inSync) {
                KafkaFuture<?> answer = brokers.get(broker);
                if (answer == null) {
                    unanswered.add(broker); // not a broker of the cluster's now
                    continue;
                }
                answers.add(answer.toCompletionStage().toCompletableFuture().handle((listed, failure) -> {
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (cause instanceof TimeoutException) {
                        unanswered.add(broker);
                    }
                    return null;
                }));
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .thenApply(done -> Optional.of(Set.copyOf(unanswered)));
        }).toCompletableFuture().exceptionally(unlisted -> Optional.empty());
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
     * owner says). {@code writtenEnds}: the written end of each partition whose leader answered the same reading (its
     * rises tell the brokers that answer the leader but not this forwarder, {@link #WRITES_SEEN_NANOS}).
     */
    Changes update(Replicas read, Map<TopicPartition, Long> writtenEnds, long nowNanos) {
        unknown = false;
        Set<Integer> down = down(read.unanswered(), nowNanos);
        see(read.partitions().keySet(), writtenEnds, nowNanos);
        Map<TopicPartition, Outage> now = new HashMap<>();
        List<Change> all = new ArrayList<>();
        List<Change> toSay = new ArrayList<>();
        read.partitions().forEach((tp, r) -> {
            int least = least(read, tp, r);
            // In-sync brokers its leader had fetches from while they did not answer here are cut off from this
            // forwarder alone: before, such a split made partitions that took writes unwritable, said to Wazuh at 30 s.
            WrittenEnd end = written.get(tp);
            long rose = end == null ? NEVER : end.roseAtNanos();
            int notAnswering = (int) r.inSync().stream()
                    .filter(broker -> down.contains(broker) && !answersLeader(broker, rose, nowNanos)).count();
            if (r.inSync().size() >= least && notAnswering == 0) {
                return;
            }
            Stopped found = new Stopped(tp, r.inSync().size(), notAnswering, least);
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
            Started end = new Started(tp, r.inSync().size(), Math.min(least(read, tp, r), was.found().minInSync()),
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
     * Keeps each watched partition's written end, and when a reading last saw it rise (past the one before; an end
     * that went down, a log truncated or a topic made again, is none): the last known one when this reading had none
     * (its leader did not answer).
     */
    private void see(Set<TopicPartition> watched, Map<TopicPartition, Long> writtenEnds, long nowNanos) {
        Map<TopicPartition, WrittenEnd> now = new HashMap<>();
        for (TopicPartition tp : watched) {
            WrittenEnd was = written.get(tp);
            Long end = writtenEnds.get(tp);
            if (end == null) {
                if (was != null) {
                    now.put(tp, was);
                }
                continue;
            }
            long roseAt = was == null ? NEVER : end > was.offset() ? nowNanos : was.roseAtNanos();
            now.put(tp, new WrittenEnd(end, roseAt));
        }
        written = now;
    }

    /**
     * Whether {@code broker}, which has not answered this forwarder for a while, answers the leader of a partition
     * whose end was last seen rising at {@code roseAtNanos}: seen at a reading after its first unanswered one (the
     * reading that first missed it may see the last records it had fetched), within {@link #WRITES_SEEN_NANOS}.
     */
    private boolean answersLeader(int broker, long roseAtNanos, long nowNanos) {
        return roseAtNanos != NEVER && roseAtNanos > unansweredSince.get(broker)
                && nowNanos - roseAtNanos < WRITES_SEEN_NANOS;
    }

    /**
     * The brokers of {@code unanswered}, which did not answer a reading at {@code nowNanos}, that have not answered
     * for {@link #NOT_ANSWERING_AFTER_NANOS}; each one's first unanswered reading kept until it answers. When the
     * reading knows none of their answers (empty), those that did not answer before are taken as still not answering.
     */
    private Set<Integer> down(Optional<Set<Integer>> unanswered, long nowNanos) {
        Map<Integer, Long> since = new HashMap<>();
        for (int broker : unanswered.orElse(unansweredSince.keySet())) {
            since.put(broker, unansweredSince.getOrDefault(broker, nowNanos));
        }
        unansweredSince = since;
        Set<Integer> down = new HashSet<>();
        since.forEach((broker, from) -> {
            if (nowNanos - from >= NOT_ANSWERING_AFTER_NANOS) {
                down.add(broker);
            }
        });
        return down;
    }

    /**
     * The in-sync replicas a write to {@code tp} needs: the broker's {@code min(min.insync.replicas, replicas)}; its
     * replicas when its topic's setting was not read (all its partitions in sync: none is short of it; or, read for a
     * broker that does not answer alone, refused).
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
