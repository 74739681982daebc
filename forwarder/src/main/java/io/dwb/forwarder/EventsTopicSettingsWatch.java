package io.dwb.forwarder;

import io.dwb.runtime.ClientTimeouts;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.KafkaUnreachable;
import io.dwb.runtime.Replication;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicProblem;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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
 * The events topic's settings, read at start and again every {@code --topic-check-interval} on a thread of its own,
 * judged as a listener judges them at its start ({@link TopicProvisioner}): an administrator's change while the
 * fleet runs ({@code cleanup.policy=compact}, which lets the log cleaner delete every event of a host but its last
 * before it is delivered; {@code unclean.leader.election.enable=true}; {@code min.insync.replicas} above the
 * replicas) was said by nobody until each listener's next start, where one that loses records is refused (exit 2):
 * the fleet's capture stopped host by host at its restarts. Each problem is said when it appears or changes (an
 * ERROR line for one a listener refuses, a WARN for the others), once, and when it is gone (INFO);
 * {@code dwb_forwarder_events_topic_problem} shows those standing. The listeners' own partition count is theirs to
 * choose: not judged here. A topic not created yet, or gone, is {@link TopicPresence}'s to tell.
 */
final class EventsTopicSettingsWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventsTopicSettingsWatch.class);
    /** The watch's thread's name. */
    static final String THREAD = "events-topic-settings";
    /** What the reading's admin client adds to the forwarder's {@code client.id}. */
    private static final String CLIENT_ID_SUFFIX = "-topic-settings";

    /** One reading of the topic's problems. */
    @FunctionalInterface
    interface Reader {
        /**
         * The problems of the topic's settings now; none when it does not exist.
         *
         * @throws KafkaUnreachable when Kafka does not answer or refuses
         */
        List<TopicProblem> problems();
    }

    private final Reader reader;
    private final Duration interval;
    private final ForwarderMetrics metrics;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    // The watch's thread's alone
    /** The problems said and standing, by setting. */
    private Map<String, TopicProblem> standing = Map.of();
    private boolean failing;

    EventsTopicSettingsWatch(Reader reader, Duration interval, ForwarderMetrics metrics) {
        this.reader = reader;
        this.interval = interval;
        this.metrics = metrics;
        this.thread = new Thread(this::run, THREAD);
        thread.setDaemon(true);
    }

    /** Reads {@code topic}'s settings with admin clients of {@code kafka}, the first reading at once. */
    static EventsTopicSettingsWatch start(Properties kafka, String topic, Duration interval, ForwarderMetrics metrics) {
        EventsTopicSettingsWatch watch = new EventsTopicSettingsWatch(reader(kafka, topic), interval, metrics);
        watch.thread.start();
        return watch;
    }

    /**
     * DescribeCluster, ListTopics, DescribeTopics and DescribeConfigs by an admin client made for the reading and
     * closed after it: a forwarder holds no connection for a check every few minutes.
     */
    static Reader reader(Properties kafka, String topic) {
        Duration timeout = ClientTimeouts.apiTimeout(kafka);
        // One partition asked: any count passes (the listeners' --events-partitions); one replica asked: the
        // replicas are the creator's choice too, while min.insync.replicas is still judged against those there are.
        TopicPlan plan = new TopicPlan(List.of(TopicSpec.events(topic, 1,
                DurationArgument.parse(TopicSpec.DEFAULT_EVENTS_RETENTION), -1)), Replication.single(),
                false);
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
                log.info("the events topic's settings could not be read ({}); read again every {}", e.getMessage(),
                        every());
                failing = true;
            }
            return;
        }
        failing = false;
        Map<String, TopicProblem> now = new LinkedHashMap<>();
        read.forEach(p -> now.put(p.setting(), p));
        for (TopicProblem p : now.values()) {
            TopicProblem before = standing.get(p.setting());
            if (before != null && before.equals(p)) {
                continue;
            }
            if (before != null && before.severity() != p.severity()) {
                metrics.eventsTopicProblem(before.setting(), before.severity(), false);
            }
            metrics.eventsTopicProblem(p.setting(), p.severity(), true);
            if (p.severity() == TopicProblem.Severity.REFUSAL) {
                log.error("{}; a listener that starts now refuses the topic and exits 2, those running go on writing "
                        + "to it (read again every {})", p.message(), every());
            } else {
                log.warn("{}", p.message());
            }
        }
        for (TopicProblem before : standing.values()) {
            if (!now.containsKey(before.setting())) {
                metrics.eventsTopicProblem(before.setting(), before.severity(), false);
                log.info("topic {}: {} is as wanted again", before.topic(), before.setting());
            }
        }
        standing = now;
    }

    /** The interval as the option is written: 5m, 30s. */
    private String every() {
        return interval.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        thread.join(Duration.ofSeconds(1).toMillis()); // a reading under way ends at its admin client's timeout
    }
}
