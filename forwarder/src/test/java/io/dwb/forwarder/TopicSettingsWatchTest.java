package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.KafkaUnreachable;
import io.dwb.runtime.TopicProblem;
import io.dwb.runtime.TopicRole;
import io.dwb.runtime.TopicProblem.Severity;
import io.dwb.runtime.TopicProblem.Subject;
import io.dwb.schemas.testing.LogLines;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What {@link TopicSettingsWatch} says of a sequence of readings (the real broker: TopicSettingsTest). */
class TopicSettingsWatchTest {
    private static final TopicProblem COMPACT = new TopicProblem("events", "cleanup.policy", Subject.SETTING,
            Severity.REFUSAL,
            "topic events has cleanup.policy=compact but needs cleanup.policy=delete");
    private static final TopicProblem COMPACT_DELETE = new TopicProblem("events", "cleanup.policy", Subject.SETTING,
            Severity.REFUSAL,
            "topic events has cleanup.policy=compact,delete but needs cleanup.policy=delete");
    private static final TopicProblem ONE_INSYNC = new TopicProblem("events", "min.insync.replicas", Subject.SETTING,
            Severity.WARNING, "topic events has min.insync.replicas=1 with 3 replicas");
    private static final TopicProblem LETTERS_COMPACT = new TopicProblem("letters", "cleanup.policy", Subject.SETTING,
            Severity.REFUSAL, "topic letters has cleanup.policy=compact but needs cleanup.policy=delete");
    private static final TopicProblem NO_INSYNC = new TopicProblem("events", "min.insync.replicas", Subject.SETTING,
            Severity.REFUSAL, "topic events has min.insync.replicas=4 but 3 replica(s)");

    private final Deque<Supplier<List<TopicProblem>>> readings = new ArrayDeque<>();
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final TopicSettingsWatch watch = new TopicSettingsWatch(() -> readings.remove().get(),
            roles(), Duration.ofMinutes(5), metrics, List.of());
    @RegisterExtension
    final LogLines logged = LogLines.of(TopicSettingsWatch.class);

    @Test
    void eachProblemIsSaidWhenItAppearsOrChangesAndWhenItGoesNotAtEveryReading() {
        read(List.of(COMPACT));
        read(List.of(COMPACT));
        assertThat(logged.lines()).containsExactly("ERROR " + COMPACT.message() + "; a listener that starts now "
                + "refuses the topic and exits 2, those running go on writing to it (read again every 5m)");
        assertThat(series()).containsExactly("events/cleanup.policy/refusal");

        read(List.of(COMPACT_DELETE, ONE_INSYNC));
        assertThat(logged.lines()).hasSize(3).endsWith("WARN " + ONE_INSYNC.message());
        assertThat(logged.lines().get(1)).startsWith("ERROR " + COMPACT_DELETE.message());
        assertThat(series()).containsExactlyInAnyOrder("events/cleanup.policy/refusal", "events/min.insync.replicas/warning");

        read(List.of(NO_INSYNC));
        assertThat(series()).as("the warning's series replaced by the refusal's")
                .containsExactly("events/min.insync.replicas/refusal");
        assertThat(logged.lines()).hasSize(5).endsWith("INFO topic events: cleanup.policy is as wanted again");
        assertThat(logged.lines().get(3)).startsWith("ERROR " + NO_INSYNC.message());

        read(List.of());
        assertThat(series()).isEmpty();
        assertThat(logged.lines()).hasSize(6).endsWith("INFO topic events: min.insync.replicas is as wanted again");
    }

