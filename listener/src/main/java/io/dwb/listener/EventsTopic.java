package io.dwb.listener;

import io.dwb.runtime.UntilTopicKnown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the events topic takes, read at start (and again after the broker refused a record for it: {@link
 * EventsTopicLimits}): a record the broker refuses fails its whole transaction, again at every retry, so what it
 * would refuse is never sent. Its record timestamps ({@link RecordTimestamps}), and its largest record
 * ({@code max.message.bytes}, the broker's {@code message.max.bytes} unless the topic sets its own): an event that
 * would make a longer record becomes a stand-in.
 *
 * @param maxMessageBytes the largest record batch the topic takes
 * @param settings        the {@link #SETTINGS} as read, by name (none when they could not be read: Kafka's defaults)
 */
record EventsTopic(RecordTimestamps timestamps, int maxMessageBytes, Map<String, String> settings) {
    private static final Logger log = LoggerFactory.getLogger(EventsTopic.class);
    /** Kafka's default {@code message.max.bytes}, used when the topic's settings cannot be read. */
    static final int KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
    /** The topic's settings the listener's records follow: what a change of is said, old and new. */
    static final List<String> SETTINGS = List.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG,
            TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG,
            TopicConfig.RETENTION_MS_CONFIG, TopicConfig.MAX_MESSAGE_BYTES_CONFIG);

    EventsTopic {
        settings = Map.copyOf(settings);
    }

    /** A topic with Kafka's defaults and the timestamps given. */
    static EventsTopic withDefaults(RecordTimestamps timestamps) {
        return new EventsTopic(timestamps, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, Map.of());
    }

    /**
     * The topic's settings, from {@code known} (the topics' check read them) or asked for; Kafka 4's defaults, with
     * a warning, when the principal may not read them.
     */
    static EventsTopic read(Admin admin, Optional<Config> known, String topic, Duration timeout,
                            LongSupplier wallClockMillis) {
        if (known.isPresent()) {
            return of(known.get(), wallClockMillis);
        }
        try {
            return of(describe(admin, topic, timeout), wallClockMillis);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof AuthorizationException)) {
                throw new TransactionalPublisher.KafkaUnavailable("cannot read the settings of topic " + topic + ": "
                        + e.getCause().getMessage(), e);
            }
            log.warn("cannot read the settings of topic {} ({}): record timestamps assume Kafka's defaults "
                    + "(event time unless more than {} ms ahead of this host's clock), and records up to {} bytes",
                    topic, e.getCause().getMessage(),
                    RecordTimestamps.KAFKA_DEFAULT_AFTER_MAX_MS - RecordTimestamps.MARGIN_MS,
                    KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
            return withDefaults(new RecordTimestamps(RecordTimestamps.KAFKA_DEFAULT_AFTER_MAX_MS, Long.MAX_VALUE,
                    wallClockMillis));
        } catch (TimeoutException e) {
            throw new TransactionalPublisher.KafkaUnavailable("cannot read the settings of topic " + topic
                    + ": no answer within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransactionalPublisher.KafkaUnavailable("interrupted", e);
        }
    }

    /**
     * The topic's settings asked for again, within {@code timeout}: any failure, a refused DescribeConfigs too, is
     * thrown ({@link TransactionalPublisher.KafkaUnavailable}), so that the caller keeps what it read before rather
     * than take Kafka's defaults for the topic's.
     */
    static EventsTopic readAgain(Admin admin, String topic, Duration timeout, LongSupplier wallClockMillis) {
        try {
            return of(describe(admin, topic, timeout), wallClockMillis);
        } catch (ExecutionException e) {
            throw new TransactionalPublisher.KafkaUnavailable(e.getCause().getClass().getSimpleName() + ": "
                    + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new TransactionalPublisher.KafkaUnavailable("no answer within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransactionalPublisher.KafkaUnavailable("interrupted", e);
        }
    }

    private static Config describe(Admin admin, String topic, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        // Asked again while the broker does not know the topic it has just created.
        return UntilTopicKnown.ask("topic " + topic, () -> admin.describeConfigs(List.of(resource))
                .values().get(resource).get(timeout.toMillis(), TimeUnit.MILLISECONDS), timeout, System::nanoTime);
    }

    /** The topic of these settings ({@code config} as DescribeConfigs gives it). */
    static EventsTopic of(Config config, LongSupplier wallClockMillis) {
        ConfigEntry max = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        int maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
        if (max != null && max.value() != null) {
            try {
                maxMessageBytes = Integer.parseInt(max.value().trim());
            } catch (NumberFormatException e) {
                log.warn("the events topic's max.message.bytes is not a number ({}): records up to {} bytes assumed",
                        max.value(), KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : SETTINGS) {
            ConfigEntry entry = config.get(name);
            if (entry != null && entry.value() != null) {
                settings.put(name, entry.value());
            }
        }
        return new EventsTopic(RecordTimestamps.of(config, wallClockMillis), maxMessageBytes, settings);
    }

    /**
     * The {@link #SETTINGS} that differ from {@code before}'s, each as {@code name old → new} ({@code (not read)}
     * for one Kafka's defaults were assumed for); none when they are the same.
     */
    List<String> changesFrom(EventsTopic before) {
        List<String> changes = new ArrayList<>();
        for (String name : SETTINGS) {
            String was = before.settings().get(name);
            String now = settings.get(name);
            if (!Objects.equals(was, now)) {
                changes.add(name + " " + shown(was) + " -> " + shown(now));
            }
        }
        return changes;
    }

    private static String shown(String value) {
        return value == null ? "(not read)" : value;
    }
}
