package io.dwb.listener;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What a read_committed consumer sees on a topic, parsed with the contract's mapper. */
record TopicView(List<Published> records) {

    record Published(long offset, String key, long timestamp, String kind, String host, String hostId,
                     String eventId, String contractVersion, JsonNode value) {}

    static TopicView read(SharedKafka.Broker broker, String topic) {
        List<Published> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(topic)) {
            try {
                out.add(new Published(r.offset(), r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                        r.timestamp(), HeaderNames.read(r.headers(), HeaderNames.KIND),
                        HeaderNames.read(r.headers(), HeaderNames.HOST),
                        HeaderNames.read(r.headers(), HeaderNames.HOST_ID),
                        HeaderNames.read(r.headers(), HeaderNames.EVENT_ID),
                        HeaderNames.read(r.headers(), HeaderNames.CONTRACT_VERSION), ContractJson.tree(r.value())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new TopicView(out);
    }

    List<Published> ofKind(String kind) {
        return records.stream().filter(p -> kind.equals(p.kind())).toList();
    }

    /** Every record but the heartbeats, whose place among the others is the clock's (the first comes at start). */
    List<Published> withoutHeartbeats() {
        return records.stream().filter(p -> !"heartbeat".equals(p.kind())).toList();
    }

    List<Published> events() {
        return ofKind("event");
    }

    List<JsonNode> eventValues(Predicate<JsonNode> filter) {
        return events().stream().map(Published::value).filter(filter).toList();
    }

    /** Engine events of objects whose name or id starts with {@code prefix} (containers, volumes, networks). */
    static Predicate<JsonNode> named(String prefix) {
        return e -> e.path("Actor").path("Attributes").path("name").asText("").startsWith(prefix)
                || e.path("Actor").path("ID").asText("").startsWith(prefix);
    }
}
