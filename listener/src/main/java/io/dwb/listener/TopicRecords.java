package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.StateSnapshot;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Builds the records of the topic contract for one host: key host id, the contract's headers and timestamps. */
public final class TopicRecords {
    private final HostIdentity host;
    private final String eventsTopic;
    private final String checkpointsTopic;
    private final byte[] key;

    public TopicRecords(HostIdentity host, String eventsTopic, String checkpointsTopic) {
        this.host = host;
        this.eventsTopic = eventsTopic;
        this.checkpointsTopic = checkpointsTopic;
        this.key = HeaderNames.utf8(host.id());
    }

    /** An engine event: value the engine's bytes exactly as it sent them, timestamp its timeNano in milliseconds. */
    public ProducerRecord<byte[], byte[]> event(CapturedEvent event) {
        RecordHeaders headers = headers(RecordKind.EVENT);
        headers.add(new RecordHeader(HeaderNames.EVENT_ID, HeaderNames.utf8(event.id())));
        Long timestamp = event.identity().time().map(n -> n / 1_000_000L).orElse(null);
        return new ProducerRecord<>(eventsTopic, null, timestamp, key, event.json(), headers);
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

    private ProducerRecord<byte[], byte[]> own(RecordKind kind, long timeNano, byte[] value) {
        return new ProducerRecord<>(eventsTopic, null, timeNano / 1_000_000L, key, value, headers(kind));
    }

    private RecordHeaders headers(RecordKind kind) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(HeaderNames.HOST, HeaderNames.utf8(host.name())));
        headers.add(new RecordHeader(HeaderNames.HOST_ID, HeaderNames.utf8(host.id())));
        headers.add(new RecordHeader(HeaderNames.KIND, HeaderNames.utf8(kind.header())));
        return headers;
    }
}
