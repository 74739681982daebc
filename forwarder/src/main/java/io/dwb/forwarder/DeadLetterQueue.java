package io.dwb.forwarder;

import io.dwb.schemas.HeaderNames;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topic: a record the forwarder cannot turn into an alert, key, value and headers unchanged, plus
 * {@code error}, {@code source-topic}, {@code source-partition}, {@code source-offset}. Each write is acknowledged
 * before the source offset may be committed, so a record is never both undelivered and committed.
 */
public final class DeadLetterQueue implements AutoCloseable {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final Producer<byte[], byte[]> producer;

    public DeadLetterQueue(String topic, Properties kafka) {
        this.topic = topic;
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // Dead letters include records over 1 MiB; compressed they still fit the default topic limit.
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        this.producer = new KafkaProducer<>(p);
    }

    public String topic() {
        return topic;
    }

    /** Writes {@code record} with its reason and waits for the broker's acknowledgement. */
    public void publish(ConsumerRecord<byte[], byte[]> record, String reason) throws DeadLetterUnavailable {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.remove(HeaderNames.ERROR);
        headers.add(HeaderNames.ERROR, HeaderNames.utf8(reason));
        headers.add(HeaderNames.SOURCE_TOPIC, HeaderNames.utf8(record.topic()));
        headers.add(HeaderNames.SOURCE_PARTITION, HeaderNames.utf8(String.valueOf(record.partition())));
        headers.add(HeaderNames.SOURCE_OFFSET, HeaderNames.utf8(String.valueOf(record.offset())));
        try {
            producer.send(new ProducerRecord<>(topic, null, record.timestamp(), record.key(), record.value(),
                    headers)).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new DeadLetterUnavailable("dead-letter topic " + topic + " unavailable: " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeadLetterUnavailable("interrupted while writing to the dead-letter topic " + topic);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /** The dead-letter topic cannot take the record now; delivery waits as for an unavailable Wazuh queue. */
    public static final class DeadLetterUnavailable extends Exception {
        public DeadLetterUnavailable(String message) {
            super(message);
        }
    }
}
