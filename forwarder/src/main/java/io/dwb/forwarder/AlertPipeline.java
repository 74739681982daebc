package io.dwb.forwarder;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.HostPartition;
import io.dwb.schemas.RecordKind;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What happens to one record: classified once into its {@link Route}, then de-duplicated, shimmed, trimmed, paced,
 * sent to the Wazuh queue or to the dead-letter topic. Delivering a route again after a {@link Step.Blocked} is safe:
 * nothing is recorded as done until it is. Live delivery and replay differ by their {@link Mode}. Not thread-safe:
 * owned by the delivery loop's thread.
 */
public final class AlertPipeline {

    /** What refused a record: what a pause waits for. */
    public enum Refuser {
        /** The outbox: the Wazuh queue (or, for a datagram the socket refused for its size, the dead-letter topic). */
        OUTBOX,
        /** The dead-letter topic, for the letters in flight ({@link LettersInFlight}). */
        LETTERS
    }

    /** The result of one attempt. */
    public sealed interface Step {
        /**
         * Delivered, dead-lettered or dropped as a duplicate: its offset may be committed. {@code datagram}: the
         * outbox took a datagram for it, so the Wazuh queue takes them again; a record done without one (a duplicate,
         * a heartbeat, a dead letter) says nothing about the queue.
         */
        record Done(boolean datagram) implements Step {}

        /** The pacer allows no datagram for {@code nanos}; try again then. */
        record Wait(long nanos) implements Step {}

        /**
         * The Wazuh queue or the dead-letter topic cannot take it now; {@code by} says which part refused, {@code
         * refusal} why.
         */
        record Blocked(Refuser by, Refusal refusal) implements Step {}

        /**
         * A heartbeat waits for the host-state alerts already queued ({@link #MAX_STATE_ALERTS}), or its own, to be
         * sent; the other partitions' records may go meanwhile.
         */
        record Later() implements Step {}
    }

    /**
     * Host-state alerts queued from which heartbeats wait (one adds up to two): every heartbeat more than three
     * intervals after the one before makes a silent-host and a host-back alert, so forged ones (any writer of the
     * topic: 10,000 records, 20,000 alerts) queued without bound, sent before any other host's record.
     */
    static final int MAX_STATE_ALERTS = 256;

    /**
     * Where one record goes, decided once by {@link #route}: its classification and, for an engine event, its
     * formatted alert. Kept by the delivery loop until the record is done, so that a retry classifies nothing again.
     */
    public sealed interface Route {
        ConsumerRecord<byte[], byte[]> record();

        /**
         * An engine event's alert, formatted before its turn to be sent, so that a run of them reaches the socket
         * back to back (see {@code DeliveryLoop}).
         */
        record Alert(ConsumerRecord<byte[], byte[]> record, HostRef host, String eventId, long timeNano,
                     byte[] datagram, boolean truncated) implements Route {
            String hostKey() {
                return host.key();
            }
        }

        /** One of the listener's own records (gap, heartbeat, state). */
        record Bridge(ConsumerRecord<byte[], byte[]> record, Classified.Bridge bridge) implements Route {}

        /** Not deliverable: to the dead-letter topic (live), or skipped (replay). */
        record Invalid(ConsumerRecord<byte[], byte[]> record, Classified.Invalid invalid) implements Route {}

        /**
         * Delivered by the partition's previous owner, read again for the silent-host watch ({@link WatchHandover}):
         * {@code heartbeat} feeds it, when it is one; nothing else is done with it.
         */
        record Heard(ConsumerRecord<byte[], byte[]> record, Classified.Bridge heartbeat) implements Route {}
    }

    /** What differs between live delivery and a replay. */
    public sealed interface Mode {
        /**
         * Delivery in the consumer group.
         *
         * @param deadLetters where invalid records go
         * @param silentHosts what heartbeats feed
         */
        record Live(DeadLetterQueue deadLetters, SilentHostWatch silentHosts) implements Mode {}

        /**
         * A replay of a past window: invalid records are skipped and named, not dead-lettered (a replay may run beside
         * the live forwarder, whose letters they were when it read them); old heartbeats say nothing about hosts now;
         * alerts are marked as replayed.
         */
        record Replay() implements Mode {}
    }

    /** Done without a datagram. */
    static final Step DONE = new Step.Done(false);
    /** Done, its datagram taken by the outbox. */
    static final Step SENT = new Step.Done(true);
    private static final Step LATER = new Step.Later();
    private static final long SILENT_CHECK_NANOS = 1_000_000_000L;
    private static final String HEARTBEAT = RecordKind.HEARTBEAT.header();

