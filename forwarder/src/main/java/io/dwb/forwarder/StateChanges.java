package io.dwb.forwarder;

import io.dwb.runtime.LogText;
import io.dwb.schemas.ContractJson;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where each of the forwarder's state changes is logged, counted and, where a flood is possible,
 * rate-limited: delivery paused and resumed, a host silent and back, Kafka lost and found, history skipped, a dead
 * letter written. The loops decide that a change happened; this says so, the same way each time (one log line per
 * change, README). Not thread-safe: owned by the delivery loop's thread.
 */
final class StateChanges {
    private static final Logger log = LoggerFactory.getLogger(StateChanges.class);
    /** A flood of bad records must not flood the log: the first of each reason, then every this many. */
    static final int DEAD_LETTER_LOG_EVERY = 1000;

    /**
     * Silent-host lines, and host-back lines, a minute at most each: a network partition of a fleet makes thousands
     * at once (each still has its alert).
     */
    static final int HOST_LINES_PER_MINUTE = 20;

    /** Invalid records a replay skips, named a minute at most: the end line counts them all. */
    static final int REPLAY_SKIPPED_LINES_PER_MINUTE = 10;

    private final ForwarderMetrics metrics;
    private final PauseLines pauseLines = new PauseLines();
    /** A replay's window's offsets Kafka deleted before it read them (its end line's). */
    private long replayDeletedOffsets;
    private final LinesPerMinute replaySkippedLines = new LinesPerMinute(REPLAY_SKIPPED_LINES_PER_MINUTE);
    private final LinesPerMinute silentLines = new LinesPerMinute(HOST_LINES_PER_MINUTE);
    private final LinesPerMinute backLines = new LinesPerMinute(HOST_LINES_PER_MINUTE);
    private final LinesPerMinute stoppedLines = new LinesPerMinute(HOST_LINES_PER_MINUTE);
    private final LinesPerMinute skewLines = new LinesPerMinute(HOST_LINES_PER_MINUTE);
    private final Map<DeadLetterReason, Long> deadLetterCounts = new EnumMap<>(DeadLetterReason.class);
    private final Map<DeadLetterReason, Long> unforeseenCounts = new EnumMap<>(DeadLetterReason.class);
    private final Map<AlertKind, Long> refusedStateAlerts = new HashMap<>();
    private long replayRefusals;
    private long loggedNotWatched;
    private long loggedForgotten;
    private long loggedReplaced;
    private long loggedAhead;
    private long loggedMoved;
    /** Periodic commits failed in a row: said at the first, and once one succeeds again. */
    private long commitFailures;

