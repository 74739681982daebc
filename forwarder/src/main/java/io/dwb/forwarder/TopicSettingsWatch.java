package io.dwb.forwarder;

import io.dwb.runtime.ClientTimeouts;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.KafkaUnreachable;
import io.dwb.runtime.Replication;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicProblem;
import io.dwb.runtime.TopicProblem.Subject;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicRole;
import io.dwb.runtime.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of the topics the forwarder uses (the events topic; live, the dead-letter topic too), read at start
 * and again every {@code --topic-check-interval} on a thread of their own, judged as a process judges them at its
 * start ({@link TopicProvisioner}): an administrator's change while the fleet runs ({@code cleanup.policy=compact},
 * which lets the log cleaner delete every record of a host but its last; {@code unclean.leader.election.enable=true};
 * {@code min.insync.replicas} above the replicas) was said by nobody until the next start of the processes that
 * check it, where one that loses records is refused (exit 2): the listeners' capture, or the forwarders' delivery,
 * stopped process by process at their restarts. Each problem is said when it appears or changes (an ERROR line for
 * one a starting process refuses, a WARN for the others), once, and when it is gone (INFO); {@code
 * dwb_forwarder_topic_problem} shows those standing. Partition and replica counts are their creator's to choose: not
 * judged here. The events topic not created yet, or gone, is {@link TopicPresence}'s to tell.
 */
