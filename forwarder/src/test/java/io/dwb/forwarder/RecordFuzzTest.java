package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.AlertJson;
import io.dwb.schemas.testing.WazuhJsonFields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterProperty;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Fuzz, unit layer: generated hostile records ({@link HostileRecords}) through the classifier and the whole
 * pipeline, as the delivery loop drives them (routed, then delivered). Each is delivered as one strictly
 * valid alert of at most 65,341 bytes and at most the fields Wazuh's JSON decoder takes, or dead-lettered with a
 * known reason and its coordinates, or dropped as a duplicate; never an exception, never a wait. The dead-letter
 * producer is Kafka's MockProducer (the real broker is {@link RecordFuzzBrokerTest}'s). Tries: {@code jqwik.tries.default}, 2,000 in CI; {@code -Pfuzz}: 100,000.
 */
class RecordFuzzTest {
    private static final String TOPIC = "fuzz";
    private static final Set<String> CODES = Arrays.stream(DeadLetterReason.values()).map(DeadLetterReason::code)
            .collect(Collectors.toSet());
    private static final Set<String> UNFORESEEN = Set.of(DeadLetterReason.CLASSIFY_ERROR.code(),
            DeadLetterReason.FORMAT_ERROR.code());

    private final HostileRecords generator = new HostileRecords();
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    private final List<byte[]> sent = new ArrayList<>();
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final AlertPipeline.Mode mode = new AlertPipeline.Mode.Live(
            new DeadLetterQueue(TOPIC + "-dlq", new Properties(), producer, System::currentTimeMillis),
            new SilentHostWatch());
    private final AlertPipeline pipeline = new AlertPipeline(new RecordClassifier(TestRecords.SCHEMAS),
            new LegacyFields(LegacyFieldsMode.AUTO), LabelFilter.ALL, FieldBudget.DEFAULT, new AlertFormatter(),
            new DuplicateWindow(10_000),
            new DirectOutbox(new DatagramWriter(new CollectingSink(sent), mode, metrics, System::currentTimeMillis)),
            new Pacer(0, System::nanoTime), mode,
            // Heartbeats as alerts too (--heartbeat-alerts): every record then ends as an alert, a dead letter or a
            // duplicate, which is what this property checks.
            metrics, true, System::nanoTime);
    private long offset;
    private long records;

    // A failure prints its recipe; a new run draws new ones rather than stopping at the last failure's.
    @Property(shrinking = ShrinkingMode.OFF, afterFailure = AfterFailureMode.RANDOM_SEED)
    void everyRecordIsDeliveredOrDeadLetteredOrADuplicate(@ForAll("recipes") HostileRecords.Recipe recipe) {
        ConsumerRecord<byte[], byte[]> record = generator.make(recipe).consumed(TOPIC, offset++);
        records++;
        long duplicatesBefore = metrics.duplicatesTotal();
        AlertPipeline.Step step = pipeline.deliver(pipeline.route(record));

        assertThat(step).as(recipe.toString()).isInstanceOf(AlertPipeline.Step.Done.class);
        List<ProducerRecord<byte[], byte[]>> dead = producer.history();
        long duplicates = metrics.duplicatesTotal() - duplicatesBefore;
        assertThat(sent.size() + dead.size() + duplicates).as(recipe + ": one outcome").isEqualTo(1);
        for (byte[] datagram : sent) {
            assertThat(datagram.length).as(recipe.toString()).isLessThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM);
            ObjectNode alert = AlertJson.ofDatagram(datagram);
            assertThat(TestRecords.SCHEMAS.validateAlert(alert)).as(recipe.toString()).isEmpty();
            assertThat(WazuhJsonFields.count(alert)).as(recipe + ": fields Wazuh's decoder takes")
                    .isLessThanOrEqualTo(FieldBudget.DEFAULT.max());
        }
        for (ProducerRecord<byte[], byte[]> letter : dead) {
            String reason = HeaderNames.read(letter.headers(), HeaderNames.ERROR_REASON);
            assertThat(CODES).as(recipe + ": " + HeaderNames.read(letter.headers(), HeaderNames.ERROR))
                    .contains(reason);
            assertThat(reason).as(recipe + ": an unforeseen failure is a bug, whatever the record: "
                    + HeaderNames.read(letter.headers(), HeaderNames.ERROR)).isNotIn(UNFORESEEN);
            assertThat(HeaderNames.read(letter.headers(), HeaderNames.SOURCE_OFFSET))
                    .isEqualTo(String.valueOf(record.offset()));
        }
        // A contract version this forwarder does not read is the first thing said of a record, and only of those.
        List<String> reasons = dead.stream().map(l -> HeaderNames.read(l.headers(), HeaderNames.ERROR_REASON)).toList();
        if (recipe.headers() == HostileRecords.HeaderMutation.CONTRACT_VERSION_FORGED) {
            assertThat(reasons).as(recipe.toString()).containsExactly(DeadLetterReason.NEWER_CONTRACT.code());
        } else {
            assertThat(reasons).as(recipe.toString()).doesNotContain(DeadLetterReason.NEWER_CONTRACT.code());
        }
        // The silent-host and host-back alerts its heartbeat may have queued go too (else heartbeats would wait).
        pipeline.sendStateAlerts(Integer.MAX_VALUE);
        // Nothing of a record is kept once it is done: the run's memory does not grow with its length.
        sent.clear();
        producer.clear();
    }

    @AfterProperty
    void everyKindOfOutcomeHappened() {
        assertThat(records).isPositive();
        assertThat(metrics.sentTotal()).as("delivered").isPositive();
        assertThat(metrics.deadLetteredTotal()).as("dead-lettered").isPositive();
    }

    @Provide
    Arbitrary<HostileRecords.Recipe> recipes() {
        return Combinators.combine(Arbitraries.integers().between(0, generator.baseCount() - 1),
                Arbitraries.of(HostileRecords.Mutation.class), Arbitraries.of(HostileRecords.HeaderMutation.class),
                Arbitraries.longs()).as(HostileRecords.Recipe::new);
    }

    /** Keeps what the pipeline sends for the property to check (the real socket is the broker test's). */
    private record CollectingSink(List<byte[]> sent) implements AlertSink {
        @Override
        public void send(byte[] datagram) {
            sent.add(datagram);
        }

        @Override
        public void close() {
        }
    }
}