    private final RecordClassifier classifier;
    private final LegacyFields legacyFields;
    private final AlertFormatter formatter;
    private final AlertTrimmer trimmer;
    private final DuplicateWindow duplicates;
    private final Outbox outbox;
    /** The loop's dead letters not yet acknowledged (live); null in a replay, which writes none. */
    private final LettersInFlight letters;
    private final Pacer pacer;
    private final Mode mode;
    private final boolean replay;
    private final ForwarderMetrics metrics;
    private final StateChanges changes;
    private final NewerListenerReport newerListeners;
    private final boolean heartbeatAlerts;
    private final LongSupplier clock;
    /** Silent-host, host-back and history-skipped alerts not yet accepted by the socket, with their kinds. */
    private final ArrayDeque<StateAlert> stateAlerts = new ArrayDeque<>();
    /** Host-state alerts ever queued, and ever taken by the outbox: which of them a heartbeat waits for. */
    private long stateAlertsQueuedTotal;
    private long stateAlertsSentTotal;
    /**
     * Heartbeats that made host-state alerts (a host back, a silence no judgement saw), with the count of alerts
     * queued that they wait for: done, and so committable, only once those are sent. Done at once, a heartbeat was
     * committed while its {@code host-back} waited for Wazuh (restarting, or pacing a burst): a stop then, or a crash,
     * lost the alert, and Wazuh was never told the host was back. The same records, by identity: the delivery loop
     * retries the route it keeps (one head record a partition at most).
     */
    private final Map<ConsumerRecord<byte[], byte[]>, Long> heartbeatsWaiting = new IdentityHashMap<>();
    /**
     * History-skipped, deleted-before-delivery and partition-stalled/-moving alerts not yet accepted: what Kafka lost,
     * a start skipped or a transaction holds, sent before the other host-state alerts and the partitions' next records.
     */
    private final ArrayDeque<StateAlert> notices = new ArrayDeque<>();
    /** {@code --labels}: applied to a state snapshot's containers too. */
    private final LabelFilter labels;
    private long lastSilentCheck;

    /**
     * @param labels          the labels of container and image events that go into their alerts
     * @param fields          the fields of an alert at most, as Wazuh's JSON decoder takes them
     * @param heartbeatAlerts whether heartbeats are also sent to Wazuh (by default they only feed the silent-host
     *                        watch)
     * @param outbox          where datagrams go to be written (by the sending thread, or at once)
     * @param clock           monotonic nanoseconds ({@code System::nanoTime}; a test's fake clock)
     */
    public AlertPipeline(RecordClassifier classifier, LegacyFields legacyFields, LabelFilter labels,
                         FieldBudget fields, AlertFormatter formatter,
                         DuplicateWindow duplicates, Outbox outbox, Pacer pacer, Mode mode,
                         ForwarderMetrics metrics, boolean heartbeatAlerts, LongSupplier clock) {
        this.classifier = classifier;
        this.legacyFields = legacyFields;
        this.formatter = formatter;
        this.trimmer = new AlertTrimmer(formatter, labels, fields);
        this.labels = labels;
        this.duplicates = duplicates;
        this.outbox = outbox;
        this.pacer = pacer;
        this.mode = mode;
        this.replay = mode instanceof Mode.Replay;
        this.metrics = metrics;
        this.changes = new StateChanges(metrics);
        this.newerListeners = new NewerListenerReport(metrics);
        this.letters = mode instanceof Mode.Live live ? new LettersInFlight(live.deadLetters(), changes, clock) : null;
        this.heartbeatAlerts = heartbeatAlerts;
        this.clock = clock;
        this.lastSilentCheck = clock.getAsLong();
    }

    /** Classifies {@code record}, once; an engine event's alert is formatted (and trimmed if needed) too. */
    public Route route(ConsumerRecord<byte[], byte[]> record) {
        Classified classified;
        try {
            classified = classifier.classify(record);
        } catch (RuntimeException e) {
            return unforeseen(record, DeadLetterReason.CLASSIFY_ERROR, e);
        }
        if (classified instanceof Classified.Event event) {
            try {
                return fit(record, event);
            } catch (RuntimeException e) {
                return unforeseen(record, DeadLetterReason.FORMAT_ERROR, e);
            }
        }
        if (classified instanceof Classified.Bridge bridge) {
            newerListeners.read(bridge);
            return new Route.Bridge(record, bridge);
        }
        return new Route.Invalid(record, (Classified.Invalid) classified);
    }

    /**
     * A record the partition's previous owner delivered, read again only to feed the silent-host watch: a valid
     * heartbeat is classified, anything else passed over unread.
     */
    public Route heard(ConsumerRecord<byte[], byte[]> record) {
        if (mode instanceof Mode.Live && HEARTBEAT.equals(HeaderNames.read(record.headers(), HeaderNames.KIND))) {
            try {
                if (classifier.classify(record) instanceof Classified.Bridge bridge
                        && bridge.kind() == RecordKind.HEARTBEAT) {
                    return new Route.Heard(record, bridge);
                }
            } catch (RuntimeException e) {
                // dead-lettered, with its reason, by the owner that delivered it
            }
        }
        return new Route.Heard(record, null);
    }

    /** Delivers a routed record: sent, dead-lettered, skipped or dropped as a duplicate, or not now. */
    public Step deliver(Route route) {
        if (route instanceof Route.Alert alert) {
            return send(alert);
        }
        if (route instanceof Route.Bridge bridge) {
            return bridge(bridge.record(), bridge.bridge());
        }
        if (route instanceof Route.Heard heard) {
            if (heard.heartbeat() != null) {
                // Its silent-host or host-back alert, if any, was the previous owner's to send.
                watch(heard.record(), heard.heartbeat(), clock.getAsLong());
            }
            return DONE;
        }
        return deadLetter((Route.Invalid) route);
    }

