package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.TopicProblem.Severity;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rules applied to an existing topic, without a broker (the provisioner's tests show them on a real one). */
class TopicChecksTest {
    private static final TopicSpec CHECKPOINTS = TopicSpec.checkpoints("cp", 12);
    private static final TopicSpec EVENTS = TopicSpec.events("ev", 12, Duration.ofDays(7), -1);
    private static final TopicSpec DEAD_LETTERS = TopicSpec.deadLetters("dlq", 3, Duration.ofDays(30));

    @Test
    void aCheckpointTopicMustBeCompactedAndNeverDeletedByRetention() {
        assertThat(TopicChecks.policy(CHECKPOINTS, "compact")).isEmpty();
        assertThat(TopicChecks.policy(CHECKPOINTS, "compact,delete")).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Severity.REFUSAL);
            assertThat(p.setting()).isEqualTo("cleanup.policy");
            assertThat(p.message()).contains("has cleanup.policy=compact,delete but needs cleanup.policy=compact")
                    .contains("resume without the gap record");
        });
    }

    @Test
    void eventsAndDeadLettersMustNotBeCompacted() {
        assertThat(TopicChecks.policy(EVENTS, "delete")).isEmpty();
        assertThat(TopicChecks.policy(EVENTS, "delete,compact")).singleElement()
                .satisfies(p -> assertThat(p.severity()).isEqualTo(Severity.REFUSAL));
        assertThat(TopicChecks.policy(DEAD_LETTERS, "compact")).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("each host's newest dead letter"));
    }

    @Test
    void oneInsyncReplicaOfSeveralIsAWarningAndSoAreMoreThanTheReplicas() {
        assertThat(TopicChecks.minInsync(EVENTS, "2", 3)).isEmpty();
        assertThat(TopicChecks.minInsync(EVENTS, "1", 1)).isEmpty();
        assertThat(TopicChecks.minInsync(EVENTS, "1", 3)).singleElement()
                .satisfies(p -> assertThat(p.severity()).isEqualTo(Severity.WARNING));
        assertThat(TopicChecks.minInsync(EVENTS, "3", 2)).singleElement()
                .satisfies(p -> assertThat(p.severity()).isEqualTo(Severity.WARNING));
    }

    @Test
    void fewerPartitionsOrReplicasThanAskedAreWarnings() {
        assertThat(TopicChecks.size(EVENTS, 24, 3, (short) 3)).as("more partitions than asked is fine").isEmpty();
        assertThat(TopicChecks.size(CHECKPOINTS, 1, 1, (short) 3)).extracting(TopicProblem::setting)
                .containsExactly("--checkpoint-partitions", "--replication-factor");
        assertThat(TopicChecks.size(CHECKPOINTS, 1, 3, (short) 3)).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("never add partitions to it"));
    }

    @Test
    void uncleanLeaderElectionOnAnyOfTheTopicsIsAWarning() {
        for (TopicSpec spec : new TopicSpec[] {EVENTS, CHECKPOINTS, DEAD_LETTERS}) {
            assertThat(TopicChecks.uncleanElection(spec, "false")).isEmpty();
            assertThat(TopicChecks.uncleanElection(spec, null)).as("not said: not checked").isEmpty();
            assertThat(TopicChecks.uncleanElection(spec, "true")).singleElement().satisfies(p -> {
                assertThat(p.severity()).isEqualTo(Severity.WARNING);
                assertThat(p.setting()).isEqualTo("unclean.leader.election.enable");
                assertThat(p.message()).contains("lost without a gap record");
            });
        }
    }

    /** The dead-letter topic of an earlier install, stamped by its producers: said, with the command. */
    @Test
    void aDeadLetterTopicStampedByItsProducersIsAWarning() {
        assertThat(TopicChecks.timestampType(DEAD_LETTERS, "LogAppendTime")).isEmpty();
        assertThat(TopicChecks.timestampType(DEAD_LETTERS, null)).as("not said: not checked").isEmpty();
        assertThat(TopicChecks.timestampType(EVENTS, "CreateTime")).as("the events keep the engine's time")
                .isEmpty();
        assertThat(TopicChecks.timestampType(DEAD_LETTERS, "CreateTime")).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Severity.WARNING);
            assertThat(p.setting()).isEqualTo("message.timestamp.type");
            assertThat(p.message()).endsWith("--entity-name dlq --add-config message.timestamp.type=LogAppendTime");
        });
    }

    @Test
    void eventsAndCheckpointsWithoutTheDecompressedBoundAreWarnings() {
        String bound = String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES);
        assertThat(TopicChecks.decompressedBound(EVENTS, bound)).isEmpty();
        assertThat(TopicChecks.decompressedBound(CHECKPOINTS, "1048576")).as("a tighter bound is the owner's")
                .isEmpty();
        assertThat(TopicChecks.decompressedBound(EVENTS, "2147483639")).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Severity.WARNING);
            assertThat(p.setting()).isEqualTo("max.decompressed.message.bytes");
            assertThat(p.message()).startsWith("topic ev has max.decompressed.message.bytes=2147483639: ")
                    .contains("OutOfMemoryError")
                    .endsWith("--entity-name ev --add-config max.decompressed.message.bytes=" + bound);
        });
        assertThat(TopicChecks.decompressedBound(CHECKPOINTS, null)).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("the brokers of topic cp do not know "
                        + "max.decompressed.message.bytes: "));
        assertThat(TopicChecks.decompressedBound(DEAD_LETTERS, null)).as("no bound asked: read by people's tools")
                .isEmpty();
    }
}
