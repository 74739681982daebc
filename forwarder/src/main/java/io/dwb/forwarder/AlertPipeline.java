package io.dwb.forwarder;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.RecordKind;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to one record: classified, de-duplicated, shimmed, trimmed, paced, sent to the Wazuh queue or to
 * the dead-letter topic. Handling a record again after a {@link Step.Blocked} is safe: nothing is recorded as done
 * until it is. Not thread-safe: owned by the delivery loop's thread.
 */
public final class AlertPipeline {
    private static final Logger log = LoggerFactory.getLogger(AlertPipeline.class);

    /** The result of one attempt. */
    public sealed interface Step {
        /** Delivered, dead-lettered or dropped as a duplicate: its offset may be committed. */
        record Done() implements Step {}

        /** The pacer allows no datagram for {@code nanos}; try again then. */
        record Wait(long nanos) implements Step {}

        /** The Wazuh queue or the dead-letter topic cannot take it now. */
        record Blocked(String reason) implements Step {}
    }

    static final Step DONE = new Step.Done();
    private static final String SILENT_HOST = "silent-host";
    private static final String HOST_BACK = "host-back";
    private static final String HISTORY_SKIPPED = "history-skipped";
    private static final long SILENT_CHECK_NANOS = 1_000_000_000L;

    private final RecordClassifier classifier;
    private final LegacyFields legacyFields;
    private final AlertFormatter formatter;
    private final AlertTrimmer trimmer;
    private final DuplicateWindow duplicates;
    private final DeadLetterQueue deadLetters;
    private final AlertSink sink;
    private final Pacer pacer;
    private final SilentHostWatch silentHosts;
    private final ForwarderMetrics metrics;
    private final boolean replay;
    private final boolean heartbeatAlerts;
    private final LongSupplier clock;
    private final TrimmedAlerts trimmed = new TrimmedAlerts();
    /** Silent-host, host-back and history-skipped alerts not yet accepted by the socket, with their kinds. */
    private final ArrayDeque<StateAlert> stateAlerts = new ArrayDeque<>();
    private long lastSilentCheck;
    private final Map<DeadLetterReason, Long> deadLetterCounts = new EnumMap<>(DeadLetterReason.class);
    private CounterDataPoint sentEvents;

    /**
     * @param deadLetters null in replay: invalid records were dead-lettered when first consumed, so they are skipped
     * @param silentHosts null in replay: old heartbeats say nothing about hosts now
     * @param heartbeatAlerts whether heartbeats are also sent to Wazuh (by default they only feed {@code silentHosts})
     */
    public AlertPipeline(RecordClassifier classifier, LegacyFields legacyFields, AlertFormatter formatter,
                         DuplicateWindow duplicates, DeadLetterQueue deadLetters, AlertSink sink, Pacer pacer,
                         SilentHostWatch silentHosts, ForwarderMetrics metrics, boolean replay,
                         boolean heartbeatAlerts, LongSupplier clock) {
        this.classifier = classifier;
        this.legacyFields = legacyFields;
        this.formatter = formatter;
        this.trimmer = new AlertTrimmer(formatter);
        this.duplicates = duplicates;
        this.deadLetters = deadLetters;
        this.sink = sink;
        this.pacer = pacer;
        this.silentHosts = silentHosts;
        this.metrics = metrics;
        this.replay = replay;
        this.heartbeatAlerts = heartbeatAlerts;
        this.clock = clock;
        this.lastSilentCheck = clock.getAsLong();
    }

    public Step handle(ConsumerRecord<byte[], byte[]> record) {
        Classified classified = classifier.classify(record);
        if (classified instanceof Classified.Invalid invalid) {
            return deadLetter(record, invalid);
        }
        if (classified instanceof Classified.Event event) {
            return event(record, event);
        }
        return bridge(record, (Classified.Bridge) classified);
    }

    /**
     * An engine event's alert, formatted before its turn to be sent, so that a run of them reaches the socket back
     * to back (see {@link #prepare}).
     */
    public record Prepared(ConsumerRecord<byte[], byte[]> record, String hostKey, String eventId, byte[] datagram,
                           boolean truncated) {}

    /**
     * The alert of {@code record} when it is an engine event that fits a datagram; null for anything else (those go
     * through {@link #handle}). Nothing is recorded: {@link #send(Prepared)} does, and drops duplicates.
     */
    public Prepared prepare(ConsumerRecord<byte[], byte[]> record) {
        return classifier.classify(record) instanceof Classified.Event event ? fit(record, event) : null;
    }

    /** How many datagrams the pacer lets go now without waiting. */
    public int sendableNow() {
        return pacer.available();
    }

    private Step event(ConsumerRecord<byte[], byte[]> record, Classified.Event event) {
        Prepared prepared = fit(record, event);
        if (prepared == null) {
            return deadLetter(record, new Classified.Invalid(DeadLetterReason.TOO_LARGE_AFTER_TRIM, "the alert exceeds "
                    + AlertTrimmer.MAX_DATAGRAM + " bytes even without any of its Actor.Attributes"));
        }
        return send(prepared);
    }