    /**
     * Live: sends the record's letter without waiting for it ({@link LettersInFlight}): done, committable once
     * acknowledged; blocked while the topic cannot take letters, later while too many are unacknowledged. A replay
     * passes it over, naming it in the log.
     */
    private Step deadLetter(Route.Invalid invalid) {
        if (letters == null) {
            changes.replaySkipped(invalid.record(), invalid.invalid(), clock.getAsLong());
            return DONE;
        }
        if (letters.unavailable() != null) {
            return new Step.Blocked(Refuser.LETTERS, letters.unavailable());
        }
        if (letters.full()) {
            return LATER;
        }
        letters.send(new DeadLetterQueue.Letter(invalid.record(), invalid.invalid()));
        return DONE;
    }

    /** How many datagrams the pacer lets go now without waiting. */
    public int sendableNow() {
        return pacer.available();
    }

    /**
     * A record on which reading or formatting failed in a way nobody foresaw (a bug, not bad input): dead-lettered
     * with the exception, so that it neither stops delivery for its partition on every restart nor is lost; a replay
     * skips it, as any invalid record.
     */
    private Route.Invalid unforeseen(ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason,
                                     RuntimeException e) {
        changes.unforeseen(record, reason, e, replay);
        return new Route.Invalid(record, new Classified.Invalid(reason, StateChanges.describe(e)));
    }

    /**
     * The event's alert, trimmed if needed; invalid when it cannot fit. Done once per record: the delivery loop keeps
     * the route until the record is done, so a retry neither formats nor trims again.
     */
    private Route fit(ConsumerRecord<byte[], byte[]> record, Classified.Event event) {
        AlertTrimmer.Fit fit = trimmer.datagram(event, legacyFields.missing(event.fields()), replay);
        if (fit instanceof AlertTrimmer.Fitted fitted) {
            return new Route.Alert(record, event.host(), event.eventId(), event.fields().timeNano(),
                    fitted.datagram(), fitted.truncated());
        }
        AlertTrimmer.Unfit unfit = (AlertTrimmer.Unfit) fit;
        return new Route.Invalid(record, new Classified.Invalid(unfit.reason(), unfit.error()));
    }

    /**
     * Sends an event's alert, unless its event was already delivered. The duplicate window is read here, at the
     * send, and not when routing: an earlier event of the same run may have the same id.
     */
    private Step send(Route.Alert alert) {
        if (duplicates.contains(alert.hostKey(), alert.eventId())) {
            metrics.duplicate();
            return DONE;
        }
        Step step = send(alert.datagram(), AlertKind.Engine.EVENT, alert.record(),
                new Outbox.EventKey(alert.hostKey(), alert.eventId()),
                mode instanceof Mode.Live live ? live.silentHosts().clockSkewNanos(alert.hostKey()) : 0);
        if (step instanceof Step.Done) {
            duplicates.add(alert.hostKey(), alert.eventId());
            if (alert.truncated()) {
                metrics.truncated();
            }
        }
        return step;
    }

    private Step bridge(ConsumerRecord<byte[], byte[]> record, Classified.Bridge bridge) {
        if (bridge.kind() == RecordKind.HEARTBEAT) {
            Long waitsFor = heartbeatsWaiting.get(record);
            if (waitsFor != null) {
                if (stateAlertsSentTotal < waitsFor) {
                    return LATER; // its alerts not sent yet
                }
                heartbeatsWaiting.remove(record);
            } else if (mode instanceof Mode.Live) {
                if (stateAlerts.size() >= MAX_STATE_ALERTS) {
                    return LATER; // not yet taken by the watch: it is, once, when the queue has room
                }
                long now = clock.getAsLong();
                SilentHostWatch.Back back = watch(record, bridge, now);
                if (back != null) {
                    if (back.missed() != null) {
                        silentHost(back.missed(), now);
                    }
                    hostBack(back, now);
                    heartbeatsWaiting.put(record, stateAlertsQueuedTotal);
                    return LATER; // done once they are sent
                }
            }
            if (!heartbeatAlerts) { // a state, not a change: it feeds the silent-host watch only
                metrics.heartbeat();
                return DONE;
            }
        }
        BridgeAlert alert = BridgeAlert.of(bridge.kind());
        byte[] datagram;
        boolean trimmed = false;
        try {
            ObjectNode json = bridge.json();
            if (bridge.kind() == RecordKind.STATE) {
                // On a copy, when it changes anything: a retry formats the record again
                if (!labels.all()) {
                    json = json.deepCopy();
                    labels.filterContainers(json); // each label key a field of the indexer, as an event's
                }
                if (IndexerKeys.refusedAnywhere(json, IndexerKeys.BRIDGE_DEPTH)) {
                    // A key a container chose (a label's, an annotation's, a network's name) that Wazuh's indexer
                    // refuses made it refuse the whole state alert
                    json = json == bridge.json() ? json.deepCopy() : json;
                    IndexerKeys.leaveOutAnywhere(json, IndexerKeys.BRIDGE_DEPTH);
                    trimmed = true;
                }
            }
            datagram = formatter.bridge(alert, json, bridge.host(), replay, trimmed);
            if (datagram.length > AlertTrimmer.MAX_DATAGRAM && bridge.kind() == RecordKind.STATE) {
                datagram = trimmedState(json, bridge.host());
                trimmed = true;
            }
        } catch (RuntimeException e) {
            Route.Invalid invalid = unforeseen(record, DeadLetterReason.FORMAT_ERROR, e);
            return deadLetter(invalid);
        }
        if (datagram.length > AlertTrimmer.MAX_DATAGRAM) {
            return deadLetter(new Route.Invalid(record, new Classified.Invalid(DeadLetterReason.TOO_LARGE_AFTER_TRIM,
                    "the " + alert.event() + " alert exceeds " + AlertTrimmer.MAX_DATAGRAM + " bytes")));
        }
        Step step = send(datagram, alert, record);
        if (trimmed && step instanceof Step.Done) {
            metrics.truncated(); // marked truncated as an event's alert is: counted as one
        }
        return step;
    }

