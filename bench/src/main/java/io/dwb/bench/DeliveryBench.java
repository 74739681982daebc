package io.dwb.bench;

import io.dwb.forwarder.AlertFormatter;
import io.dwb.forwarder.HostRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Delivery: the forwarder process reading a pre-filled topic and sending one datagram per event to a
 * {@link DatagramCounter}, against the raw limit of that receiver (a loop sending the same alerts, pre-formatted,
 * with a blocking socket). Throughput counts from the first datagram to the last, so JVM start and the consumer
 * group join are not in it.
 */
public final class DeliveryBench {
    /**
     * @param complete         false when the time ran out: the rate is then over what arrived by then
     * @param cpuSecondsPer100k the forwarder's CPU (all threads) from its first datagram to its last, per 100,000
     *                          events: like the rate, without its start; NaN when the run was cut
     */
    public record Outcome(long events, double eventsPerSecond, long peakRssKb, boolean complete,
                          double cpuSecondsPer100k) {}

    /** The forwarder's CPU ticks and the datagrams counted when its first datagram was seen. */
    private static final class FirstDatagram {
        long ticks = -1;
        long count;
    }

    private static final String HOST_NAME = "bench-host";
    private static final String HOST_ID = "BENCH:DELIVERY:HOST";

    private final BenchContext context;
    private final int events;
    private final String topic = "bench-delivery-" + UUID.randomUUID().toString().substring(0, 8);
    /** Recent times: with times weeks old, the broker's 7-day retention would delete the topic under the run. */
    private final EventShapes shapes = new EventShapes(7, EpochClock.nowNanos() - 600_000_000_000L, 1_000L);

    public DeliveryBench(BenchContext context, int events) {
        this.context = context;
        this.events = events;
    }

    /** Fills the topic (one partition: one engine's events) with a batching producer; returns events/s. */
    public double prefill(Runnable createTopic) {
        createTopic.run();
        ContractRecords records = new ContractRecords(topic, HOST_NAME, HOST_ID, shapes);
        long nanos = Kafka.produce(context.bootstrapServers(), events, records::record, 20, 512 * 1024);
        return events * 1e9 / nanos;
    }

    public String topic() {
        return topic;
    }

    /** The raw limit: the same alerts, formatted beforehand, sent in a tight loop to the same kind of receiver. */
    public double rawLimit() throws IOException, InterruptedException {
        AlertFormatter formatter = new AlertFormatter();
        HostRef host = new HostRef(HOST_NAME, HOST_ID);
        byte[][] datagrams = new byte[EventShapes.POOL][];
        for (int i = 0; i < datagrams.length; i++) {
            datagrams[i] = formatter.event(shapes.event(i), Map.of(), host, false, false);
        }
        Path socket = context.workDir().resolve("raw.sock");
        try (DatagramCounter counter = new DatagramCounter(socket, null);
             AFUNIXDatagramChannel sender = AFUNIXDatagramChannel.open()) {
            counter.target(events);
            sender.connect(AFUNIXSocketAddress.of(socket));
            Thread send = new Thread(() -> {
                try {
                    for (int i = 0; i < events; i++) {
                        sender.write(ByteBuffer.wrap(datagrams[i % datagrams.length])); // blocks while full
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "raw-datagram-sender");
            send.start();
            long end = counter.awaitTarget(Duration.ofSeconds(120), () -> true);
            send.join();
            return (events - 1) * 1e9 / (end - counter.firstNanos());
        }
    }

    /**
     * One forwarder run from the start of the topic with a new group; {@code dedupWindow} 0 turns dedup off;
     * {@code extra}: more options.
     */
    public Outcome forwarder(String label, int dedupWindow, Duration timeout, String... extra) throws Exception {
        Path socket = context.workDir().resolve(label + ".sock");
        try (DatagramCounter counter = new DatagramCounter(socket, null)) {
            counter.target(events);
            List<String> args = new ArrayList<>(List.of("--bootstrap-servers", context.bootstrapServers(),
                    "--topic", topic, "--group", "bench-" + label + "-" + UUID.randomUUID().toString().substring(0, 8),
                    "--dlq-topic", topic + "-dlq", "--wazuh-queue", socket.toString(),
                    "--dedup-window", String.valueOf(dedupWindow)));
            args.addAll(List.of(extra));
            try (ProcessRun forwarder = ProcessRun.start(label, context.forwarderJavaOpts(), context.forwarderJar(),
                    BenchContext.FORWARDER_MAIN, Map.of(), context.logDir(), args.toArray(String[]::new))) {
                long end;
                FirstDatagram first = new FirstDatagram();
                try {
                    end = counter.awaitTarget(timeout, () -> {
                        forwarder.samplePeakRssKb();
                        if (first.ticks < 0 && counter.count() > 0) { // checked every 5 ms
                            first.ticks = ProcessTasks.processTicks(forwarder.pid());
                            first.count = counter.count();
                        }
                        return forwarder.alive();
                    });
                } catch (IllegalStateException e) {
                    if (!forwarder.alive() || counter.count() < 2) {
                        throw new IllegalStateException(label + ": " + e.getMessage() + "\n"
                                + forwarder.logTail(20), e);
                    }
                    // Out of time (the bench has a budget): the rate over what arrived so far.
                    long now = System.nanoTime();
                    long arrived = counter.count();
                    forwarder.close();
                    return new Outcome(arrived, (arrived - 1) * 1e9 / (now - counter.firstNanos()),
                            forwarder.peakRssKb(), false, Double.NaN);
                }
                double cpu = first.ticks < 0 || first.count >= events ? Double.NaN
                        : (ProcessTasks.processTicks(forwarder.pid()) - first.ticks)
                        / (double) ProcessTasks.ticksPerSecond() / (events - first.count) * 100_000;
                Thread.sleep(500); // anything beyond the target would be a duplicate
                forwarder.samplePeakRssKb();
                if (counter.count() != events) {
                    throw new IllegalStateException(label + ": " + counter.count() + " datagrams for " + events
                            + " events");
                }
                double rate = (events - 1) * 1e9 / (end - counter.firstNanos());
                forwarder.close();
                return new Outcome(events, rate, forwarder.peakRssKb(), true, cpu);
            }
        }
    }
}
