package io.dwb.bench.jmh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.bench.ContractRecords;
import io.dwb.bench.EventShapes;
import io.dwb.forwarder.AlertFormatter;
import io.dwb.forwarder.AlertTrimmer;
import io.dwb.forwarder.Classified;
import io.dwb.forwarder.HostRef;
import io.dwb.forwarder.LegacyFields;
import io.dwb.forwarder.LegacyFieldsMode;
import io.dwb.forwarder.RecordClassifier;
import io.dwb.listener.CapturedEvent;
import io.dwb.listener.EventSplitter;
import io.dwb.listener.HostIdentity;
import io.dwb.listener.TopicRecords;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.EventIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-event work of both stages, with the projects' own classes: what the listener does with each event (parse
 * from the stream, build the record: event id and value bytes) and what the forwarder does (classify the record,
 * format the datagram), plus the event id alone. Times are per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPaths {
    static final int STREAM_EVENTS = 1_000;

    private byte[] stream;
    private ObjectNode[] parsed;
    private CapturedEvent[] captured;
    private ConsumerRecord<byte[], byte[]>[] records;
    private TopicRecords topicRecords;
    private RecordClassifier classifier;
    private LegacyFields legacy;
    private AlertTrimmer trimmer;
    private AlertFormatter formatter;
    private HostRef host;
    private int next;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() throws IOException {
        EventShapes shapes = new EventShapes(3, 1_790_000_000_000_000_000L, 1_000L);
        ContractRecords contract = new ContractRecords("docker-events", "bench-host", "BENCH:JMH", shapes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parsed = new ObjectNode[STREAM_EVENTS];
        captured = new CapturedEvent[STREAM_EVENTS];
        records = new ConsumerRecord[STREAM_EVENTS];
        for (int i = 0; i < STREAM_EVENTS; i++) {
            byte[] json = shapes.event(i);
            out.write(json);
            out.write('\n');
            parsed[i] = (ObjectNode) ContractJson.tree(json);
            EventIdentity identity = EventIdentity.of(parsed[i]);
            captured[i] = new CapturedEvent(json, identity, identity.id("BENCH:JMH"), 0);
            ProducerRecord<byte[], byte[]> p = contract.record(i);
            records[i] = new ConsumerRecord<>(p.topic(), 0, i, p.timestamp(), TimestampType.CREATE_TIME,
                    p.key().length, p.value().length, p.key(), p.value(), p.headers(), java.util.Optional.empty());
        }
        stream = out.toByteArray();
        topicRecords = new TopicRecords(new HostIdentity("bench-host", "BENCH:JMH"), "docker-events",
                "docker-events-checkpoints");
        classifier = new RecordClassifier(new ContractSchemas());
        legacy = new LegacyFields(LegacyFieldsMode.AUTO);
        formatter = new AlertFormatter();
        trimmer = new AlertTrimmer(formatter);
        host = new HostRef("bench-host", "BENCH:JMH");
    }

    private int nextIndex() {
        int i = next;
        next = (i + 1) % STREAM_EVENTS;
        return i;
    }

    /** Listener: the /events body split into events as EventStream does (16 KiB reads, identity fields, event id). */
    @Benchmark
    @OperationsPerInvocation(STREAM_EVENTS)
    public void listenerParseStream(Blackhole bh) throws IOException {
        EventSplitter splitter = new EventSplitter("BENCH:JMH", 1 << 20);
        byte[] read = new byte[16 * 1024];
        for (int at = 0; at < stream.length; at += read.length) {
            int n = Math.min(read.length, stream.length - at);
            System.arraycopy(stream, at, read, 0, n);
            splitter.feed(read, n, bh::consume);
        }
        splitter.end();
    }

    /** Listener: one captured event to its Kafka record (headers; the value is the engine's bytes). */
    @Benchmark
    public ProducerRecord<byte[], byte[]> listenerRecord() {
        return topicRecords.event(captured[nextIndex()]);
    }

    /** Forwarder: one consumed record to its datagram (checks, parse, legacy fields, splice, size check). */
    @Benchmark
    public Object forwarderRecordToDatagram() {
        Classified c = classifier.classify(records[nextIndex()]);
        Classified.Event event = (Classified.Event) c;
        return trimmer.datagram(event, legacy.missing(event.fields()), false);
    }

    /** Forwarder: formatting alone (the event bytes spliced into the alert). */
    @Benchmark
    public byte[] forwarderFormat() {
        ConsumerRecord<byte[], byte[]> r = records[nextIndex()];
        return formatter.event(r.value(), Map.of(), host, false, false);
    }

    /** Both: the event id of one event (SHA-256 of host-id|timeNano|Type|Action|Actor.ID). */
    @Benchmark
    public String eventId() {
        return captured[nextIndex()].identity().id("BENCH:JMH");
    }
}