    /** Feeds a heartbeat to the silent-host watch (live only); a host back, when it is one. */
    private SilentHostWatch.Back watch(ConsumerRecord<byte[], byte[]> record, Classified.Bridge heartbeat, long now) {
        if (!(mode instanceof Mode.Live live)) {
            return null;
        }
        return live.silentHosts().heartbeat(record.partition(), heartbeat.host(), HostPartition.hash(record.key()),
                heartbeat.json().path("intervalSeconds").asLong(30), heartbeat.json().path("timeNano").asLong(),
                heartbeat.json().path("stopping").asBoolean(false), now);
    }

    /**
     * A state snapshot of many containers: as many as fit, the largest left out first, with the count of those left
     * out. Cut from the end, one container listed first (the engine lists the newest first) with a 70 KB label or
     * command, which whoever starts it chooses, left every other one out: the alert after a gap said nothing of what
     * ran during it.
     */
    private byte[] trimmedState(ObjectNode state, HostRef host) {
        ObjectNode copy = state.deepCopy();
        ArrayNode containers = (ArrayNode) copy.get("containers");
        int total = containers.size();
        int[] sizes = new int[total];
        long sum = 0;
        for (int i = 0; i < total; i++) {
            sizes[i] = ContractJson.write(containers.get(i)).length + 1; // its comma
            sum += sizes[i];
        }
        // The order they go in: the largest first, the later first among equals.
        Integer[] leaving = new Integer[total];
        for (int i = 0; i < total; i++) {
            leaving[i] = i;
        }
        Arrays.sort(leaving, Comparator.<Integer>comparingInt(i -> sizes[i]).thenComparing(i -> i).reversed());
        // What fits is estimated from the sizes first (serializing a big array once per removed element would be
        // quadratic), then checked.
        byte[] datagram = formatter.bridge(BridgeAlert.STATE, copy, host, replay, true);
        long room = AlertTrimmer.MAX_DATAGRAM * 9L / 10 - (datagram.length - sum);
        boolean[] left = new boolean[total];
        int out = 0;
        while (out < total && sum > room) {
            left[leaving[out]] = true;
            sum -= sizes[leaving[out++]];
        }
        while (true) {
            ArrayNode kept = copy.putArray("containers");
            for (int i = 0; i < total; i++) {
                if (!left[i]) {
                    kept.add(containers.get(i));
                }
            }
            copy.put("containersOmitted", out);
            datagram = formatter.bridge(BridgeAlert.STATE, copy, host, replay, true);
            if (datagram.length <= AlertTrimmer.MAX_DATAGRAM || out == total) {
                return datagram;
            }
            left[leaving[out++]] = true;
        }
    }

    private record StateAlert(BridgeAlert kind, byte[] datagram) {}

    /** A host silent, or stopped when its listener's last heartbeat said it was stopping. */
    private void silentHost(SilentHostWatch.Silent silent, long nowNanos) {
        changes.silentHost(silent, nowNanos);
        ObjectNode fields = ContractJson.MAPPER.createObjectNode()
                .put("intervalSeconds", silent.intervalSeconds())
                .put("silentSeconds", silent.silentSeconds())
                .put("lastHeartbeat", ContractJson.rfc3339(silent.lastHeartbeatNano()))
                .put("lastHeartbeatNano", silent.lastHeartbeatNano());
        BridgeAlert kind = silent.stopped() ? BridgeAlert.LISTENER_STOPPED : BridgeAlert.SILENT_HOST;
        queueStateAlert(new StateAlert(kind, formatter.bridge(kind, fields, silent.host(), false, false)));
    }

