package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractVersion;
import io.dwb.schemas.Gap;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.StateSnapshot;
import io.dwb.schemas.WatchMark;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the records of the topic contract for one host: key host id, the contract's headers, and the timestamps of
 * {@link RecordTimestamps} (the record's own time when the broker takes it, else the publish time). The timestamp
 * policy and the events' size bound ({@link EventBound}) are the events topic's as last read ({@link #limits}): a
 * record made or sent again after they changed follows the new ones. Publishing thread only.
 */
public final class TopicRecords {
    private final String eventsTopic;
    private final String checkpointsTopic;
    /** The host id: the key, and the host-id header. Encoded once, like the other header values: every record. */
    private final byte[] key;
    private final byte[] hostName;
    private final Map<RecordKind, byte[]> kinds = new EnumMap<>(RecordKind.class);
    private final Map<RecordKind, byte[]> contractVersions = new EnumMap<>(RecordKind.class);
    private RecordTimestamps timestamps;
    private final EventBound bound;

    /** Records timestamped with their own time, whatever it is. */
    public TopicRecords(HostIdentity host, String eventsTopic, String checkpointsTopic) {
        this(host, eventsTopic, checkpointsTopic, RecordTimestamps.eventTime());
    }

    public TopicRecords(HostIdentity host, String eventsTopic, String checkpointsTopic, RecordTimestamps timestamps) {
        this(host, eventsTopic, checkpointsTopic, timestamps, StandInReport.logOnly(), System::nanoTime);
    }

    /**
     * @param standIns  told of each event made a stand-in here, after the topic's largest record was lowered
     *                  ({@link EventBound}); the publishing thread's own
     * @param nanoClock monotonic nanoseconds, for {@code standIns}' rate
     */
    TopicRecords(HostIdentity host, String eventsTopic, String checkpointsTopic, RecordTimestamps timestamps,
                 StandInReport standIns, LongSupplier nanoClock) {
        this.timestamps = timestamps;
        this.bound = new EventBound(host.id(), standIns, nanoClock);
        this.eventsTopic = eventsTopic;
        this.checkpointsTopic = checkpointsTopic;
        this.key = HeaderNames.utf8(host.id());
        this.hostName = HeaderNames.utf8(host.name());
        for (RecordKind kind : RecordKind.values()) {
            kinds.put(kind, HeaderNames.utf8(kind.header()));
            contractVersions.put(kind, ContractVersion.header(kind));
        }
    }

    /**
     * The events topic's settings as last read: the timestamp policy, and the longest event value published as it
     * is (longer ones become stand-ins when sent: {@link EventBound}).
     */
    void limits(RecordTimestamps timestamps, int maxEventBytes) {
        this.timestamps = timestamps;
        bound.maxEventBytes(maxEventBytes);
    }

    /**
     * An engine event: value the engine's bytes exactly as it sent them (its stand-in if they are longer than the
     * topic's bound as last read), timestamp from its timeNano.
     */
    public ProducerRecord<byte[], byte[]> event(CapturedEvent event) {
        RecordHeaders headers = headers(RecordKind.EVENT);
        headers.add(new RecordHeader(HeaderNames.EVENT_ID, HeaderNames.utf8(event.id())));
        Long timeNano = event.identity().timeNano();
        Long timestamp = timeNano == null ? null : timestamps.of(timeNano);
        return new ProducerRecord<>(eventsTopic, null, timestamp, key, bound.value(event.json()), headers);
    }

    /**
     * {@code record} as sent again now, by the topic's settings as last read: stamped by the timestamp policy as of
     * now ({@code timeNano} its own time, null to leave the stamp to the producer, as for an event without a time),
     * and, an event's ({@code event}), its value the stand-in of one longer than the topic's bound now.
     */
    ProducerRecord<byte[], byte[]> again(ProducerRecord<byte[], byte[]> record, Long timeNano, boolean event) {
        return new ProducerRecord<>(record.topic(), record.partition(), timeNano == null ? null
                : timestamps.of(timeNano), record.key(), event ? bound.value(record.value()) : record.value(),
                record.headers());
    }

    public ProducerRecord<byte[], byte[]> gap(Gap gap) {
        return own(RecordKind.GAP, gap.toNano(), ContractJson.write(gap));
    }

    public ProducerRecord<byte[], byte[]> state(StateSnapshot state) {
        return own(RecordKind.STATE, state.timeNano(), ContractJson.write(state));
    }

    public ProducerRecord<byte[], byte[]> heartbeat(Heartbeat heartbeat) {
        return own(RecordKind.HEARTBEAT, heartbeat.timeNano(), ContractJson.write(heartbeat));
    }

    public ProducerRecord<byte[], byte[]> checkpoint(Checkpoint checkpoint) {
        return new ProducerRecord<>(checkpointsTopic, key, ContractJson.write(checkpoint));
    }

    public ProducerRecord<byte[], byte[]> watchMark(WatchMark mark) {
        return new ProducerRecord<>(checkpointsTopic, key, ContractJson.write(mark));
    }

    private ProducerRecord<byte[], byte[]> own(RecordKind kind, long timeNano, byte[] value) {
        return new ProducerRecord<>(eventsTopic, null, timestamps.of(timeNano), key, value, headers(kind));
    }

    private RecordHeaders headers(RecordKind kind) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(HeaderNames.HOST, hostName));
        headers.add(new RecordHeader(HeaderNames.HOST_ID, key));
        headers.add(new RecordHeader(HeaderNames.KIND, kinds.get(kind)));
        headers.add(new RecordHeader(HeaderNames.CONTRACT_VERSION, contractVersions.get(kind)));
        return headers;
    }
}