    /** The event's alert, trimmed if needed (once, however often it is retried); null when it cannot fit. */
    private Prepared fit(ConsumerRecord<byte[], byte[]> record, Classified.Event event) {
        return trimmed.of(record, () -> trimmer.datagram(event, legacyFields.missing(event.fields()), replay))
                .map(f -> new Prepared(record, event.host().key(), event.eventId(), f.datagram(), f.truncated()))
                .orElse(null);
    }

    /**
     * Sends a prepared alert, unless its event was already delivered; the same outcomes as {@link #handle}. The
     * duplicate window is read here, at the send, and not when preparing: an earlier event of the same run may have
     * the same id.
     */
    public Step send(Prepared prepared) {
        if (duplicates.contains(prepared.hostKey(), prepared.eventId())) {
            metrics.duplicates.inc();
            return DONE;
        }
        Step step = send(prepared.datagram(), "event", prepared.record());
        if (step instanceof Step.Done) {
            duplicates.add(prepared.hostKey(), prepared.eventId());
            if (prepared.truncated()) {
                metrics.truncated.inc();
            }
        }
        return step;
    }

    private Step bridge(ConsumerRecord<byte[], byte[]> record, Classified.Bridge bridge) {
        if (bridge.kind() == RecordKind.HEARTBEAT) {
            if (silentHosts != null) {
                SilentHostWatch.Back back = silentHosts.heartbeat(record.partition(), bridge.host(),
                        bridge.json().path("intervalSeconds").asLong(30), bridge.json().path("timeNano").asLong());
                if (back != null) {
                    hostBack(back);
                }
            }
            if (!heartbeatAlerts) { // a state, not a change: it feeds the silent-host watch only
                metrics.heartbeats.inc();
                return DONE;
            }
        }
        byte[] datagram = formatter.bridge(bridge.kind().header(), bridge.json(), bridge.host(), replay, false);
        if (datagram.length > AlertTrimmer.MAX_DATAGRAM && bridge.kind() == RecordKind.STATE) {
            datagram = trimmedState(bridge);
        }
        if (datagram.length > AlertTrimmer.MAX_DATAGRAM) {
            return deadLetter(record, new Classified.Invalid(DeadLetterReason.TOO_LARGE_AFTER_TRIM,
                    "the " + bridge.kind().header() + " alert exceeds " + AlertTrimmer.MAX_DATAGRAM + " bytes"));
        }
        return send(datagram, bridge.kind().header(), record);
    }

    /** A state snapshot of many containers: as many as fit, with the count of those left out. */
    private byte[] trimmedState(Classified.Bridge bridge) {
        ObjectNode copy = bridge.json().deepCopy();
        ArrayNode containers = (ArrayNode) copy.get("containers");
        int total = containers.size();
        byte[] datagram = formatter.bridge("state", copy, bridge.host(), replay, true);
        // Cut in proportion first (serializing a big array once per removed element would be quadratic).
        int keep = (int) ((long) total * AlertTrimmer.MAX_DATAGRAM * 9 / 10 / datagram.length);
        while (containers.size() > keep) {
            containers.remove(containers.size() - 1);
        }
        while (true) {
            copy.put("containersOmitted", total - containers.size());
            datagram = formatter.bridge("state", copy, bridge.host(), replay, true);
            if (datagram.length <= AlertTrimmer.MAX_DATAGRAM || containers.isEmpty()) {
                return datagram;
            }
            containers.remove(containers.size() - 1);
        }
    }

    private record StateAlert(String kind, byte[] datagram) {}

    private void hostBack(SilentHostWatch.Back back) {
        log.info("host {} is back: heartbeat again after {} s", back.host().label(), back.silentSeconds());
        ObjectNode fields = ContractJson.MAPPER.createObjectNode()
                .put("silentSeconds", back.silentSeconds())
                .put("lastHeartbeat", ContractJson.rfc3339(back.lastHeartbeatNano()))
                .put("lastHeartbeatNano", back.lastHeartbeatNano())
                .put("heartbeat", ContractJson.rfc3339(back.heartbeatNano()))
                .put("heartbeatNano", back.heartbeatNano());
        stateAlerts.add(new StateAlert(HOST_BACK, formatter.bridge(HOST_BACK, fields, back.host(), false, false)));
    }