    private void hostBack(SilentHostWatch.Back back, long nowNanos) {
        changes.hostBack(back, nowNanos);
        ObjectNode fields = ContractJson.MAPPER.createObjectNode()
                .put("silentSeconds", back.silentSeconds())
                .put("lastHeartbeat", ContractJson.rfc3339(back.lastHeartbeatNano()))
                .put("lastHeartbeatNano", back.lastHeartbeatNano())
                .put("heartbeat", ContractJson.rfc3339(back.heartbeatNano()))
                .put("heartbeatNano", back.heartbeatNano());
        queueStateAlert(new StateAlert(BridgeAlert.HOST_BACK,
                formatter.bridge(BridgeAlert.HOST_BACK, fields, back.host(), false, false)));
    }

    private void queueStateAlert(StateAlert alert) {
        stateAlerts.add(alert);
        stateAlertsQueuedTotal++;
    }

    /**
     * Judges the watched hosts, at most once a second: those that became silent get their alert queued. Call once per
     * delivery round, before {@link #sendStateAlerts}.
     */
    public void checkHosts() {
        long now = clock.getAsLong();
        formatter.refresh(now);
        if (replay) {
            changes.replaySkippedLeftOut(now);
        }
        if (mode instanceof Mode.Live live && now - lastSilentCheck >= SILENT_CHECK_NANOS) {
            lastSilentCheck = now;
            changes.hostLinesLeftOut(now); // first: a minute over is said before the next one starts
            int room = Math.max(0, MAX_STATE_ALERTS - stateAlerts.size()); // the rest at later checks
            for (SilentHostWatch.Silent silent : live.silentHosts().newlySilent(now, room)) {
                silentHost(silent, now);
            }
            for (SilentHostWatch.ClockSkew skew : live.silentHosts().skewedClocks()) {
                changes.clockSkew(skew, now);
            }
            changes.watchBounds(live.silentHosts().notWatched(), live.silentHosts().forgotten(),
                    live.silentHosts().replaced(), live.silentHosts().ahead(), live.silentHosts().moved());
            metrics.watch(live.silentHosts().watched(), live.silentHosts().notWatched());
        }
    }

    /**
     * Sends up to {@code max} of the queued silent-host, host-back, history-skipped and deleted-before-delivery
     * alerts, oldest first: a turn of their own among the partitions' (see {@code DeliveryLoop}). Null when none was
     * queued, so that "nothing" is not taken for a successful send that ends a pause.
     */
    public Step sendStateAlerts(int max) {
        Step step = null;
        for (int sent = 0; sent < max && stateAlertsQueued() > 0; sent++) {
            ArrayDeque<StateAlert> queue = notices.isEmpty() ? stateAlerts : notices;
            step = send(queue.peek().datagram(), queue.peek().kind(), null);
            if (!(step instanceof Step.Done)) {
                return step;
            }
            queue.poll();
            if (queue == stateAlerts) {
                stateAlertsSentTotal++;
            }
        }
        return step;
    }

    /**
     * What a commit of {@code partition} tells its next owner ({@link WatchHandover}), at {@code nowNanos}: how far the
     * watch got there; whether alerts about hosts wait (silent-host, host-back, listener-stopped, of any partition; and
     * hosts of this one found silent whose alert a later check makes, past {@link #MAX_STATE_ALERTS}), for the next
     * owner to report again, not the partitions' notices (history, deletions, stalls); and when an outage of writes
     * going on there began.
     */
    public WatchHandover.Mark handoverMark(int partition, long nowNanos) {
        if (!(mode instanceof Mode.Live live)) {
            return WatchHandover.Mark.NONE; // a replay commits nothing
        }
        SilentHostWatch watch = live.silentHosts();
        return new WatchHandover.Mark(watch.timeMs(partition, nowNanos),
                stateAlerts.size() + watch.unreported(partition) > 0, watch.stillSinceMs(partition),
                watch.ranOnMs(partition, nowNanos));
    }

    /** How many host-state alerts wait to be sent. */
    public int stateAlertsQueued() {
        return notices.size() + stateAlerts.size();
    }

    /**
     * Whether a {@code history-skipped} or {@code deleted-before-delivery} alert is queued: the host-state alerts
     * then take the first turn, so that what Kafka lost or a start skipped is said before what follows it.
     */
    public boolean noticesQueued() {
        return !notices.isEmpty();
    }

    /** Old history passed over where the group had no committed offset: said once, in Wazuh and in the log. */
    public void historySkipped(LiveStart.Skipped skipped) {
        changes.historySkipped(skipped);
        ObjectNode fields = offsets(skipped.partition(), skipped.fromOffset(), skipped.toOffset())
                .put("from", ContractJson.rfc3339(skipped.firstMs() * 1_000_000L)) // the first's, not the oldest
                .put("to", ContractJson.rfc3339(skipped.cutoffMs() * 1_000_000L));
        notices.add(new StateAlert(BridgeAlert.HISTORY_SKIPPED,
                formatter.bridge(BridgeAlert.HISTORY_SKIPPED, fields, HostRef.UNKNOWN, false, false)));
    }

    /**
     * The dead letters written since the last look, said in Wazuh: one alert a partition, reason and record kind at
     * most once a minute ({@link DeadLetterNotices}), before what follows. Once a second, from the delivery loop.
     */
    public void deadLettersDue(long nowNanos) {
        deadLettersDue(nowNanos, false);
    }