final class TopicSettingsWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicSettingsWatch.class);
    /** The watch's thread's name. */
    static final String THREAD = "topic-settings";
    /** What the reading's admin client adds to the forwarder's {@code client.id}. */
    private static final String CLIENT_ID_SUFFIX = "-topic-settings";

    /** One reading of the topics' problems. */
    @FunctionalInterface
    interface Reader {
        /**
         * The problems of the topics' settings now; none of a topic that does not exist.
         *
         * @throws KafkaUnreachable when Kafka does not answer or refuses
         */
        List<TopicProblem> problems();
    }

    private final Reader reader;
    /** The topics watched, by name: what a starting process does with a refused one depends on the role. */
    private final Map<String, TopicRole> roles;
    private final Duration interval;
    private final ForwarderMetrics metrics;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    // The watch's thread's alone
    /** The problems said and standing, by topic and setting. */
    private Map<String, TopicProblem> standing;
    private boolean failing;

    /**
     * @param saidAtStart problems the forwarder's start already said (its check of the dead-letter topic): standing
     *                    from the first reading on, not said again by it; of those, the topic's layout (its
     *                    partitions and replicas) is not the watch's to judge, nor to say put back
     */
    TopicSettingsWatch(Reader reader, Map<String, TopicRole> roles, Duration interval, ForwarderMetrics metrics,
                       List<TopicProblem> saidAtStart) {
        this.reader = reader;
        this.roles = Collections.unmodifiableMap(new LinkedHashMap<>(roles)); // in the plan's order, for the lines
        this.interval = interval;
        this.metrics = metrics;
        Map<String, TopicProblem> said = new LinkedHashMap<>();
        saidAtStart.stream().filter(p -> roles.containsKey(p.topic()) && p.subject() == Subject.SETTING).forEach(p -> {
            said.put(key(p), p);
            metrics.topicProblem(p.topic(), p.setting(), p.severity(), true);
        });
        this.standing = said;
        this.thread = new Thread(this::run, THREAD);
        thread.setDaemon(true);
    }

    /**
     * Reads the settings of {@code eventsTopic} and, unless null, {@code deadLetterTopic} with admin clients of
     * {@code kafka}, the first reading at once; {@code saidAtStart} as the constructor's.
     */
    static TopicSettingsWatch start(Properties kafka, String eventsTopic, String deadLetterTopic, Duration interval,
                                    ForwarderMetrics metrics, List<TopicProblem> saidAtStart) {
        TopicPlan plan = plan(eventsTopic, deadLetterTopic);
        Map<String, TopicRole> roles = new LinkedHashMap<>();
        plan.topics().forEach(t -> roles.put(t.name(), t.role()));
        TopicSettingsWatch watch = new TopicSettingsWatch(reader(kafka, plan), roles, interval, metrics, saidAtStart);
        watch.thread.start();
        return watch;
    }

    /**
     * The topics as judged: one partition asked (any count passes: the listeners' {@code --events-partitions}, the
     * creating forwarder's {@code --dlq-partitions}) and one replica (the replicas are the creator's choice too,
     * while {@code min.insync.replicas} is still judged against those there are); retention is not judged.
     */
    static TopicPlan plan(String eventsTopic, String deadLetterTopic) {
        List<TopicSpec> topics = new ArrayList<>();
        topics.add(TopicSpec.events(eventsTopic, 1, DurationArgument.parse(TopicSpec.DEFAULT_EVENTS_RETENTION), -1));
        if (deadLetterTopic != null) {
            topics.add(TopicSpec.deadLetters(deadLetterTopic, 1,
                    DurationArgument.parse(TopicSpec.DEFAULT_DLQ_RETENTION)));
        }
        return new TopicPlan(topics, Replication.single(), false);
    }

    /**
     * DescribeCluster, ListTopics, DescribeTopics and DescribeConfigs by an admin client made for the reading and
     * closed after it: a forwarder holds no connection for a check every few minutes.
     */
    static Reader reader(Properties kafka, TopicPlan plan) {
        Duration timeout = ClientTimeouts.apiTimeout(kafka);
        return () -> {
            try (Admin admin = LookupAdmins.open(kafka, CLIENT_ID_SUFFIX, timeout)) {
                return new TopicProvisioner(admin, kafka.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG),
                        timeout).existingProblems(plan);
            }
        };
    }

    private void run() {
        try {
            do {
                try {
                    readOnce();
                } catch (OutOfMemoryError e) {
                    // The delivery loop's poll of a record too large to read fills the heap for a moment, which it
                    // survives (UnreadableRecordSearch): this reading is skipped, the next one comes at its time
                }
            } while (!stop.await(interval.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One reading: what appeared or changed said, what went said, the metric set. */
    void readOnce() {
        List<TopicProblem> read;
        try {
            read = reader.problems();
        } catch (KafkaUnreachable | KafkaException e) {
            // Kafka unreachable is said by the delivery loop; a refusal here is this reading's alone
            if (!failing) {
                log.info("the settings of topic(s) {} could not be read ({}); read again every {}",
                        String.join(", ", roles.keySet()), e.getMessage(), every());
                failing = true;
            }
            return;
        }
        failing = false;
        Map<String, TopicProblem> now = new LinkedHashMap<>();
        read.forEach(p -> now.put(key(p), p));
        for (TopicProblem p : now.values()) {
            TopicProblem before = standing.get(key(p));
            if (before != null && before.equals(p)) {
                continue;
            }
            if (before != null && before.severity() != p.severity()) {
                metrics.topicProblem(before.topic(), before.setting(), before.severity(), false);
            }
            metrics.topicProblem(p.topic(), p.setting(), p.severity(), true);
            if (p.severity() == TopicProblem.Severity.REFUSAL) {
                log.error("{}; a {} that starts now refuses the topic and exits 2, those running go on writing to it "
                        + "(read again every {})", p.message(), refuser(p.topic()), every());
            } else {
                log.warn("{}", p.message());
            }
        }
        for (TopicProblem before : standing.values()) {
            if (!now.containsKey(key(before))) {
                metrics.topicProblem(before.topic(), before.setting(), before.severity(), false);
                log.info("topic {}: {} is as wanted again", before.topic(), before.setting());
            }
        }
        standing = now;
    }

    private static String key(TopicProblem p) {
        return p.topic() + "\n" + p.setting();
    }

    /** Who checks the topic at its start: the listeners create and check the events topic, the forwarders theirs. */
    private String refuser(String topic) {
        return roles.get(topic) == TopicRole.EVENTS ? "listener" : "forwarder";
    }

    /** The interval as the option is written: 5m, 30s. */
    private String every() {
        return interval.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        thread.join(Duration.ofSeconds(1).toMillis()); // a reading under way ends at its admin client's timeout
    }
}
