package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.EventId;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.AlertJson;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.Awaitility;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Records as the listener publishes them, fixtures, and reading what the receiver got. */
final class TestRecords {
    static final ContractSchemas SCHEMAS = new ContractSchemas();

    /**
     * A live pipeline of the default settings whose datagrams go to {@code received} as text, its dead letters to a
     * {@code MockProducer}; {@code nowMs} the wall clock, {@code nanos} the monotonic one.
     */
    static AlertPipeline livePipeline(String topic, List<String> received, ForwarderMetrics metrics, long nowMs,
                                      java.util.function.LongSupplier nanos) {
        AlertSink sink = new AlertSink() {
            @Override
            public void send(byte[] datagram) {
                received.add(new String(datagram, StandardCharsets.UTF_8));
            }

            @Override
            public void close() {
            }
        };
        AlertPipeline.Mode mode = new AlertPipeline.Mode.Live(new DeadLetterQueue(topic + "-dlq",
                new java.util.Properties(), new org.apache.kafka.clients.producer.MockProducer<>(true, null,
                new ByteArraySerializer(), new ByteArraySerializer()), () -> nowMs), new SilentHostWatch());
        return new AlertPipeline(new RecordClassifier(SCHEMAS), new LegacyFields(LegacyFieldsMode.AUTO),
                LabelFilter.ALL, FieldBudget.DEFAULT, new AlertFormatter(), new DuplicateWindow(1000),
                new DirectOutbox(new DatagramWriter(sink, mode, metrics, () -> nowMs)), new Pacer(0, nanos), mode,
                metrics, false, nanos);
    }
    static final String PREFIX = AlertJson.PREFIX;
    /**
     * Options for forwarders of tests whose records carry fixed event times (2025 and earlier): a new group delivers
     * them as live alerts instead of skipping them as older than --max-live-age.
     */
    static final List<String> ANY_AGE = List.of("--max-live-age", "0");

    private TestRecords() {}

    /** A record as the listener writes it: key host id, headers host/host-id/event-id/kind=event, event time. */
    static ProducerRecord<byte[], byte[]> event(String topic, String host, String hostId, JsonNode event) {
        return event(topic, host, hostId, ContractJson.write(event), EventId.of(hostId, event),
                event.path("timeNano").asLong() / 1_000_000L);
    }