    /** As {@link #deadLettersDue(long)}; {@code all}: every letter counted, whatever the minute (a stop's). */
    private void deadLettersDue(long nowNanos, boolean all) {
        if (!(mode instanceof Mode.Live live) || live.deadLetters() == null) {
            return;
        }
        for (DeadLetterNotices.Notice n : live.deadLetters().notices().due(nowNanos, all)) {
            ObjectNode fields = deadLettered(n, live.deadLetters().topic());
            byte[] datagram;
            try {
                datagram = formatter.bridge(BridgeAlert.RECORDS_DEAD_LETTERED, fields, n.host(), false, false);
            } catch (RuntimeException e) {
                // What failed unforeseen on the letters' records (a format-error: the alert's owner of their host,
                // say) fails on their host here too: said without it. It ended the forwarder.
                datagram = formatter.bridge(BridgeAlert.RECORDS_DEAD_LETTERED, fields, HostRef.UNKNOWN, false,
                        false);
            }
            notices.add(new StateAlert(BridgeAlert.RECORDS_DEAD_LETTERED, datagram));
        }
    }

    /**
     * At a stop: every letter acknowledged and not said yet, said now whatever the minute, handed to the outbox
     * unpaced with the other notices nobody would say after the stop ({@link #SAID_AT_STOP}, {@link
     * #MAX_SAID_AT_STOP} at most), for the final commit's wait to write. The stop commits past those letters' records:
     * said by nobody after it, a newer listener's gap dead-lettered in a forwarder's last minute (a rolling upgrade of
     * the forwarders) never reached Wazuh. The number not handed (the outbox refusing: Wazuh down), for the log.
     */
    public int noticesAtStop(long nowNanos) {
        deadLettersDue(nowNanos, true);
        int handed = 0;
        int left = 0;
        for (Iterator<StateAlert> it = notices.iterator(); it.hasNext(); ) {
            StateAlert notice = it.next();
            if (!SAID_AT_STOP.contains(notice.kind())) {
                continue; // a partition's state: its next owner judges it again, and says it
            }
            if (handed >= MAX_SAID_AT_STOP) {
                left++;
                continue;
            }
            try {
                outbox.submit(new Outbox.Outgoing(notice.datagram(), notice.kind(), null, null));
                it.remove();
                handed++;
            } catch (Outbox.Refused e) {
                left++;
                break;
            }
        }
        outbox.flush();
        return left;
    }

    /**
     * The notices a stop hands to the outbox: what nobody would say after it (the records are committed past). Not a
     * partition's state (stalled, unwritable, flooded...), which its next owner judges again.
     */
    private static final Set<BridgeAlert> SAID_AT_STOP = EnumSet.of(BridgeAlert.RECORDS_DEAD_LETTERED,
            BridgeAlert.HISTORY_SKIPPED, BridgeAlert.DELETED_BEFORE_DELIVERY);
    /** The most a stop hands to the outbox unpaced: a burst well within an agent's bucket. */
    static final int MAX_SAID_AT_STOP = 64;

    /** The dead letters' acknowledgements come in, taken without judging a failure (no Admin call at a stop). */
    public void settleLettersAtStop() {
        if (letters != null) {
            letters.settleWithoutJudging();
        }
    }

    /** The fields of a {@code records-dead-lettered} alert: where the first letter's record was, why, how many. */
    static ObjectNode deadLettered(DeadLetterNotices.Notice n, String dlqTopic) {
        return ContractJson.MAPPER.createObjectNode().put("topic", n.topic()).put("partition", n.partition())
                .put("offset", n.firstOffset()).put("records", n.records()).put("reason", n.reason().code())
                .put("stage", n.reason().stage().code()).put("recordKind", n.recordKind()).put("dlqTopic", dlqTopic);
    }

    /** Records Kafka deleted before they were delivered: lost, said once, in Wazuh and in the log. */
    public void deletedBeforeDelivery(LiveStart.Deleted deleted) {
        changes.deletedBeforeDelivery(deleted);
        ObjectNode fields = offsets(deleted.partition(), deleted.fromOffset(), deleted.toOffset());
        notices.add(new StateAlert(BridgeAlert.DELETED_BEFORE_DELIVERY,
                formatter.bridge(BridgeAlert.DELETED_BEFORE_DELIVERY, fields, HostRef.UNKNOWN, false, false)));
    }

    /**
     * A partition stalled behind a transaction left open (every alert of its hosts waits), or moving again; taking no
     * writes (its hosts' events cannot reach Kafka), or taking them again ({@link OpenTransactionWatch}); flooded by
     * one host, or caught up ({@link FloodingHosts}): said in Wazuh as in the log, before what follows. A partition no
     * longer this forwarder's is said by its new owner.
     */
    public void partitionChanged(PartitionChange change) {
        Map.Entry<BridgeAlert, ObjectNode> alert = partitionAlert(change);
        if (alert != null) {
            notices.add(new StateAlert(alert.getKey(), formatter.bridge(alert.getKey(), alert.getValue(),
                    change.host(), false, false)));
        }
    }

