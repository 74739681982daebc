package io.dwb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.EventId;
import io.dwb.schemas.RecordKind;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The generated events look like the engine's: valid, 400-700 bytes, distinct, and with the right record around them. */
class EventShapesTest {
    @Test
    void generatedEventsAreValidDistinctAndSizedLikeComposeHostEvents() throws Exception {
        EventShapes shapes = new EventShapes(1, 1_795_000_000_000_000_000L, 1_000L);
        ContractSchemas schemas = new ContractSchemas();
        Set<String> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        Set<String> actions = new HashSet<>();
        int events = 3 * EventShapes.POOL; // wraps the pool: the time still makes each one distinct
        for (int i = 0; i < events; i++) {
            byte[] json = shapes.event(i);
            assertThat(json.length).isBetween(EventShapes.MIN_BYTES, EventShapes.MAX_BYTES);
            JsonNode event = ContractJson.tree(json);
            if (i < 200) {
                assertThat(schemas.validate(RecordKind.EVENT, event)).isEmpty();
            }
            assertThat(event.get("timeNano").asLong()).isEqualTo(shapes.timeNano(i));
            assertThat(event.get("time").asLong()).isEqualTo(shapes.timeNano(i) / 1_000_000_000L);
            assertThat(ids.add(EventId.of("h", event))).isTrue();
            names.add(event.path("Actor").path("Attributes").path("name").asText());
            actions.add(event.path("Action").asText());
        }
        assertThat(names).hasSizeGreaterThan(20);
        assertThat(actions).hasSizeGreaterThanOrEqualTo(6);
    }

    @Test
    void contractRecordsCarryTheListenersKeyHeadersAndTimestamp() throws Exception {
        EventShapes shapes = new EventShapes(2, 1_795_000_000_123_456_789L, 1_000L);
        ProducerRecord<byte[], byte[]> record = new ContractRecords("t", "host-a", "ID-A", shapes).record(7);
        JsonNode event = ContractJson.tree(record.value());
        assertThat(new String(record.key())).isEqualTo("ID-A");
        assertThat(record.timestamp()).isEqualTo(shapes.timeNano(7) / 1_000_000L);
        assertThat(new String(record.headers().lastHeader("kind").value())).isEqualTo("event");
        assertThat(new String(record.headers().lastHeader("host").value())).isEqualTo("host-a");
        assertThat(new String(record.headers().lastHeader("event-id").value()))
                .isEqualTo(EventId.of("ID-A", event));
    }
}