    StateChanges(ForwarderMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * At ERROR when only a person ends it ({@link Refusal#forGood}): it lasts until someone reads the line. A repeat of
     * the pause before ({@link PauseLines}) is counted, not said.
     */
    void paused(Refusal refusal, int keeping, long nowNanos) {
        metrics.paused(true);
        if (!pauseLines.started(refusal, keeping, nowNanos)) {
            return;
        }
        repeats(pauseLines.due(nowNanos, true));
        sayPaused(refusal, keeping, "");
    }

    private void sayPaused(Refusal refusal, int keeping, String since) {
        String line = "paused{}: {}; keeping {} records, retrying with backoff";
        if (refusal.forGood()) {
            log.error(line, since, refusal.words(), keeping);
        } else {
            log.warn(line, since, refusal.words(), keeping);
        }
    }

    /**
     * Once a second: a repeat of the pause before that went on for a minute is said (else Wazuh gone for good after a
     * short pause had the pause's end as the last line), and the repeats counted once a minute.
     */
    void pauseTick(long nowNanos) {
        PauseLines.Unsaid due = pauseLines.overdue(nowNanos);
        if (due != null) {
            sayPaused(due.refusal(), due.keeping(), " for a minute now, as the pause before it");
        }
        repeats(pauseLines.due(nowNanos, false));
    }

    /** Still paused, for another cause than before (not only other words: {@link Pause}); at ERROR as above. */
    void pausedFor(Refusal refusal) {
        PauseLines.Unsaid unsaid = pauseLines.causeChanged(refusal.cause());
        if (unsaid != null) {
            sayPaused(refusal, unsaid.keeping(), ""); // its start was a repeat, not said: this is its first line
            return;
        }
        if (refusal.forGood()) {
            log.error("still paused, now: {}", refusal.words());
        } else {
            log.warn("still paused, now: {}", refusal.words());
        }
    }

    void resumed(long pausedNanos, long nowNanos) {
        metrics.paused(false);
        if (pauseLines.ended(pausedNanos, nowNanos)) {
            log.info("resumed after {} s: delivering again", pausedNanos / 1_000_000_000L);
        }
        repeats(pauseLines.due(nowNanos, false));
    }

    private void repeats(PauseLines.Repeats repeats) {
        if (repeats != null) {
            log.info("{} more pauses for the same cause as the pause said before, in {} s, {} s of them paused: "
                    + "delivery follows what Wazuh takes", repeats.pauses(), repeats.overNanos() / 1_000_000_000L,
                    repeats.pausedNanos() / 1_000_000_000L);
        }
    }

    /**
     * @param fetching whether the consumer asks for records (some partition assigned and not paused)
     * @param acceptedAfter how long one that fetches nothing may hear nothing ({@link DeliveryLoop#acceptedAfter})
     */
    void kafkaUnreachable(boolean fetching, Duration acceptedAfter) {
        if (fetching) {
            log.warn("Kafka unreachable: no broker connected, or none answered a fetch for {} s; retrying",
                    DeliveryLoop.FETCH_ANSWERED_NANOS / 1_000_000_000L);
        } else {
            log.warn("Kafka unreachable: no broker connected, or none answered for {} s (this forwarder fetches "
                    + "nothing: no partition, or all paused); retrying", acceptedAfter.toSeconds());
        }
    }

    void kafkaReachable() {
        log.info("Kafka reachable again");
    }

    /** Kafka refusing the polls: said when it starts and when its kind changes, not at each retry. */
    void kafkaRefused(String line, Duration retry) {
        log.error("Kafka refuses the forwarder, {}; polling again every {} s, delivery waits", line,
                retry.toSeconds());
    }

    void commitsRefused(String line) {
        log.error("Kafka refuses the forwarder's commits, {}; delivery goes on, and what it delivers meanwhile is "
                + "delivered again by the partitions' next owner", line);
    }

    void commitsAccepted() {
        log.info("Kafka accepts the forwarder's commits again");
    }

    void replayRefused(String line) {
        log.error("Kafka refuses the replay, {}; it ends", line);
    }

    /** The topic deleted during a replay: {@code offsets} of its window not fetched yet, gone with it. */
    void replayTopicGone(String topic, long offsets) {
        replayDeletedOffsets += offsets;
        log.error("topic {} was deleted (or made again) during the replay: up to {} offsets of its window not read "
                + "yet are gone with it (counted as deleted by Kafka); the replay delivers what it read and ends",
                topic, offsets);
    }

    void kafkaAccepted() {
        log.info("Kafka accepts the forwarder's polls again");
    }

    /**
     * The events topic gone from Kafka's metadata, back, or made again with fewer partitions ({@link TopicPresence}):
     * a deletion at ERROR, since only a person makes it again as the fleet needs it.
     */
    void topic(String topic, TopicPresence.Change change) {
        switch (change.kind()) {
            case GONE -> log.error("topic {} is gone from Kafka (deleted): the events of its partitions not delivered "
                    + "yet are gone with it, and its hosts are no longer watched. Create it again as "
                    + "docs/deployment.md says (kafka-topics.sh --create --topic {} --partitions {} with the settings "
                    + "there), before a listener writes to it: on a cluster that creates topics on first use "
                    + "(auto.create.topics.enable, Kafka's default) a listener's producer makes it with the broker's "
                    + "defaults (num.partitions, one by default: one forwarder for the whole fleet). Delivery goes on "
                    + "by itself once it is back", topic, topic, change.before());
            case BACK -> log.info("topic {} is back, with {} partition(s) ({} before): delivering again", topic,
                    change.count(), change.before());
            case BACK_FEWER, FEWER -> log.warn("topic {} {} {} partition(s), {} before: it was made again, by a "
                    + "listener's producer with the broker's defaults on a cluster that creates topics on first use, "
                    + "or by hand{}. The fleet's hosts now go to other partitions, and at most {} forwarder(s) of the "
                    + "group deliver: give it its partitions back (kafka-topics.sh --alter --topic {} --partitions {}) "
                    + "and the settings and replicas of docs/deployment.md", topic,
                    change.kind() == TopicPresence.Kind.FEWER ? "now has" : "is back with", change.count(),
                    change.before(), change.kind() == TopicPresence.Kind.FEWER
                            ? " (the events of the old one not delivered yet are gone with it)" : "",
                    change.count(), topic, change.before());
        }
    }

    /**
     * A periodic commit failed: said once, not at every interval while Kafka is away (an hour's outage was 3,600
     * WARN lines a forwarder; the delivered records stay uncommitted, and are committed by the next commit that goes).
     * Each is counted: the metric, and /healthz once they have failed for longer than its bound, say it goes on.
     */
    void commitFailed(String reason) {
        metrics.commitFailed();
        if (commitFailures++ == 0) {
            log.warn("commit failed ({}); retried at each interval, said again when one succeeds", reason);
        }
    }

    /** A periodic commit succeeded: said when the ones before it failed. */
    void committed() {
        if (commitFailures > 0) {
            log.info("commit succeeded after {} failed attempts", commitFailures);
            commitFailures = 0;
        }
    }

    /**
     * A host became silent, or its listener stopped, at {@code nowNanos} (monotonic): logged within {@link
     * #HOST_LINES_PER_MINUTE} each.
     */
    void silentHost(SilentHostWatch.Silent silent, long nowNanos) {
        if (silent.stopped()) {
            if (stoppedLines.take(nowNanos)) {
                log.info("host {} stopped: its listener said so in its last heartbeat, {}, and has not started again "
                        + "in {} s", silent.host().label(), ContractJson.rfc3339(silent.lastHeartbeatNano()),
                        silent.silentSeconds());
            }
            return;
        }
        if (silentLines.take(nowNanos)) {
            log.warn("host {} is silent: no heartbeat for {} s of its partition's time (interval {} s)",
                    silent.host().label(), silent.silentSeconds(), silent.intervalSeconds());
        }
    }

    /**
     * Says how many silent-host, host-back and wrong-clock lines the last minute left out, once it is over. Call
     * regularly (the silent-host check, every second).
     */
    void hostLinesLeftOut(long nowNanos) {
        long silent = silentLines.leftOut(nowNanos);
        long back = backLines.leftOut(nowNanos);
        if (silent > 0 || back > 0) {
            log.warn("{} more host(s) became silent and {} more came back within a minute than are logged one by one "
                    + "({} a minute each): each has its alert in Wazuh, and {} and {} count them", silent, back,
                    HOST_LINES_PER_MINUTE,
                    "dwb_forwarder_alerts_sent_total{kind=\"" + BridgeAlert.SILENT_HOST.event() + "\"}",
                    "{kind=\"" + BridgeAlert.HOST_BACK.event() + "\"}");
        }
        long stopped = stoppedLines.leftOut(nowNanos);
        if (stopped > 0) {
            log.info("{} more host(s) whose listener stopped within a minute than are logged one by one ({} a minute): "
                    + "each has its alert in Wazuh, and {} counts them", stopped, HOST_LINES_PER_MINUTE,
                    "dwb_forwarder_alerts_sent_total{kind=\"" + BridgeAlert.LISTENER_STOPPED.event() + "\"}");
        }
        long skewed = skewLines.leftOut(nowNanos);
        if (skewed > 0) {
            log.warn("{} more host(s) within a minute date their heartbeats over {} s from this forwarder's clock than "
                    + "are logged one by one ({} a minute); when it is most of them, check this forwarder's clock",
                    skewed, SilentHostWatch.CLOCK_SKEW_NANOS / 1_000_000_000L, HOST_LINES_PER_MINUTE);
        }
    }

    /**
     * A host whose heartbeats stay dated far from this forwarder's clock as they arrive, at {@code nowNanos}
     * (monotonic): logged within {@link #HOST_LINES_PER_MINUTE}. Silence is measured without the hosts' clocks,
     * but an operator wants to know that this host's events carry wrong times.
     */
    void clockSkew(SilentHostWatch.ClockSkew skew, long nowNanos) {
        if (skewLines.take(nowNanos)) {
            log.warn("host {} dates its heartbeats {} s {} this forwarder's clock as they arrive: its clock (or this "
                    + "one) is wrong, or its records reach Kafka that late; the times of its events in Wazuh are its "
                    + "clock's (silent hosts are judged without it)", skew.host().label(),
                    Math.abs(skew.skewNanos()) / 1_000_000_000L, skew.skewNanos() > 0 ? "ahead of" : "behind");
        }
    }

    /**
     * The silent-host watch's bounds reached, said when their counts change: hosts not watched (it watches {@link
     * SilentHostWatch#MAX_WATCHED} already; the first, then every {@link #DEAD_LETTER_LOG_EVERY}th), hosts forgotten,
     * hosts silent for a day forgotten for new ones and heartbeat times ahead of this clock (both: the first, then
     * every {@link #DEAD_LETTER_LOG_EVERY}th).
     */
    void watchBounds(long notWatched, long forgotten, long replaced, long ahead, long moved) {
        if (moved > loggedMoved) {
            log.info("{} host(s) moved to another partition as partitions were added to the events topic ({} so "
                    + "far): no longer watched here, their new partition's owner watches them", moved - loggedMoved,
                    moved);
            loggedMoved = moved;
        }
        if (notWatched > loggedNotWatched && (loggedNotWatched == 0
                || notWatched / DEAD_LETTER_LOG_EVERY > loggedNotWatched / DEAD_LETTER_LOG_EVERY)) {
            log.warn("the silent-host watch is full (at most {} hosts or {} MiB of their names and ids a forwarder), "
                    + "not enough of them silent for a day to make room: {} heartbeats of other hosts so far were not "
                    + "watched (their events are delivered); add forwarders to the group, or look for a writer of "
                    + "forged heartbeats", SilentHostWatch.MAX_WATCHED, SilentHostWatch.MAX_WATCHED_BYTES >> 20,
                    notWatched);
            loggedNotWatched = notWatched;
        }
        if (forgotten > loggedForgotten) {
            log.info("no longer watching {} host(s) reported silent and not heard for 7 days ({} so far)",
                    forgotten - loggedForgotten, forgotten);
            loggedForgotten = forgotten;
        }
        if (replaced > loggedReplaced && (loggedReplaced == 0
                || replaced / DEAD_LETTER_LOG_EVERY > loggedReplaced / DEAD_LETTER_LOG_EVERY)) {
            log.warn("the silent-host watch is full (at most {} hosts or {} MiB of their names and ids a forwarder): "
                    + "{} host(s) silent for a day so far were forgotten to watch new ones (heard again, each is a new "
                    + "host, watched if there is room, without host-back); add forwarders to the group, or look for a "
                    + "writer of forged heartbeats", SilentHostWatch.MAX_WATCHED,
                    SilentHostWatch.MAX_WATCHED_BYTES >> 20,
                    replaced);
            loggedReplaced = replaced;
        }
        if (ahead > loggedAhead && (loggedAhead == 0
                || ahead / DEAD_LETTER_LOG_EVERY > loggedAhead / DEAD_LETTER_LOG_EVERY)) {
            log.warn("{} heartbeat(s) so far were dated more than {} s ahead of this forwarder's clock: each counts "
                    + "as this clock's time for silent hosts; look for a listener host whose clock is wrong, or a "
                    + "writer of forged records", ahead, SilentHostWatch.AHEAD_NANOS / 1_000_000_000L);
            loggedAhead = ahead;
        }
    }

    /** A host is back, at {@code nowNanos} (monotonic): logged within {@link #HOST_LINES_PER_MINUTE}. */
    void hostBack(SilentHostWatch.Back back, long nowNanos) {
        if (backLines.take(nowNanos)) {
            log.info("host {} is back: heartbeat again after {} s", back.host().label(), back.silentSeconds());
        }
    }

    /** One host's events fill a partition's backlog, or the partition caught up since. */
    void flood(FloodingHosts.Change change) {
        if (change instanceof FloodingHosts.Flooding f) {
            log.warn("host {} wrote {} of the {} records partition {} sent in {} s, over half of what it sent for a "
                            + "minute running, written faster than sent, and {} records wait there: "
                            + "every other host of the partition waits behind its events (their alerts, and the "
                            + "judging of their silences) until it caught up; look for what makes them on that host "
                            + "(an exec or restart loop, a health check every few milliseconds: docker events there)",
                    f.host().label(), f.records(), f.ofRecords(), f.partition(),
                    f.windowNanos() / 1_000_000_000L, f.waiting());
        } else if (change instanceof FloodingHosts.CaughtUp c) {
            log.info("partition {} caught up, {} s after host {} was found flooding it", c.partition(),
                    c.floodNanos() / 1_000_000_000L, c.host().label());
        }
    }

    void rewrittenBelow(int partition, long handOverTo, long offset) {
        log.warn("partition {} was cut below its previous owner's position {} and written again (an unclean leader "
                + "election, or a broker that lost records it had not flushed): delivering from offset {}", partition,
                handOverTo, offset);
    }

    /** The hosts of {@code partition}'s previous owner's last heartbeats are watched here now. */
    void handedOver(int partition, SilentHostWatch.HandedOver handedOver) {
        log.info("partition {}: watching {} hosts heard before its previous owner's position ({} of them silent then, "
                + "taken as reported by it)", partition, handedOver.hosts(), handedOver.reportedBefore());
    }

    /**
     * The advice is {@code --from 0}: the oldest of the records skipped is not known without reading them (the first
     * one's date said before, and a replay from it missed those after it dated earlier).
     */
    void historySkipped(LiveStart.Skipped skipped) {
        String cutoff = ContractJson.rfc3339(skipped.cutoffMs() * 1_000_000L);
        log.warn("skipped {} records of {} (offsets {} to {}, all dated before {}, the first {}; later ones may be "
                        + "older): older than --max-live-age where the group had no committed offset; replay them if "
                        + "needed with --from 0 --to {} (a partition is not in time order: from the first one's date "
                        + "would miss those dated before it)", skipped.records(), skipped.partition(),
                skipped.fromOffset(), skipped.toOffset() - 1, cutoff,
                ContractJson.rfc3339(skipped.firstMs() * 1_000_000L), cutoff);
    }

    void deletedBeforeDelivery(LiveStart.Deleted deleted) {
        metrics.deletedBeforeDelivery(deleted.offsets());
        if (deleted.cause() == LiveStart.Deleted.Cause.TOPIC_DELETED) {
            log.warn("lost up to {} records of {} (offsets {} to {}): deleted with the topic before they were "
                    + "delivered (those this forwarder knew of: fetched, or counted in its lag)", deleted.offsets(),
                    deleted.partition(), deleted.fromOffset(), deleted.toOffset() - 1);
            return;
        }
        log.warn("lost up to {} records of {} (offsets {} to {}): Kafka deleted them before they were delivered "
                        + "(the topic's retention.ms or retention.bytes passed while Wazuh was unreachable or the "
                        + "forwarder stopped); delivering from offset {}", deleted.offsets(), deleted.partition(),
                deleted.fromOffset(), deleted.toOffset() - 1, deleted.toOffset());
    }

    /**
     * Offsets of a replay's window Kafka deleted before the replay read them: counted for the replay's end line (it
     * said 0 whatever a WARN had said), not in {@code dwb_forwarder_deleted_before_delivery_total}, whose rule says
     * events were lost: this history was delivered live.
     */
    void replayDeleted(LiveStart.Deleted deleted) {
        replayDeletedOffsets += deleted.offsets();
        log.warn("replay: offsets {} to {} of {} were deleted by Kafka before the replay reached them",
                deleted.fromOffset(), deleted.toOffset() - 1, deleted.partition());
    }

    /** The offsets of a replay's window Kafka deleted before the replay read them, so far. */
    long replayDeletedOffsets() {
        return replayDeletedOffsets;
    }

    void deadLettered(ConsumerRecord<byte[], byte[]> record, Classified.Invalid letter, String topic,
                      DeadLetterQueue.Omitted omitted) {
        metrics.deadLettered(letter.reason());
        long count = deadLetterCounts.merge(letter.reason(), 1L, Long::sum);
        if (firstOrEvery(count)) {
            log.warn("record {}-{}@{} sent to {}{} ({} so far for {}): {}", record.topic(), record.partition(),
                    record.offset(), topic, omitted.logText(), count, letter.reason().code(), letter.error());
        }
    }

    /**
     * An exception nobody foresaw on one record: the stack trace of the first of each reason (what a bug report
     * needs), then one line every {@link #DEAD_LETTER_LOG_EVERY}, as for dead letters. A {@code replay} skips the
     * record as an invalid one, writing no dead letters: said so, not the live forwarder's dead-letter topic.
     */
    void unforeseen(ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason, RuntimeException e,
                    boolean replay) {
        long count = unforeseenCounts.merge(reason, 1L, Long::sum);
        if (count == 1) {
            log.error("record {}-{}@{}: unexpected failure, a bug; {} ({}){}; please report it with this trace",
                    record.topic(), record.partition(), record.offset(),
                    replay ? "the replay skips the record" : "the record goes to the dead-letter topic", reason.code(),
                    replay ? ", it writes no dead letters" : "", e);
        } else if (count % DEAD_LETTER_LOG_EVERY == 0) {
            log.error("record {}-{}@{}: unexpected failure ({} so far for {}): {}", record.topic(),
                    record.partition(), record.offset(), count, reason.code(), describe(e));
        }
    }

    /** An exception's class and message, bounded: the message may quote the record, whose writer chose its size. */
    static String describe(RuntimeException e) {
        return LogText.bounded(e.toString(), 300);
    }

    /**
     * A replay's alert the Wazuh queue refused for its size: not delivered, and not dead-lettered (a replay writes no
     * dead letters). Said for the first, then every {@link #DEAD_LETTER_LOG_EVERY}th; before, only counted among the
     * invalid records skipped.
     */
    void replayRefused(ConsumerRecord<byte[], byte[]> record, String error) {
        metrics.replayRefused();
        if (firstOrEvery(++replayRefusals)) {
            log.warn("replay: record {}-{}@{} not delivered, the Wazuh queue refused its alert ({} so far): {}",
                    record.topic(), record.partition(), record.offset(), replayRefusals, LogText.bounded(error, 300));
        }
    }

    /**
     * A host-state alert (silent-host, host-back, gap…) the Wazuh queue refused for what it is: it has no record to
     * dead-letter, so it is lost. Said for the first of each kind, then every {@link #DEAD_LETTER_LOG_EVERY}th.
     */
    void stateAlertRefused(AlertKind kind, int bytes, String error) {
        long count = refusedStateAlerts.merge(kind, 1L, Long::sum);
        if (firstOrEvery(count)) {
            log.warn("a {} alert ({} bytes) was refused by the Wazuh queue and is lost, it has no record to "
                    + "dead-letter ({} {} alert(s) so far): {}", kind.label(), bytes, count, kind.label(),
                    LogText.bounded(error, 300));
        }
    }

    /**
     * A replay passes over an invalid record, at {@code nowNanos} (monotonic): named within {@link
     * #REPLAY_SKIPPED_LINES_PER_MINUTE}, counted by reason for its end line. It writes no dead letter, and the record
     * may have none: the live forwarder never read one its start passed over as history ({@code history-skipped}).
     */
    void replaySkipped(ConsumerRecord<byte[], byte[]> record, Classified.Invalid invalid, long nowNanos) {
        metrics.replaySkipped(invalid.reason());
        replaySkippedLeftOut(nowNanos); // a minute over is said before the next one starts
        if (replaySkippedLines.take(nowNanos)) {
            log.warn("replay: record {}-{}@{} skipped, not deliverable: {}", record.topic(), record.partition(),
                    record.offset(), invalid.error());
        }
    }

    /** Says how many skipped records the last minute did not name, once it is over. Call regularly (each round). */
    void replaySkippedLeftOut(long nowNanos) {
        long leftOut = replaySkippedLines.leftOut(nowNanos);
        if (leftOut > 0) {
            log.warn("replay: {} more invalid records skipped within a minute than are named one by one ({} a "
                    + "minute): the end line counts them all by reason", leftOut, REPLAY_SKIPPED_LINES_PER_MINUTE);
        }
    }

    /** Whether the {@code count}th of a kind is logged: the first, then every {@link #DEAD_LETTER_LOG_EVERY}th. */
    private static boolean firstOrEvery(long count) {
        return count == 1 || count % DEAD_LETTER_LOG_EVERY == 0;
    }
}