    /**
     * A partition change's alert: its kind ({@code partition-stalled}, {@code partition-moving}, {@code
     * partition-unwritable}, {@code partition-writable}, {@code host-flooding}, {@code partition-caught-up}) and
     * fields (the flooding host is the alert's {@code docker_host}); null for a stall released because the partition
     * is no longer watched here.
     */
    public static Map.Entry<BridgeAlert, ObjectNode> partitionAlert(PartitionChange change) {
        TopicPartition tp = change.partition();
        ObjectNode fields = ContractJson.MAPPER.createObjectNode().put("topic", tp.topic())
                .put("partition", tp.partition());
        if (change instanceof UnwritablePartitions.Stopped u) {
            return Map.entry(BridgeAlert.PARTITION_UNWRITABLE, fields.put("inSyncReplicas", u.inSync())
                    .put("inSyncReplicasNotAnswering", u.notAnswering()).put("minInSyncReplicas", u.minInSync()));
        }
        if (change instanceof UnwritablePartitions.Started u) {
            return Map.entry(BridgeAlert.PARTITION_WRITABLE, fields.put("inSyncReplicas", u.inSync())
                    .put("minInSyncReplicas", u.minInSync()).put("unwritableSeconds", u.unwritableSeconds()));
        }
        if (change instanceof FloodingHosts.Flooding f) {
            return Map.entry(BridgeAlert.HOST_FLOODING, fields.put("records", f.records())
                    .put("ofRecords", f.ofRecords()).put("windowSeconds", f.windowNanos() / 1_000_000_000L)
                    .put("waiting", f.waiting()));
        }
        if (change instanceof FloodingHosts.CaughtUp c) {
            return Map.entry(BridgeAlert.PARTITION_CAUGHT_UP, fields.put("floodSeconds",
                    c.floodNanos() / 1_000_000_000L));
        }
        if (change instanceof StalledPartitions.Stalled s) {
            return Map.entry(BridgeAlert.PARTITION_STALLED, fields.put("stableOffset", s.stableOffset())
                    .put("records", s.waiting()).put("stalledSeconds", s.heldNanos() / 1_000_000_000L));
        }
        StalledPartitions.Released r = (StalledPartitions.Released) change;
        return r.moved() ? Map.entry(BridgeAlert.PARTITION_MOVING, fields.put("stableOffset", r.stableOffset())
                .put("nowStableOffset", r.nowStable()).put("stalledSeconds", r.heldNanos() / 1_000_000_000L)) : null;
    }

    /** The fields of an alert about offsets {@code [from, to)} of a partition. */
    private static ObjectNode offsets(TopicPartition partition, long from, long to) {
        return ContractJson.MAPPER.createObjectNode().put("topic", partition.topic())
                .put("partition", partition.partition()).put("fromOffset", from).put("toOffset", to)
                .put("records", to - from);
    }

    /**
     * The events topic's partition count now, and the partitions this forwarder is assigned (see {@link
     * SilentHostWatch#partitionCount}).
     */
    public void partitionCount(int count, Set<Integer> assigned, long nowNanos) {
        if (mode instanceof Mode.Live live) {
            live.silentHosts().partitionCount(count, assigned, nowNanos);
        }
    }

    /**
     * {@code partition} is read again from before its previous owner's position: its hosts are not judged until
     * {@link #handedOver} (see {@link WatchHandover}). {@code previous}: what that owner's last commit said.
     */
    public void handingOver(int partition, WatchHandover.Mark previous) {
        if (mode instanceof Mode.Live live) {
            live.silentHosts().handingOver(partition, previous);
        }
    }

    /**
     * The time {@code partition} got to, in milliseconds since the epoch, as the silent-host watch measures it (by its
     * hosts' heartbeats, not by any one host's clock) at {@code nowNanos}; -1 when not known (no heartbeat read yet,
     * a replay).
     */
    public long partitionTimeMs(int partition, long nowNanos) {
        return mode instanceof Mode.Live live ? live.silentHosts().timeMs(partition, nowNanos) : -1;
    }

    /**
     * A record of {@code partition} before its previous owner's position {@code handOverTo} was written after it (the
     * log was cut and written again): delivered, from {@code offset} on.
     */
    public void rewrittenBelow(int partition, long handOverTo, long offset) {
        changes.rewrittenBelow(partition, handOverTo, offset);
    }

    /** What the previous owner of {@code partition} delivered is read again: its hosts are judged from now on. */
    public void handedOver(int partition) {
        if (mode instanceof Mode.Live live) {
            changes.handedOver(partition, live.silentHosts().handedOver(partition, clock.getAsLong()));
        }
    }

    /** Whether all of {@code partition} is delivered and Wazuh takes datagrams (see {@link SilentHostWatch}). */
    public void live(int partition, boolean isLive, long nowNanos) {
        if (mode instanceof Mode.Live live) {
            live.silentHosts().live(partition, isLive, nowNanos);
        }
    }