    static ProducerRecord<byte[], byte[]> event(String topic, String host, String hostId, byte[] value,
                                                String eventId, long timestampMs) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HeaderNames.HOST, HeaderNames.utf8(host));
        headers.add(HeaderNames.HOST_ID, HeaderNames.utf8(hostId));
        if (eventId != null) {
            headers.add(HeaderNames.EVENT_ID, HeaderNames.utf8(eventId));
        }
        headers.add(HeaderNames.KIND, HeaderNames.utf8("event"));
        return new ProducerRecord<>(topic, null, timestampMs, HeaderNames.utf8(hostId), value, headers);
    }

    static ProducerRecord<byte[], byte[]> bridge(String topic, String host, String hostId, String kind,
                                                 byte[] value) {
        return bridge(topic, host, hostId, kind, value, System.currentTimeMillis());
    }

    /** A gap, heartbeat or state record with this record timestamp (the listener gives the record's own time). */
    static ProducerRecord<byte[], byte[]> bridge(String topic, String host, String hostId, String kind,
                                                 byte[] value, long timestampMs) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HeaderNames.HOST, HeaderNames.utf8(host));
        headers.add(HeaderNames.HOST_ID, HeaderNames.utf8(hostId));
        headers.add(HeaderNames.KIND, HeaderNames.utf8(kind));
        return new ProducerRecord<>(topic, null, timestampMs, HeaderNames.utf8(hostId), value, headers);
    }

    /** The object {@code json} with {@code field} (its JSON text, {@code "name":value}) last. */
    static byte[] withField(byte[] json, String field) {
        String text = new String(json, StandardCharsets.UTF_8);
        return (text.substring(0, text.length() - 1) + "," + field + "}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A heartbeat of host {@code id} (named "host-" + id) at {@code nowNano}, as its listener writes it; {@code
     * stopping} true for the last one of a listener told to stop, null for any other.
     */
    static ProducerRecord<byte[], byte[]> heartbeat(String topic, String id, long nowNano, long intervalSeconds,
                                                    Boolean stopping) {
        return bridge(topic, "host-" + id, id, "heartbeat", ContractJson.write(new Heartbeat(
                ContractJson.rfc3339(nowNano), nowNano, intervalSeconds, stopping == null, null, stopping)),
                nowNano / 1_000_000L);
    }

    /** A small container event of host {@code hostId}, number {@code seq} (distinct timeNano, so distinct id). */
    static ObjectNode containerEvent(String name, long timeNano) {
        ObjectNode event = ContractJson.MAPPER.createObjectNode();
        event.put("status", "start").put("id", "c0ffee" + timeNano).put("from", "local/busybox:1");
        event.put("Type", "container").put("Action", "start");
        ObjectNode actor = event.putObject("Actor");
        actor.put("ID", "c0ffee" + timeNano);
        actor.putObject("Attributes").put("image", "local/busybox:1").put("name", name);
        event.put("scope", "local").put("time", timeNano / 1_000_000_000L).put("timeNano", timeNano);
        return event;
    }

    /**
     * A topic for a test: records keep their events' own (old) timestamps, so time-based retention is off, and
     * records up to 4 MiB are accepted (the forwarder must be the one refusing what is over 1 MiB).
     */
    static String topic(SharedKafka.Broker broker, String prefix, int partitions) {
        String name = SharedKafka.Broker.uniqueTopic(prefix);
        broker.createTopic(name, partitions, Map.of("retention.ms", "-1",
                "max.message.bytes", String.valueOf(4 * 1024 * 1024)));
        awaitLeaders(broker, name);
        return name;
    }

    /**
     * Producing before every partition has a leader known to the broker's metadata has been seen to wedge an
     * idempotent producer (NOT_LEADER, then OUT_OF_ORDER_SEQUENCE for ever): waits for the leaders.
     */
    static void awaitLeaders(SharedKafka.Broker broker, String topic) {
        try (Admin admin = broker.admin()) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        }
    }

    /** A transactional producer whose transaction the broker would abort only after a minute. */
    static KafkaProducer<byte[], byte[]> transactional(SharedKafka.Broker broker, String id) {
        java.util.Properties p = new java.util.Properties();
        p.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000"));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A search for unreadable records whose probe reads nothing (a unit layer's consumer never runs out of memory). */
    static UnreadableRecordSearch unreadableSearch() {
        return new UnreadableRecordSearch(() -> new org.apache.kafka.clients.consumer.MockConsumer<>("earliest"), 8);
    }

    /** A group that never refuses the member's instance id: no consumer is made again. */
    static StaticRejoin neverRefused() {
        return new StaticRejoin("group", "instance", () -> {
            throw new AssertionError("the group refused the instance id");
        }, System::nanoTime);
    }

    /** A producer for records up to 4 MiB (compressed), as a careless or hostile producer may write them. */
    static KafkaProducer<byte[], byte[]> bigProducer(SharedKafka.Broker broker) {
        java.util.Properties p = new java.util.Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"); // records of 1 MiB of blanks stay small
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    static void sendAll(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records) {
        try {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not produce the test records", e);
        }
    }

    static List<JsonNode> ndjson(String resource) {
        try (InputStream in = TestRecords.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            List<JsonNode> events = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    events.add(ContractJson.tree(line.getBytes(StandardCharsets.UTF_8)));
                }
            }
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The alert JSON of a datagram (read strictly: one object, nothing after it), checked against the schema. */
    static ObjectNode alert(byte[] datagram) {
        ObjectNode alert = AlertJson.ofDatagram(datagram);
        List<String> problems = SCHEMAS.validateAlert(alert);
        if (!problems.isEmpty()) {
            throw new AssertionError("alert does not match wazuh-alert.schema.json: " + problems + "\n"
                    + new String(datagram, StandardCharsets.UTF_8));
        }
        return alert;
    }

    static List<ObjectNode> alerts(List<byte[]> datagrams) {
        return datagrams.stream().map(TestRecords::alert).toList();
    }

    static Map<TopicPartition, OffsetAndMetadata> committed(SharedKafka.Broker broker, String group) {
        try (Admin admin = broker.admin()) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    static long committedTotal(SharedKafka.Broker broker, String group) {
        return committed(broker, group).values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset)
                .sum();
    }

    /**
     * Waits until a forwarder of group {@code g-<topic>} (as {@link ForwarderRun} names it) was assigned partition 0
     * and placed at its start: a new group commits that at once, before anything is read.
     */
    static void awaitPlaced(SharedKafka.Broker broker, String topic) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> committed(broker, "g-" + topic)
                .containsKey(new TopicPartition(topic, 0)));
    }

    /**
     * Waits until nothing more reaches {@code receiver} for {@code quiet} (Awaitility's {@code during}): a datagram
     * that should not come (a duplicate, one too many) would have come by then. Fails if one comes.
     */
    static void awaitNothingMore(DatagramReceiver receiver, Duration quiet) {
        int seen = receiver.count();
        Awaitility.await().during(quiet).atMost(quiet.plusSeconds(10)).until(() -> receiver.count() == seen);
    }

    /** No transaction open on any partition. */
    static final OpenTransactions NO_OPEN_TRANSACTIONS = new OpenTransactions() {
        @Override
        public void watch(java.util.Set<TopicPartition> partitions) {
        }

        @Override
        public boolean holdBack(TopicPartition partition) {
            return false;
        }
    };

    /** The container name of each alert {@code receiver} took, in order. */
    static List<String> containerNames(io.dwb.schemas.testing.DatagramReceiver receiver) {
        List<String> names = new java.util.ArrayList<>();
        for (byte[] datagram : receiver.deliveredDatagrams()) {
            names.add(alert(datagram).path("docker").path("Actor").path("Attributes").path("name").asText());
        }
        return names;
    }

    /**
     * A forwarder as {@code bin/forwarder} starts it (the launcher's flags), of {@code topic} in group {@code g-topic},
     * dead letters to {@code topic-dlq}, alerts to {@code receiver}.
     */
    static io.dwb.schemas.testing.JavaProcess launched(SharedKafka.Broker broker, String topic,
                                                       io.dwb.schemas.testing.DatagramReceiver receiver)
            throws java.io.IOException {
        return launched(broker, topic, receiver, List.of());
    }

    /** As {@link #launched(SharedKafka.Broker, String, io.dwb.schemas.testing.DatagramReceiver)}, with more options. */
    static io.dwb.schemas.testing.JavaProcess launched(SharedKafka.Broker broker, String topic,
                                                       io.dwb.schemas.testing.DatagramReceiver receiver,
                                                       List<String> options) throws java.io.IOException {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic,
                "--group", "g-" + topic, "--dlq-topic", topic + "-dlq", "--wazuh-queue", receiver.path().toString()));
        args.addAll(options);
        return io.dwb.schemas.testing.JavaProcess.start(ForwarderCommand.class,
                io.dwb.schemas.testing.JavaProcess.launcherFlags("forwarder"),
                io.dwb.schemas.testing.JavaProcess.launcherEnv(), args);
    }
}
