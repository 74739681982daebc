package io.dwb.forwarder;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.RecordKind;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.ArrayDeque;
import java.util.EnumMap;
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
    private final LongSupplier clock;
    private final TrimmedAlerts trimmed = new TrimmedAlerts();
    private final ArrayDeque<byte[]> silentAlerts = new ArrayDeque<>();
    private final Map<DeadLetterReason, Long> deadLetterCounts = new EnumMap<>(DeadLetterReason.class);
    private CounterDataPoint sentEvents;

    /**
     * @param deadLetters null in replay: invalid records were dead-lettered when first consumed, so they are skipped
     * @param silentHosts null in replay: old heartbeats say nothing about hosts now
     */
    public AlertPipeline(RecordClassifier classifier, LegacyFields legacyFields, AlertFormatter formatter,
                         DuplicateWindow duplicates, DeadLetterQueue deadLetters, AlertSink sink, Pacer pacer,
                         SilentHostWatch silentHosts, ForwarderMetrics metrics, boolean replay, LongSupplier clock) {
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
        this.clock = clock;
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
        if (bridge.kind() == RecordKind.HEARTBEAT && silentHosts != null) {
            silentHosts.heartbeat(bridge.host(), bridge.json().path("intervalSeconds").asLong(30),
                    bridge.json().path("timeNano").asLong(), clock.getAsLong());
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

    /**
     * Sends the silent-host alerts that became due; call once per loop iteration (live mode only). Null when there
     * was nothing to send, so that "nothing" is not taken for a successful send that ends a pause.
     */
    public Step flushSilentHosts() {
        if (silentHosts == null) {
            return null;
        }
        for (SilentHostWatch.Silent silent : silentHosts.newlySilent(clock.getAsLong())) {
            log.warn("host {} is silent: no heartbeat for {} s (interval {} s)", silent.host().label(),
                    silent.silentSeconds(), silent.intervalSeconds());
            ObjectNode fields = ContractJson.MAPPER.createObjectNode()
                    .put("intervalSeconds", silent.intervalSeconds())
                    .put("silentSeconds", silent.silentSeconds())
                    .put("lastHeartbeat", ContractJson.rfc3339(silent.lastHeartbeatNano()))
                    .put("lastHeartbeatNano", silent.lastHeartbeatNano());
            silentAlerts.add(formatter.bridge("silent-host", fields, silent.host(), false, false));
        }
        Step step = null;
        while (!silentAlerts.isEmpty()) {
            step = send(silentAlerts.peek(), "silent-host", null);
            if (!(step instanceof Step.Done)) {
                return step;
            }
            silentAlerts.poll();
        }
        return step;
    }

    /** Delivery resumed after a pause: heartbeats were not being consumed, hosts were not necessarily silent. */
    public void resumed() {
        if (silentHosts != null) {
            silentHosts.forgive(clock.getAsLong());
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