    /**
     * Sends the silent-host, host-back and history-skipped alerts that became due; call once per loop iteration.
     * Hosts are judged at most once a second. Null when there was nothing to send, so that "nothing" is not taken for
     * a successful send that ends a pause.
     */
    public Step flushStateAlerts() {
        long now = clock.getAsLong();
        if (silentHosts != null && now - lastSilentCheck >= SILENT_CHECK_NANOS) {
            lastSilentCheck = now;
            for (SilentHostWatch.Silent silent : silentHosts.newlySilent(now)) {
                log.warn("host {} is silent: no heartbeat for {} s of its partition's records (interval {} s)",
                        silent.host().label(), silent.silentSeconds(), silent.intervalSeconds());
                ObjectNode fields = ContractJson.MAPPER.createObjectNode()
                        .put("intervalSeconds", silent.intervalSeconds())
                        .put("silentSeconds", silent.silentSeconds())
                        .put("lastHeartbeat", ContractJson.rfc3339(silent.lastHeartbeatNano()))
                        .put("lastHeartbeatNano", silent.lastHeartbeatNano());
                stateAlerts.add(new StateAlert(SILENT_HOST,
                        formatter.bridge(SILENT_HOST, fields, silent.host(), false, false)));
            }
        }
        Step step = null;
        while (!stateAlerts.isEmpty()) {
            step = send(stateAlerts.peek().datagram(), stateAlerts.peek().kind(), null);
            if (!(step instanceof Step.Done)) {
                return step;
            }
            stateAlerts.poll();
        }
        return step;
    }

    /** Old history passed over where the group had no committed offset: said once, in Wazuh and in the log. */
    public void historySkipped(LiveStart.Skipped skipped) {
        String from = ContractJson.rfc3339(skipped.fromMs() * 1_000_000L);
        String to = ContractJson.rfc3339(skipped.cutoffMs() * 1_000_000L);
        log.warn("skipped {} records of {} (offsets {} to {}, times {} to {}): older than --max-live-age where the "
                        + "group had no committed offset; replay them with --from if needed", skipped.records(),
                skipped.partition(), skipped.fromOffset(), skipped.toOffset() - 1, from, to);
        ObjectNode fields = ContractJson.MAPPER.createObjectNode()
                .put("topic", skipped.partition().topic())
                .put("partition", skipped.partition().partition())
                .put("fromOffset", skipped.fromOffset())
                .put("toOffset", skipped.toOffset())
                .put("records", skipped.records())
                .put("from", from)
                .put("to", to);
        stateAlerts.add(new StateAlert(HISTORY_SKIPPED,
                formatter.bridge(HISTORY_SKIPPED, fields, HostRef.UNKNOWN, false, false)));
    }

    /** Records of {@code partition} up to this timestamp (milliseconds, the contract's event time) were delivered. */
    public void delivered(int partition, long timestampMs) {
        if (silentHosts != null) {
            silentHosts.delivered(partition, timestampMs * 1_000_000L);
        }
    }

    /** Whether all of {@code partition} is delivered and Wazuh takes datagrams (see {@link SilentHostWatch}). */
    public void live(int partition, boolean live) {
        if (silentHosts != null) {
            silentHosts.live(partition, live, clock.getAsLong());
        }
    }

    /** Partitions this process no longer owns: their hosts are watched by the new owner. */
    public void forget(Collection<Integer> partitions) {
        if (silentHosts != null) {
            silentHosts.forget(partitions);
        }
    }

    private Step send(byte[] datagram, String kind, ConsumerRecord<byte[], byte[]> record) {
        long wait = pacer.waitNanos();
        if (wait > 0) {
            return new Step.Wait(wait);
        }
        try {
            sink.send(datagram);
        } catch (AlertSink.SinkUnavailableException e) {
            metrics.socketErrors.inc();
            return new Step.Blocked(e.getMessage());
        } catch (AlertSink.SinkRejectedException e) {
            metrics.socketErrors.inc();
            return record == null ? DONE
                    : deadLetter(record, new Classified.Invalid(DeadLetterReason.REJECTED, e.getMessage()));
        }
        pacer.take();
        sentCounter(kind).inc();
        return DONE;
    }

    /** The counter of {@code kind}'s alerts; events' is kept, sparing a label lookup (and its garbage) per datagram. */
    private CounterDataPoint sentCounter(String kind) {
        if (!kind.equals("event")) {
            return metrics.sent.labelValues(kind);
        }
        if (sentEvents == null) {
            sentEvents = metrics.sent.labelValues(kind); // on the first, so the series appears when there is one
        }
        return sentEvents;
    }

    private Step deadLetter(ConsumerRecord<byte[], byte[]> record, Classified.Invalid invalid) {
        String code = invalid.reason().code();
        if (deadLetters == null) {
            metrics.skipped.inc();
            return DONE;
        }
        DeadLetterQueue.Omitted omitted;
        try {
            omitted = deadLetters.publish(record, invalid.error());
        } catch (DeadLetterQueue.DeadLetterUnavailable e) {
            return new Step.Blocked(e.getMessage());
        }
        metrics.deadLettered.labelValues(code).inc();
        long count = deadLetterCounts.merge(invalid.reason(), 1L, Long::sum);
        // A flood of bad records must not flood the log: the first of each reason, then every 1000th.
        if (count == 1 || count % 1000 == 0) {
            log.warn("record {}-{}@{} sent to {}{} ({} so far for {}): {}", record.topic(), record.partition(),
                    record.offset(), deadLetters.topic(), omitted.logText(), count, code, invalid.error());
        }
        return DONE;
    }
}
