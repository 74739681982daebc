package io.dwb.forwarder;

import io.dwb.runtime.ClientTimeouts;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.schemas.HeaderNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topic: a record the forwarder cannot turn into an alert, key, value and headers unchanged, plus
 * {@code dwb.error.reason}, {@code dwb.error.stage}, {@code dwb.error.topic}, {@code dwb.error.partition},
 * {@code dwb.error.offset}, {@code dwb.error.message}, {@code dwb.error.timestamp} (the record's own timestamp: the
 * dead letter's is the time it was written) (one fact each), and the older {@code error} ({@code <code>:
 * <detail>}), {@code source-topic}, {@code source-partition}, {@code source-offset}. Each write is acknowledged
 * before the source offset may be committed, so a record is never both undelivered and committed (the delivery loop
 * sends letters without waiting and commits past them once acknowledged: {@link LettersInFlight}).
 *
 * <p>Why the topic refuses is decided here: a record over the topic's size limit is written without its value (then
 * without its key and original headers too), saying so in {@code omitted}. A topic that does not exist, that the
 * forwarder may not write, or that refuses even the smallest letter, is refused until a person acts ({@link
 * Refusal#forGood}): delivery waits for it as for an outage, nothing committed past the record, and its line names
 * the fix. Stopping instead handed the record to another member of the group, which stopped on it in turn.
 */
public final class DeadLetterQueue implements AutoCloseable {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final LongSupplier wallMillis;
    private final BooleanSupplier topicMissing;
    /** What Wazuh is told of the letters written. */
    private final DeadLetterNotices notices = new DeadLetterNotices();
    /**
     * The last letter {@link #publish} could not write found the topic missing: the next asks the broker first, rather
     * than wait {@code max.block.ms} for metadata it does not have. Its caller's thread only (one writer a forwarder).
     */
    private boolean publishFoundMissing;

    /** @param wallMillis the wall clock in milliseconds: a dead letter's timestamp */
    public DeadLetterQueue(String topic, Properties kafka, LongSupplier wallMillis) {
        this(topic, kafka, new KafkaProducer<>(producerProperties(kafka)), wallMillis);
    }

    /** With a producer of the caller's (a unit layer's MockProducer). */
    DeadLetterQueue(String topic, Properties kafka, Producer<byte[], byte[]> producer, LongSupplier wallMillis) {
        this(topic, producer, wallMillis, () -> missing(topic, kafka));
    }

    /**
     * @param topicMissing asks the broker whether the topic is missing (an Admin call of up to 10 s; a unit layer
     *                     counts them)
     */
    DeadLetterQueue(String topic, Producer<byte[], byte[]> producer, LongSupplier wallMillis,
                    BooleanSupplier topicMissing) {
        this.topic = topic;
        this.producer = producer;
        this.wallMillis = wallMillis;
        this.topicMissing = topicMissing;
    }

    private static Properties producerProperties(Properties kafka) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // Dead letters include records over 1 MiB; compressed they usually fit the default topic limit.
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        // Given up within publish()'s wait, unless the user's request.timeout.ms needs longer (Kafka refuses less).
        ClientTimeouts.deliveryTimeout(p, SEND_TIMEOUT);
        // A missing topic makes send() wait for its metadata this long: the delivery thread must poll well within
        // the 30 s its health check allows.
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        return p;
    }

    public String topic() {
        return topic;
    }

    /** What Wazuh is told of the letters written: each writer counts its letter in once acknowledged. */
    DeadLetterNotices notices() {
        return notices;
    }

    /** The producer's {@code client.id} (Kafka's own when none is set), as its metrics are tagged. */
    String clientId() {
        for (MetricName name : producer.metrics().keySet()) {
            String id = name.tags().get("client-id");
            if (id != null) {
                return id;
            }
        }
        return "";
    }

    /** The producer's own metrics (Kafka's {@code metrics()}), for {@code /metrics}. */
    public Map<MetricName, ? extends Metric> kafkaMetrics() {
        return producer.metrics();
    }

    /** What a dead letter left out of the record so that the topic would take it. */
    public enum Omitted {
        NOTHING(""),
        /** The value: over the topic's {@code max.message.bytes} even compressed. */
        VALUE("value"),
        /** Value, key and the record's own headers: even without its value it was too large. */
        VALUE_KEY_HEADERS("value, key, headers");

        private final String header;

        Omitted(String header) {
            this.header = header;
        }

        /** The {@code omitted} header's text (none for {@link #NOTHING}). */
        public String header() {
            return header;
        }

        String logText() {
            return this == NOTHING ? "" : " without its " + header + " (over the topic's size limit)";
        }

        /** What to leave out when the topic refuses the letter as too large with this left out; null: nothing more. */
        Omitted less() {
            return this == VALUE_KEY_HEADERS ? null : values()[ordinal() + 1];
        }
    }

    /** A record to write to the dead-letter topic, and why it is refused. */
    public record Letter(ConsumerRecord<byte[], byte[]> record, Classified.Invalid error) {}

    /**
     * Writes {@code record} with why it is refused and waits for the broker's acknowledgement; returns what had to
     * be left out. For the rare letters of a thread that may wait (the sending thread's); the delivery loop sends
     * its letters with {@link #send} and does not wait for them ({@link LettersInFlight}).
     *
     * @throws DeadLetterUnavailable the topic cannot take it, now or until a person acts ({@link #unavailable}):
     *                               retry later, from the whole letter
     */
    public Omitted publish(ConsumerRecord<byte[], byte[]> record, Classified.Invalid error)
            throws DeadLetterUnavailable {
        if (publishFoundMissing && missing()) {
            throw new DeadLetterUnavailable(missingRefusal());
        }
        publishFoundMissing = false;
        Letter l = new Letter(record, error);
        for (Omitted omitted = Omitted.NOTHING; ; omitted = omitted.less()) {
            try {
                send(l, omitted).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return omitted;
            } catch (ExecutionException | TimeoutException e) {
                if (!goesWithLess(e, omitted)) {
                    DeadLetterUnavailable unavailable = unavailable(e);
                    publishFoundMissing = unavailable.refusal().cause() == Refusal.Other.DEAD_LETTER_TOPIC_MISSING;
                    throw unavailable;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeadLetterUnavailable(new Refusal(Refusal.Other.DEAD_LETTER_TOPIC,
                        "interrupted while writing to the dead-letter topic " + topic));
            }
        }
    }

    /**
     * Sends {@code l}, leaving out what {@code omitted} says, without waiting: the broker's answer is the future's
     * (failed at once when the producer refuses it before sending, as after {@code max.block.ms} without the topic's
     * metadata).
     */
    Future<RecordMetadata> send(Letter l, Omitted omitted) {
        try {
            return producer.send(letter(l.record(), l.error(), omitted));
        } catch (KafkaException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A letter's send failed with {@code failure}: true when the topic refused it as too large. */
    static boolean tooLarge(Throwable failure) {
        return cause(failure) instanceof RecordTooLargeException;
    }

    /**
     * A letter sent with {@code omitted} left out failed with {@code failure}: true when the topic refused it as too
     * large and it may go again with less ({@link Omitted#less}); else the failure is judged ({@link #unavailable}).
     */
    static boolean goesWithLess(Throwable failure, Omitted omitted) {
        return tooLarge(failure) && omitted.less() != null;
    }

    /**
     * A letter's send failed with {@code failure}, and not for a size that less would fit: why the topic does not
     * take it, now (an outage: retry) or until a person acts ({@link Refusal#forGood}: retried all the same, its words
     * naming the fix). A failure that could be either asks the broker whether the topic exists.
     */
    DeadLetterUnavailable unavailable(Throwable failure) {
        Throwable cause = cause(failure);
        if (cause instanceof AuthorizationException) {
            return new DeadLetterUnavailable(new Refusal(Refusal.Other.DEAD_LETTER_WRITE_DENIED, "not allowed to "
                    + "write to the dead-letter topic " + topic + " (" + cause.getMessage() + "): grant the "
                    + "forwarder's principal WRITE on it, or set --dlq-topic"));
        }
        if (cause instanceof RecordTooLargeException) {
            return new DeadLetterUnavailable(new Refusal(Refusal.Other.DEAD_LETTER_LIMIT_TOO_LOW, "the dead-letter "
                    + "topic " + topic + " refuses even a record of a few hundred bytes as too large: raise its "
                    + "max.message.bytes"));
        }
        if (missing()) {
            return new DeadLetterUnavailable(missingRefusal());
        }
        if (cause instanceof InvalidTimestampException) {
            // A topic of before LogAppendTime (TopicSpec.deadLetters), and this host's clock off: waits until either
            // is fixed, every alert behind the letter with it
            return new DeadLetterUnavailable(new Refusal(Refusal.Other.DEAD_LETTER_TOPIC, "the dead-letter topic "
                    + topic + " refused the letter's timestamp (" + cause.getMessage() + "): this host's clock is "
                    + "further from the broker's than the topic's message.timestamp.after.max.ms / before.max.ms "
                    + "allow; fix the clock (NTP), or let the broker stamp letters: kafka-configs.sh --alter "
                    + "--entity-type topics --entity-name " + topic
                    + " --add-config message.timestamp.type=LogAppendTime"));
        }
        return new DeadLetterUnavailable(new Refusal(Refusal.Other.DEAD_LETTER_TOPIC, "dead-letter topic " + topic
                + " unavailable: " + cause.getMessage()));
    }

    /** Asks the broker whether the topic is missing (an Admin call of up to 10 s; false when it does not answer). */
    boolean missing() {
        return topicMissing.getAsBoolean();
    }

    private Refusal missingRefusal() {
        return new Refusal(Refusal.Other.DEAD_LETTER_TOPIC_MISSING, "the dead-letter topic " + topic + " does not "
                + "exist and the broker does not create it: create it (see docs/deployment.md), or set --dlq-topic");
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof ExecutionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private ProducerRecord<byte[], byte[]> letter(ConsumerRecord<byte[], byte[]> record, Classified.Invalid error,
                                                  Omitted omitted) {
        RecordHeaders headers = omitted == Omitted.VALUE_KEY_HEADERS ? new RecordHeaders()
                : new RecordHeaders(record.headers().toArray());
        String source = record.topic();
        String partition = String.valueOf(record.partition());
        String offset = String.valueOf(record.offset());
        // The record's own headers may carry forged ones of these names: the forwarder's are the only ones left.
        set(headers, HeaderNames.ERROR, error.error());
        set(headers, HeaderNames.SOURCE_TOPIC, source);
        set(headers, HeaderNames.SOURCE_PARTITION, partition);
        set(headers, HeaderNames.SOURCE_OFFSET, offset);
        set(headers, HeaderNames.ERROR_REASON, error.reason().code());
        set(headers, HeaderNames.ERROR_STAGE, error.reason().stage().code());
        set(headers, HeaderNames.ERROR_TOPIC, source);
        set(headers, HeaderNames.ERROR_PARTITION, partition);
        set(headers, HeaderNames.ERROR_OFFSET, offset);
        set(headers, HeaderNames.ERROR_MESSAGE, error.detail());
        if (record.timestamp() >= 0) {
            set(headers, HeaderNames.ERROR_TIMESTAMP, String.valueOf(record.timestamp()));
        } else {
            headers.remove(HeaderNames.ERROR_TIMESTAMP); // none (a record of the oldest message format)
        }
        headers.remove(HeaderNames.OMITTED); // a forged one said a whole letter's value and key were left out
        if (omitted != Omitted.NOTHING) {
            headers.add(HeaderNames.OMITTED, HeaderNames.utf8(omitted.header()));
        }
        byte[] key = omitted == Omitted.VALUE_KEY_HEADERS ? null : record.key();
        byte[] value = omitted == Omitted.NOTHING ? record.value() : null;
        // Stamped now, not with the record's own time: the topic's retention then counts from the dead-lettering.
        // A record stamped long ago (any producer picks its timestamps) made the broker roll a segment for its dead
        // letter and delete it at the next retention check, minutes later. A topic the bridge created replaces it
        // with the broker's time (LogAppendTime), so that this host's clock does not matter either.
        return new ProducerRecord<>(topic, null, wallMillis.getAsLong(), key, value, headers);
    }

    private static void set(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, HeaderNames.utf8(value));
    }

    /** Whether the broker says the topic does not exist (false when it cannot be asked: that is an outage). */
    private static boolean missing(String topic, Properties kafka) {
        try (Admin admin = TopicProvisioner.admin(kafka, CHECK_TIMEOUT)) {
            admin.describeTopics(List.of(topic)).allTopicNames().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return false;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException;
        } catch (TimeoutException | KafkaException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /**
     * The dead-letter topic does not take the record, now or until a person acts ({@link Refusal#forGood}); delivery
     * waits as for an unavailable Wazuh queue.
     */
    public static final class DeadLetterUnavailable extends Exception {
        private final transient Refusal refusal;

        DeadLetterUnavailable(Refusal refusal) {
            super(refusal.words());
            this.refusal = refusal;
        }

        /** Why, as the pause says it. */
        Refusal refusal() {
            return refusal;
        }
    }
}