    /** The partitions that take no writes now, their time run as a live one's: {@link SilentHostWatch#unwritable}. */
    public void unwritable(Set<Integer> partitions, long nowNanos) {
        if (mode instanceof Mode.Live live) {
            live.silentHosts().unwritable(partitions, nowNanos);
        }
    }

    /**
     * Partitions this process no longer owns: their hosts are watched, and their records not yet written are
     * delivered, by the new owner (their datagrams still queued taken back first: {@link #withdraw}).
     */
    public void forget(Collection<Integer> partitions) {
        if (mode instanceof Mode.Live live) {
            live.silentHosts().forget(partitions);
            letters.forget(partitions);
        }
        // Their new owner delivers them again (their alerts stay queued here: sent twice rather than never).
        heartbeatsWaiting.keySet().removeIf(record -> partitions.contains(record.partition()));
    }

    /**
     * Takes back from the outbox the datagrams of {@code partitions} not written yet (a revocation's before its
     * commit: see {@link Outbox.Withdrawn#writtenBefore}); their records are their new owner's to deliver.
     */
    public Outbox.Withdrawn withdraw(Collection<Integer> partitions) {
        Outbox.Withdrawn withdrawn = outbox.withdraw(partitions);
        for (Outbox.Outgoing outgoing : withdrawn.unwritten()) {
            forgetEvent(outgoing); // not delivered: when the partition comes back here, it is no duplicate
        }
        // Perhaps not delivered either (its write may fail, and it is then passed over): delivered twice rather than
        // dropped as its own duplicate if the partition comes back.
        forgetEvent(withdrawn.onItsWay());
        return withdrawn;
    }

    private void forgetEvent(Outbox.Outgoing outgoing) {
        if (outgoing != null && outgoing.event() != null) {
            duplicates.forget(outgoing.event().hostKey(), outgoing.event().eventId());
        }
    }

    /**
     * Hands a datagram to the outbox: done for this record once taken (the loop commits it only once the outbox
     * has written it).
     */
    private Step send(byte[] datagram, AlertKind kind, ConsumerRecord<byte[], byte[]> record) {
        return send(datagram, kind, record, null, 0);
    }

    private Step send(byte[] datagram, AlertKind kind, ConsumerRecord<byte[], byte[]> record,
                      Outbox.EventKey event, long clockSkewNanos) {
        long wait = pacer.waitNanos();
        if (wait > 0) {
            return new Step.Wait(wait);
        }
        try {
            outbox.submit(new Outbox.Outgoing(datagram, kind, record, event, clockSkewNanos));
        } catch (Outbox.Refused e) {
            return new Step.Blocked(Refuser.OUTBOX, e.refusal());
        }
        pacer.take();
        return SENT;
    }

    /**
     * A datagram the outbox holds because the sink refused it, tried again now: null when none is held, done when
     * it went through, blocked when it is still refused.
     */
    public Step retryHeld() {
        try {
            return outbox.retryHeld() ? SENT : null;
        } catch (Outbox.Refused e) {
            return new Step.Blocked(Refuser.OUTBOX, e.refusal());
        }
    }

    /** Starts writing what was handed to the outbox (once per run of datagrams). */
    public void flush() {
        outbox.flush();
    }

    /** The outbox's count of datagrams taken: a record done now is committable once {@link #written()} reaches it. */
    public long submitted() {
        return outbox.submitted();
    }

    /** The outbox's count of datagrams written. */
    public long written() {
        return outbox.written();
    }

    /**
     * Waits up to {@code timeout} for the outbox to write what it took (not while held), then as long again for the
     * dead letters sent to be acknowledged; true when all are.
     */
    public boolean awaitWritten(Duration timeout) {
        boolean written = outbox.awaitWritten(timeout);
        return (letters == null || letters.awaitAcknowledged(timeout)) && written;
    }

    /** Dead letters sent: a record dead-lettered now is committable once {@link #lettersAcknowledged()} reaches it. */
    public long lettersSent() {
        return letters == null ? 0 : letters.sent();
    }

    /** Whether as many dead letters as may be are unacknowledged: an invalid record waits for room. */
    public boolean lettersFull() {
        return letters != null && letters.full();
    }

    /** What the dead letters in flight hold: counted in the memory bound with the records held. */
    public long lettersBytes() {
        return letters == null ? 0 : letters.bytes();
    }

    /** Dead letters acknowledged, in the order sent. */
    public long lettersAcknowledged() {
        return letters == null ? 0 : letters.acknowledged();
    }

    /** Takes the dead letters' acknowledgements come in (each round). */
    public void settleLetters() {
        if (letters != null) {
            letters.settle();
        }
    }

    /**
     * At a retry of delivery: null when the dead letters do not hold it; done when they held it and none is left
     * failed; blocked while one is (sent again when {@code resend}: a pause's retry is due).
     */
    public Step retryLetters(boolean resend) {
        if (letters == null) {
            return null;
        }
        return switch (letters.retry(resend)) {
            case CLEAR -> null;
            case THROUGH -> DONE;
            case BLOCKED -> new Step.Blocked(Refuser.LETTERS, letters.unavailable());
        };
    }
}