    /** The same setting of two topics is two problems; a starting forwarder is who refuses the dead-letter topic. */
    @Test
    void eachTopicsProblemsAreTheirOwn() {
        read(List.of(COMPACT, LETTERS_COMPACT));
        assertThat(series()).containsExactlyInAnyOrder("events/cleanup.policy/refusal",
                "letters/cleanup.policy/refusal");
        assertThat(logged.lines()).containsExactly(
                "ERROR " + COMPACT.message() + "; a listener that starts now refuses the topic and exits 2, those "
                        + "running go on writing to it (read again every 5m)",
                "ERROR " + LETTERS_COMPACT.message() + "; a forwarder that starts now refuses the topic and exits 2, "
                        + "those running go on writing to it (read again every 5m)");

        read(List.of(LETTERS_COMPACT));
        assertThat(series()).containsExactly("letters/cleanup.policy/refusal");
        assertThat(logged.lines()).hasSize(3).endsWith("INFO topic events: cleanup.policy is as wanted again");
    }

    @Test
    void readingsThatFailAreSaidOnceAndLeaveWhatStandsAsItWas() {
        read(List.of(COMPACT));
        readings.add(() -> {
            throw new KafkaUnreachable("Kafka at b:9092 refused to describe topics: not authorized", null);
        });
        readings.add(() -> {
            throw new KafkaUnreachable("no answer", null);
        });
        watch.readOnce();
        watch.readOnce();
        assertThat(logged.lines()).hasSize(2).last().asString().isEqualTo("INFO the settings of topic(s) events, "
                + "letters could not be read (Kafka at b:9092 refused to describe topics: not authorized); read again "
                + "every 5m");
        assertThat(series()).as("the last reading's, kept").containsExactly("events/cleanup.policy/refusal");

        read(List.of(COMPACT));
        assertThat(logged.lines()).as("nothing changed: nothing more said").hasSize(2);
    }

    /**
     * What the forwarder's start said of the dead-letter topic (its check before delivery) stands from the start and
     * is not said again by the first reading; before, such a WARN came twice within a second of each other.
     */
    @Test
    void whatTheStartSaidIsNotSaidAgainByTheFirstReading() {
        TopicProblem lettersUnclean = new TopicProblem("letters", "unclean.leader.election.enable", Subject.SETTING,
                Severity.WARNING,
                "topic letters has unclean.leader.election.enable=true");
        TopicProblem otherTopics = new TopicProblem("other", "cleanup.policy", Subject.SETTING,
                Severity.REFUSAL, "not watched here");
        TopicProblem fewerPartitions = new TopicProblem("letters", "--dlq-partitions", Subject.LAYOUT, Severity.WARNING,
                "topic letters has 1 partition(s), 3 asked"); // its layout: the start's to judge, not the watch's
        TopicSettingsWatch started = new TopicSettingsWatch(() -> readings.remove().get(), roles(),
                Duration.ofMinutes(5), metrics, List.of(lettersUnclean, otherTopics, fewerPartitions));
        assertThat(series()).as("standing from the start")
                .containsExactly("letters/unclean.leader.election.enable/warning");

        readings.add(() -> List.of(lettersUnclean));
        started.readOnce();
        assertThat(logged.lines()).isEmpty();

        readings.add(List::of);
        started.readOnce();
        assertThat(logged.lines())
                .containsExactly("INFO topic letters: unclean.leader.election.enable is as wanted again");
        assertThat(series()).isEmpty();
    }

    /** The events topic, then the dead-letter topic, as the forwarder watches them. */
    private static Map<String, TopicRole> roles() {
        Map<String, TopicRole> roles = new LinkedHashMap<>();
        roles.put("events", TopicRole.EVENTS);
        roles.put("letters", TopicRole.DEAD_LETTERS);
        return roles;
    }

    private void read(List<TopicProblem> problems) {
        readings.add(() -> problems);
        watch.readOnce();
    }

    private List<String> series() {
        for (MetricSnapshot s : metrics.registry().scrape()) {
            if (s.getMetadata().getPrometheusName().equals("dwb_forwarder_topic_problem")) {
                return ((GaugeSnapshot) s).getDataPoints().stream().filter(d -> d.getValue() == 1)
                        .map(d -> d.getLabels().get("topic") + "/" + d.getLabels().get("setting") + "/"
                                + d.getLabels().get("severity"))
                        .collect(Collectors.toList());
            }
        }
        throw new AssertionError("no metric");
    }
}
