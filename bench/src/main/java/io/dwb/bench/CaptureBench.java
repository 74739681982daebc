package io.dwb.bench;

import io.dwb.listener.TransactionalPublisher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;

/**
 * Capture: the listener process reading a {@link FakeEngine}'s fast /events stream and committing to Kafka,
 * measured from the first event the engine wrote to the moment a read_committed consumer has seen every one of
 * them; against the raw producer limit of the same broker for the same records.
 */
public final class CaptureBench {
    /** @param complete false when the time ran out: the rate is then over what was committed by then */
    public record Outcome(long events, double eventsPerSecond, long peakRssKb, int subscriptions,
                          boolean complete) {}

    private final BenchContext context;
    private final int events;
    private final BiConsumer<String, Map<String, String>> createTopic;

    /** @param createTopic (name, config) creates a one-partition topic */
    public CaptureBench(BenchContext context, int events, BiConsumer<String, Map<String, String>> createTopic) {
        this.context = context;
        this.events = events;
        this.createTopic = createTopic;
    }

    /**
     * A plain producer (acks=all, linger 5 ms and batch size as the listener's) sending the same records: events/s.
     * A first, untimed pass warms the bench's JVM, so the limit does not depend on whether an earlier measurement
     * already compiled the producer's code (it measured 39k-43k events/s cold and 79k-96k warm).
     */
    public double rawProducer() {
        produce(Math.max(1, events / 2));
        return events * 1e9 / produce(events);
    }

    private long produce(int count) {
        String topic = "bench-raw-" + UUID.randomUUID().toString().substring(0, 8);
        createTopic.accept(topic, Kafka.eventsTopic());
        EventShapes shapes = new EventShapes(11, EpochClock.nowNanos(), 1_000L);
        ContractRecords records = new ContractRecords(topic, "bench-raw", "BENCH:RAW", shapes);
        return Kafka.produce(context.bootstrapServers(), count, records::record, 5, TransactionalPublisher.BATCH_BYTES);
    }

    /** One listener run; {@code transactionInterval} null for the default. */
    public Outcome listener(String label, String transactionInterval, Duration timeout) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String topic = "bench-capture-" + suffix;
        String checkpoints = topic + "-checkpoints";
        createTopic.accept(topic, Kafka.eventsTopic());
        createTopic.accept(checkpoints, Kafka.checkpointsTopic());
        // Times just before now: a first start subscribes with since = now - 2 s, so all of them are replayed.
        EventShapes shapes = new EventShapes(13, EpochClock.nowNanos() - 1_000_000_000L, 1_000L);
        byte[][] json = new byte[events][];
        long[] times = new long[events];
        for (int i = 0; i < events; i++) {
            json[i] = shapes.event(i);
            times[i] = shapes.timeNano(i);
        }
        Path socket = context.workDir().resolve(label + "-engine.sock");
        try (FakeEngine engine = new FakeEngine(socket, "bench-" + label, json, times);
             Kafka.CommittedEventCounter counter = new Kafka.CommittedEventCounter(context.bootstrapServers(), topic,
                     events)) {
            String[] args = BenchBroker.listenerArguments(engine.dockerHost(), context.bootstrapServers(), topic,
                    checkpoints, transactionInterval == null ? new String[0]
                            : new String[] {"--transaction-interval", transactionInterval});
            try (ProcessRun listener = ProcessRun.start(label, context.listenerJavaOpts(), context.listenerJar(),
                    BenchContext.LISTENER_MAIN, Map.of(), context.logDir(), args)) {
                long end;
                try {
                    end = counter.awaitTarget(timeout, () -> {
                        listener.samplePeakRssKb();
                        return listener.alive();
                    });
                } catch (IllegalStateException e) {
                    if (!listener.alive() || counter.count() == 0) {
                        throw new IllegalStateException(label + ": " + e.getMessage() + " (engine wrote "
                                + engine.written() + " in " + engine.subscriptions() + " subscriptions)\n"
                                + listener.logTail(20), e);
                    }
                    // Out of time (the bench has a budget): the rate over what was committed so far.
                    long now = System.nanoTime();
                    long committed = counter.count();
                    listener.close();
                    return new Outcome(committed, committed * 1e9 / (now - engine.firstWriteNanos()),
                            listener.peakRssKb(), engine.subscriptions(), false);
                }
                listener.close();
                double rate = events * 1e9 / (end - engine.firstWriteNanos());
                return new Outcome(events, rate, listener.peakRssKb(), engine.subscriptions(), true);
            }
        }
    }
}
