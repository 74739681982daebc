package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.testing.LogLines;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replay's edges, unit layer: the delivery loop over {@link PartitionLogConsumer} (offsetsForTimes, first kept and
 * stable end offsets as a broker answers them), one {@link DeliveryLoop#runOnce} at a time, a clock that moves only
 * when the test moves it. What a replay cannot read (deleted by retention, held by a transaction) is said, and its
 * end line says what it delivered.
 */
class ReplayLoopTest {
    private static final String TOPIC = "events";
    /** The records' time: whole seconds after it. */
    private static final long T_MS = 1_764_000_000_000L;

    private final List<String> sent = new ArrayList<>();
    private final AlertSink sink = new AlertSink() {
        @Override
        public void send(byte[] datagram) {
            sent.add(new String(datagram, StandardCharsets.UTF_8));
        }

        @Override
        public void close() {
        }
    };
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    @RegisterExtension
    final LogLines lines = LogLines.of(DeliveryLoop.class, ReplayWindow.class, StateChanges.class);
    private long now = 1_000_000_000_000L;
    /** The replay's alerts a second, 0 unpaced. */
    private int eps;
    private AlertFormatter formatter = new AlertFormatter();
    /** The wall clock the replay starts at: 30 days after the records, twice past the topic's retention by default. */
    private long wallMs = T_MS + Duration.ofDays(30).toMillis();
    /** The events topic's retention as the replay reads it: 7 days, no size bound, by default. */
    private TopicRetention.Reader retention = topic -> new TopicRetention(Duration.ofDays(7).toMillis(), -1);
    private int retentionAsked;

    @Test
    void offsetsKafkaDeletesDuringAReplayAreCountedInItsEndLine() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 10; s++) {
            kafka.append(0, event("e" + s, s));
        }
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();
        kafka.deleteBefore(0, 5); // retention, before the replay reads them

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(5);
        assertThat(logged("WARN")).anyMatch(l -> l.contains("offsets 0 to 4 of events-0 were deleted by Kafka"));
        assertThat(doneLine()).contains("5 alerts sent").contains("5 offsets deleted by Kafka before they were read");
        // Not the live forwarder's "events lost" (its rule is critical): this history was delivered live
        assertThat(metrics.deletedBeforeDeliveryTotal()).isZero();
        // Exit 0: what Kafka deleted is gone, a second run would deliver nothing more
        assertThat(loop.replayOutcome()).isEqualTo(ReplayOutcome.DELIVERED);
    }

    /** Only the window's offsets count: those published after the replay began, deleted too, are not its. */
    @Test
    void offsetsDeletedPastTheEndsOfTheReplaysStartAreNotCounted() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 10; s++) {
            kafka.append(0, event("e" + s, s));
        }
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();
        for (int s = 10; s < 20; s++) {
            kafka.append(0, event("e" + s, s));
        }
        kafka.deleteBefore(0, 15);

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).isEmpty();
        assertThat(logged("WARN")).anyMatch(l -> l.contains("offsets 0 to 9 of events-0 were deleted by Kafka"));
        assertThat(doneLine()).contains("10 offsets deleted by Kafka before they were read");
    }

    /** Nothing of the window could be read, but a transaction held records that may be all it has: named. */
    @Test
    void aWindowFoundEmptyNamesThePartitionsWhoseRecordsATransactionHeldPastItsStableEnd() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        kafka.append(0, event("e0", 0));
        for (int s = 100; s < 103; s++) {
            kafka.appendOpen(0, event("e" + s, s));
        }
        DeliveryLoop loop = replay(kafka, seconds(50), seconds(200));

        loop.run();

        assertThat(sent).isEmpty();
        assertThat(logged("WARN")).singleElement().asString()
                .contains("1 partition(s) had records past their stable end when it started")
                .contains("events-0 at 1 (3 past it)");
        assertThat(doneLine()).isEqualTo("replay done: nothing in the window");
    }

    @Test
    void aWindowWhoseStartRetentionDeletedIsSaidCutAtStartAndAtItsEnd() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 2);
        for (int s = 0; s < 300; s++) {
            kafka.append(0, event("e" + s, s));
            kafka.append(1, event("f" + s, s));
        }
        kafka.deleteBefore(0, 100); // partition 0 keeps its records from 100 s on; partition 1 all of them
        // The window [10 s, 50 s): deleted from partition 0, kept in partition 1.
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(40); // partition 1's
        assertThat(logged("WARN")).singleElement().asString()
                .contains("the start of the window may be gone from 1 of 2 partitions")
                .contains("events-0 from offset 100 (dated 2025-11-24T16:01:40Z)")
                .doesNotContain("events-1");
        assertThat(doneLine()).contains("40 alerts sent")
                .endsWith("; its start may have been deleted by retention before the replay began in 1 of 2 "
                        + "partitions (named at start)");
    }

    /**
     * Retention deleted every record of partition 0: Kafka finds no offset for {@code --from} there, yet the window's
     * records may have been among those deleted. Said as a partial cut is; partition 2, never written, is not.
     */
    @Test
    void aPartitionWhoseEveryRecordRetentionDeletedIsSaidCut() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 3);
        for (int s = 0; s < 100; s++) {
            kafka.append(0, event("e" + s, s));
            kafka.append(1, event("f" + s, s));
        }
        kafka.deleteBefore(0, 100);
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(40); // partition 1's
        assertThat(logged("WARN")).singleElement().asString()
                .contains("the start of the window may be gone from 1 of 3 partitions")
                .contains("events-0 wholly (every record below offset 100 deleted, none kept)")
                .doesNotContain("events-1").doesNotContain("events-2");
        assertThat(doneLine()).endsWith("; its start may have been deleted by retention before the replay began in 1 "
                + "of 3 partitions (named at start)");
    }

    /** Every partition's records deleted: the window is found empty, and its end line says why it may be. */
    @Test
    void aWindowFoundEmptyForRetentionDeletedAllItHadSaysItAtItsEnd() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 100; s++) {
            kafka.append(0, event("e" + s, s));
        }
        kafka.deleteBefore(0, 100);
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));

        loop.run();

        assertThat(sent).isEmpty();
        assertThat(logged("WARN")).singleElement().asString()
                .contains("the start of the window may be gone from 1 of 1 partitions")
                .contains("events-0 wholly (every record below offset 100 deleted, none kept)");
        assertThat(doneLine()).isEqualTo("replay done: nothing in the window; its start may have been deleted by "
                + "retention before the replay began in 1 of 1 partitions (named at start)");
    }

    /**
     * Retention deletes a segment once its newest record is older than {@code retention.ms}: every record it deleted
     * is dated before the horizon {@code now - retention.ms}. A window starting after it (here two days after the
     * records, 7 days kept) lost nothing: a partition emptied long ago (a retired host's) is not said cut.
     */
    @Test
    void aPartitionWhollyEmptiedByTimeRetentionIsNotSaidForAWindowAfterItsHorizon() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 2);
        for (int s = 0; s < 100; s++) {
            kafka.append(0, event("e" + s, s));
            kafka.append(1, event("f" + s, s));
        }
        kafka.deleteBefore(0, 100);
        wallMs = T_MS + Duration.ofDays(2).toMillis();
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(40);
        assertThat(logged("WARN")).isEmpty();
        assertThat(logged("INFO")).as("named at INFO, what retention cannot tell left to a person")
                .anyMatch(l -> l.startsWith("replay: records were deleted before the window's start in 1 partition(s): "
                        + TOPIC + "-0 wholly"));
        assertThat(doneLine()).contains("40 alerts sent").endsWith("before they were read)");
    }

    /** So for a window found empty: its end line says nothing of retention. */
    @Test
    void aWindowFoundEmptyAfterTheRetentionHorizonSaysNothingOfRetention() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 100; s++) {
            kafka.append(0, event("e" + s, s));
        }
        kafka.deleteBefore(0, 100);
        wallMs = T_MS + Duration.ofDays(2).toMillis();
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));

        loop.run();

        assertThat(logged("WARN")).isEmpty();
        assertThat(doneLine()).isEqualTo("replay done: nothing in the window");
    }

    /** By the same argument, a first record kept dated after --from: what was deleted before it is older. */
    @Test
    void aPartitionCutBeforeAWindowAfterTheRetentionHorizonIsNotSaidCut() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 300; s++) {
            kafka.append(0, event("e" + s, s));
        }
        kafka.deleteBefore(0, 100);
        wallMs = T_MS + Duration.ofDays(2).toMillis();
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(150));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(50);
        assertThat(logged("WARN")).isEmpty();
        assertThat(logged("INFO")).as("named at INFO: here DeleteRecords, not retention, took e10 to e99")
                .anyMatch(l -> l.startsWith("replay: records were deleted before the window's start in 1 partition(s): "
                        + TOPIC + "-0 from offset 100"));
        assertThat(doneLine()).endsWith("before they were read)");
    }

    /**
     * A window starting before the horizon, or less than the margin for the broker's clock after it, may have lost
     * records to retention: said as before.
     */
    @Test
    void aPartitionWhollyEmptiedIsStillSaidForAWindowBeforeTheHorizonOrWithinTheMarginAfterIt() {
        for (Duration after : List.of(Duration.ofDays(-1), TopicRetention.CLOCK_MARGIN.minusMillis(1))) {
            lines.clear();
            PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
            for (int s = 0; s < 100; s++) {
                kafka.append(0, event("e" + s, s));
            }
            kafka.deleteBefore(0, 100);
            // --from is 10 s after T_MS: the horizon, now - 7 days, is `after` before it
            wallMs = T_MS + 10_000 + Duration.ofDays(7).toMillis() - after.toMillis();
            DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));

            loop.run();

            assertThat(logged("WARN")).as("--from %s after the horizon", after).singleElement().asString()
                    .contains("events-0 wholly (every record below offset 100 deleted, none kept)")
                    .doesNotContain("could not be read");
            assertThat(doneLine()).endsWith("its start may have been deleted by retention before the replay began in "
                    + "1 of 1 partitions (named at start)");
        }
    }

    /**
     * What the topic's retention cannot rule out: a size bound ({@code retention.bytes} deletes whatever the dates),
     * or no time retention at all ({@code retention.ms} -1: something else deleted them, DeleteRecords or an earlier
     * setting).
     */
    @Test
    void aPartitionWhollyEmptiedIsStillSaidWhenRetentionBytesIsSetOrTimeRetentionIsOff() {
        for (TopicRetention set : List.of(new TopicRetention(Duration.ofDays(7).toMillis(), 1_000_000_000L),
                new TopicRetention(-1, -1))) {
            lines.clear();
            PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
            for (int s = 0; s < 100; s++) {
                kafka.append(0, event("e" + s, s));
            }
            kafka.deleteBefore(0, 100);
            wallMs = T_MS + Duration.ofDays(2).toMillis();
            retention = topic -> set;
            DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));

            loop.run();

            assertThat(logged("WARN")).as("%s", set).singleElement().asString()
                    .contains("events-0 wholly (every record below offset 100 deleted, none kept)");
        }
    }

    /** Without the topic's settings (no DescribeConfigs on it, no answer) nothing rules it out: said as before. */
    @Test
    void aPartitionWhollyEmptiedIsStillSaidWhenTheTopicsRetentionCannotBeRead() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 100; s++) {
            kafka.append(0, event("e" + s, s));
        }
        kafka.deleteBefore(0, 100);
        wallMs = T_MS + Duration.ofDays(2).toMillis();
        retention = topic -> {
            throw new org.apache.kafka.common.errors.TopicAuthorizationException("Not authorized to access topics");
        };
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(50));

        loop.run();

        assertThat(logged("WARN")).singleElement().asString()
                .contains("the start of the window may be gone from 1 of 1 partitions")
                .contains("events-0 wholly (every record below offset 100 deleted, none kept)")
                .contains("the topic's retention.ms and retention.bytes could not be read (Not authorized to access "
                        + "topics)");
        assertThat(doneLine()).endsWith("(named at start)");
    }

    @Test
    void aWindowStartingBeforeThePartitionsFirstRecordOrInsideWhatIsKeptIsNotSaidCut() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 2);
        for (int s = 100; s < 200; s++) {
            kafka.append(0, event("e" + s, s)); // nothing deleted: the window starts before its first record
        }
        for (int s = 0; s < 200; s++) {
            kafka.append(1, event("f" + s, s));
        }
        kafka.deleteBefore(1, 5); // partition 1 keeps records from 5 s on: from before the window
        DeliveryLoop loop = replay(kafka, seconds(10), seconds(120));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(logged("WARN")).isEmpty();
        assertThat(doneLine()).contains("130 alerts sent").endsWith("before they were read)");
        assertThat(retentionAsked).as("the topic's retention is read only for a partition it may have cut").isZero();
    }

    @Test
    void aPartitionATransactionHoldsFromTheReplaysStartToItsEndIsSaidWithItsStableOffsetAndTheRecordsPastIt() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 2);
        for (int s = 0; s < 10; s++) {
            kafka.append(0, event("e" + s, s));
        }
        for (int s = 10; s < 13; s++) {
            kafka.appendOpen(0, event("e" + s, s)); // a transaction left open: read_committed stops before it
        }
        for (int s = 0; s < 5; s++) {
            kafka.append(1, event("f" + s, s));
        }
        DeliveryLoop loop = replay(kafka, seconds(0), seconds(60));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(15);
        assertThat(logged("WARN")).first().asString()
                .contains("partition events-0 was held at its stable offset 10 by a transaction open there from the "
                        + "replay's start to its end: the 3 record(s) written past it were not read")
                .contains("kafka-transactions.sh describe-producers --topic events --partition 0");
        // Not the whole window: at WARN, and an exit 1 (ForwarderCommand), as a replay stopped before its end.
        assertThat(logged("WARN")).last().isEqualTo(doneLine());
        assertThat(doneLine()).startsWith("replay done: window delivered but for records held by open transactions (15 "
                + "alerts sent").endsWith("; 3 record(s) written past the stable end of 1 partition(s), held by open "
                + "transactions, were not read (named above): run the replay again once they are over");
        assertThat(loop.replayOutcome()).isEqualTo(ReplayOutcome.HELD);
    }

    /**
     * A replay Kafka refuses (its principal may not read the topic) ends, stopped before the end of its window (exit
     * 1), with the refusal's ERROR: it waited for the ACL as the live forwarder does, and a script running it hung.
     */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aReplayKafkaRefusesEndsSayingWhy() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 3; s++) {
            kafka.append(0, event("e" + s, s));
        }
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        kafka.setPollException(new org.apache.kafka.common.errors.TopicAuthorizationException(
                "Not authorized to access topics: [events]"));

        loop.run();

        assertThat(loop.replayOutcome()).isEqualTo(ReplayOutcome.STOPPED);
        assertThat(logged("ERROR")).singleElement().asString().startsWith("Kafka refuses the replay, ")
                .contains("Not authorized to access topics: [events]").endsWith("; it ends");
    }

    /**
     * {@code --host}: the records of the hosts named, by name (the host header) or by id (the key), gaps and states
     * too; the others' are read and left out. A repair of one agent's window re-sent the whole fleet's before.
     */
    @Test
    void aReplayOfSomeHostsDeliversTheirRecordsAloneNamedOrById() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 2);
        for (int s = 0; s < 3; s++) {
            kafka.append(0, event("e" + s, s)); // host-e, id eee…
            kafka.append(1, event("f" + s, s)); // host-f, id fff…
            kafka.append(0, event("g" + s, s)); // host-g, id ggg…
        }
        DeliveryLoop byName = replay(kafka, seconds(0), null, java.util.Set.of("host-e"), kafka::writtenEnds);
        byName.start();
        assertThat(runToEnd(byName)).isTrue();
        assertThat(sent).hasSize(3).allSatisfy(d -> assertThat(d).contains("\"name\":\"e"));
        assertThat(doneLine()).contains("3 alerts sent");
        assertThat(lines.messages("replay of ")).singleElement().asString().contains(", host host-e:");

        sent.clear();
        DeliveryLoop byId = replay(kafka, seconds(0), null, java.util.Set.of("f".repeat(32), "host-g"),
                kafka::writtenEnds);
        byId.start();
        assertThat(runToEnd(byId)).isTrue();
        assertThat(sent).hasSize(6).noneSatisfy(d -> assertThat(d).contains("\"name\":\"e"));
    }

    /** A --to not a minute past, or a --from ahead of the clock, is said at start: neither ends the replay. */
    @Test
    void boundsNotPastYetAreSaidAtStart() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 3; s++) {
            kafka.append(0, event("e" + s, s));
        }
        wallMs = T_MS + 30_000; // 30 s after the topic's first event: a --to of 60 s is not past
        DeliveryLoop loop = replay(kafka, seconds(0), seconds(60));
        loop.start();
        assertThat(runToEnd(loop)).isTrue();
        assertThat(logged("WARN")).singleElement().asString().contains("--to " + ContractJson.rfc3339(seconds(60))
                + " is not 60 s past yet").contains("run it again after " + ContractJson.rfc3339(seconds(120)));

        lines.clear();
        wallMs = T_MS + 121_000; // a minute past --to, and a second
        replay(kafka, seconds(0), seconds(60)).start();
        assertThat(logged("WARN")).isEmpty();

        replay(kafka, seconds(200), null).start(); // after the clock
        assertThat(logged("WARN")).singleElement().asString().contains("--from " + ContractJson.rfc3339(seconds(200))
                + " is later than this host's clock");
    }

    @Test
    void aTransactionInFlightWhenTheReplayStartsThatEndsDuringItIsNotSaidToHoldItsPartition() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 10; s++) {
            kafka.append(0, event("e" + s, s));
        }
        kafka.appendOpen(0, event("e10", 10)); // a listener's ordinary transaction, a few hundred ms long
        DeliveryLoop loop = replay(kafka, seconds(0), seconds(60));
        loop.start();
        kafka.commitOpen(0);

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(10); // its record is past the ends seen at start, as any published later
        assertThat(logged("WARN")).isEmpty();
        assertThat(doneLine()).endsWith("before they were read)");
    }

    @Test
    void writtenEndsKafkaDoesNotGiveAreSaidAndTheReplayGoesOn() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        kafka.append(0, event("e0", 0));
        DeliveryLoop loop = replay(kafka, seconds(0), null, partitions -> {
            throw new org.apache.kafka.common.errors.TimeoutException("no answer");
        });
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(1);
        assertThat(logged("WARN")).singleElement().asString()
                .startsWith("replay: the partitions' written ends could not be read (no answer)");
    }

    @Test
    void aGapThatBeganInTheWindowAndEndsAfterItIsDelivered() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        kafka.append(0, event("e5", 5));
        kafka.append(0, gap(10, 3600)); // the host's listener lost track from 10 s to 1 h, dated at its end
        kafka.append(0, gap(2000, 2500)); // after the window
        DeliveryLoop loop = replay(kafka, seconds(0), seconds(1800));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(2);
        assertThat(TestRecords.alert(sent.get(1).getBytes(StandardCharsets.UTF_8)).path("docker_bridge")
                .path("fromNano").asLong()).isEqualTo(seconds(10));
        assertThat(doneLine()).contains("2 alerts sent");
    }

    @Test
    void aWindowWhollyInsideAGapDeliversTheGap() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        kafka.append(0, event("e5", 5));
        kafka.append(0, gap(10, 3600));
        DeliveryLoop loop = replay(kafka, seconds(1200), seconds(2400));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).singleElement().asString().contains("\"event\":\"gap\"").contains("\"replay\":true");
        assertThat(doneLine()).contains("1 alerts sent");
    }

    /** A gap is taken by the time it covers: a window holding only its date (its end, exclusive) does not take it. */
    @Test
    void aWindowHoldingAGapsDateButNoneOfItsTimeDoesNotTakeIt() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        kafka.append(0, gap(10, 3600));
        kafka.append(0, event("e3700", 3700));
        DeliveryLoop loop = replay(kafka, seconds(3600), seconds(5400));
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).singleElement().asString().contains("e3700");
    }

    @Test
    void invalidRecordsAReplaySkipsAreNamedWithTheirReasonAndCountedByReasonAtTheEnd() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        kafka.append(0, event("e0", 0));
        kafka.append(0, TestRecords.event(TOPIC, "host-e", "e".repeat(32), "not json".getBytes(StandardCharsets.UTF_8),
                null, seconds(1) / 1_000_000L));
        kafka.append(0, TestRecords.bridge(TOPIC, "host-g", "g".repeat(32), "gap",
                "{}".getBytes(StandardCharsets.UTF_8), seconds(2) / 1_000_000L));
        kafka.append(0, event("e3", 3));
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(2);
        assertThat(logged("WARN")).hasSize(2).satisfiesExactly(
                l -> assertThat(l).startsWith("replay: record events-0@1 skipped, not deliverable: not-json: "),
                l -> assertThat(l).startsWith("replay: record events-0@2 skipped, not deliverable: invalid-gap: "));
        assertThat(doneLine()).contains("2 invalid records skipped (not-json 1, invalid-gap 1), 0 alerts refused");
    }

    /** A failure nobody foresaw (a bug) on one record: a replay skips it as an invalid one, and its ERROR says so. */
    @Test
    void aRecordWhoseAlertFailsUnforeseenIsSaidSkippedNotDeadLettered() {
        formatter = new AlertFormatter(host -> {
            if ("host-b".equals(host.name())) {
                throw new IllegalArgumentException("a bug in attribution for " + host.name());
            }
            return AlertOwners.NONE.head(host);
        });
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        kafka.append(0, event("e0", 0));
        kafka.append(0, event("b1", 1));
        kafka.append(0, event("e2", 2));
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(2);
        assertThat(logged("ERROR")).singleElement().asString()
                .isEqualTo("record events-0@1: unexpected failure, a bug; the replay skips the record (format-error), "
                        + "it writes no dead letters; please report it with this trace")
                .doesNotContain("dead-letter topic");
        assertThat(logged("WARN")).singleElement().asString()
                .isEqualTo("replay: record events-0@1 skipped, not deliverable: format-error: "
                        + "java.lang.IllegalArgumentException: a bug in attribution for host-b");
        assertThat(doneLine()).contains("1 invalid records skipped (format-error 1)");
    }

    @Test
    void aFloodOfInvalidRecordsIsNamedTenAMinuteAndCountedWhole() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 25; s++) {
            kafka.append(0, TestRecords.event(TOPIC, "host-e", "e".repeat(32),
                    "not json".getBytes(StandardCharsets.UTF_8), null, seconds(s) / 1_000_000L));
        }
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(logged("WARN")).hasSize(StateChanges.REPLAY_SKIPPED_LINES_PER_MINUTE)
                .allMatch(l -> l.contains("skipped, not deliverable: not-json"));
        assertThat(doneLine()).contains("25 invalid records skipped (not-json 25)");
        assertThat(metrics.replaySkippedTotal()).isEqualTo(25);
    }

    @Test
    void theInvalidRecordsLeftUnnamedInAMinuteAreCountedOnceItIsOver() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int s = 0; s < 25; s++) {
            kafka.append(0, TestRecords.event(TOPIC, "host-e", "e".repeat(32),
                    "not json".getBytes(StandardCharsets.UTF_8), null, seconds(s) / 1_000_000L));
        }
        for (int s = 25; s < 100; s++) {
            kafka.append(0, event("e" + s, s)); // at 1 alert a second, the replay goes on for over a minute
        }
        eps = 1;
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(logged("WARN")).hasSize(StateChanges.REPLAY_SKIPPED_LINES_PER_MINUTE + 1)
                .last().asString().isEqualTo("replay: 15 more invalid records skipped within a minute than are named "
                        + "one by one (10 a minute): the end line counts them all by reason");
        assertThat(sent).hasSize(75);
    }

    @Test
    void aLongReplaySaysHowFarItGotOnceAMinute() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 2);
        for (int s = 0; s < 150; s++) {
            kafka.append(0, event("e" + s, s));
        }
        kafka.append(1, event("f0", 0));
        eps = 1; // 151 alerts, one a second: over two minutes
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        List<String> progress = logged("INFO").stream().filter(l -> l.startsWith("replay: ")).toList();
        assertThat(progress).hasSize(2).allMatch(l -> l.matches("replay: 151 of at most 151 records read, \\d+ alerts "
                + "sent, 1 of 2 partitions done"));
        assertThat(sentIn(progress.get(0))).isBetween(40L, 61L);
        assertThat(sentIn(progress.get(1))).isBetween(100L, 121L);
        assertThat(sent).hasSize(151);
    }

    private static long sentIn(String progress) {
        return Long.parseLong(progress.replaceAll(".*read, (\\d+) alerts sent.*", "$1"));
    }

    /** A gap of host g's listener from {@code from} to {@code to} seconds after {@link #T_MS}, dated at its end. */
    static ProducerRecord<byte[], byte[]> gap(long from, long to) {
        byte[] value = ContractJson.write(new Gap(ContractJson.rfc3339(seconds(from)),
                ContractJson.rfc3339(seconds(to)), seconds(from), seconds(to), "checkpoint-not-replayed",
                "the engine did not replay the checkpoint", null));
        return TestRecords.bridge(TOPIC, "host-g", "g".repeat(32), "gap", value, seconds(to) / 1_000_000L);
    }

    /**
     * An event of a host named after its first letter at {@code s} seconds after {@link #T_MS}, timestamped with its
     * time as the listener does.
     */
    static ProducerRecord<byte[], byte[]> event(String name, long s) {
        String host = name.substring(0, 1);
        return TestRecords.event(TOPIC, "host-" + host, host.repeat(32),
                TestRecords.containerEvent(name, seconds(s)));
    }

    /** {@code s} seconds after {@link #T_MS}, in nanoseconds since the epoch. */
    static long seconds(long s) {
        return (T_MS + s * 1000) * 1_000_000L;
    }

    private DeliveryLoop replay(PartitionLogConsumer kafka, long fromNanos, Long toNanos) {
        return replay(kafka, fromNanos, toNanos, kafka::writtenEnds);
    }

    private DeliveryLoop replay(PartitionLogConsumer kafka, long fromNanos, Long toNanos, WrittenEnds writtenEnds) {
        return replay(kafka, fromNanos, toNanos, java.util.Set.of(), writtenEnds);
    }

    private DeliveryLoop replay(PartitionLogConsumer kafka, long fromNanos, Long toNanos,
                                java.util.Set<String> hosts, WrittenEnds writtenEnds) {
        AlertPipeline.Mode mode = new AlertPipeline.Mode.Replay();
        AlertPipeline pipeline = new AlertPipeline(new RecordClassifier(TestRecords.SCHEMAS),
                new LegacyFields(LegacyFieldsMode.AUTO), LabelFilter.ALL, FieldBudget.DEFAULT, formatter,
                new DuplicateWindow(1000),
                new DirectOutbox(new DatagramWriter(sink, mode, metrics, () -> T_MS)),
                new Pacer(eps, () -> now), mode, metrics, false, () -> now);
        return new DeliveryLoop(kafka, pipeline, metrics,
                new Feed.Replay(new ReplayWindow(TOPIC, fromNanos, toNanos, hosts, writtenEnds, topic -> {
                    retentionAsked++;
                    return retention.of(topic);
                }, () -> wallMs)), Duration.ofSeconds(1), 1000,
                new PollBudget(DeliveryOptions.DEFAULT_MAX_PENDING_BYTES), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Forwarder.METADATA_MAX_AGE,
                TestRecords.unreadableSearch(), KafkaClientThreads.none(), () -> now);
    }

    /**
     * A replay of a window one host flooded (9 records in 10, written at once), paced at 100 a second for over two
     * minutes: a replay judges no flood, live the forwarder does (its windows are the replay's pace, not the hosts').
     */
    @Test
    void aReplayOfAFloodedWindowSaysNoFlood() {
        PartitionLogConsumer kafka = new PartitionLogConsumer(TOPIC, 1);
        for (int i = 0; i < 14_000; i++) {
            String host = i % 10 == 0 ? "w" : "l"; // written a nanosecond apart: at once
            kafka.append(0, TestRecords.event(TOPIC, "host-" + host, host.repeat(32),
                    TestRecords.containerEvent(host + i, seconds(0) + i)));
        }
        eps = 100;
        DeliveryLoop loop = replay(kafka, seconds(0), null);
        loop.start();

        assertThat(runToEnd(loop)).isTrue();

        assertThat(sent).hasSize(14_000).noneMatch(d -> d.contains("\"docker_bridge\""));
        assertThat(lines.messages()).noneMatch(l -> l.contains("every other host of the partition waits"));
    }

    /** Rounds of a started replay, 100 ms apart, until its window is delivered (true) or 10,000 rounds went by. */
    private boolean runToEnd(DeliveryLoop loop) {
        for (int i = 0; i < 10_000; i++) {
            now += 100_000_000L;
            if (loop.runOnce()) {
                return true;
            }
        }
        return false;
    }

    private List<String> logged(String level) {
        return lines.messages(Level.toLevel(level));
    }

    private String doneLine() {
        return lines.messages().stream().filter(l -> l.startsWith("replay done")).findFirst().orElseThrow();
    }
}
