package io.dwb.bench.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.dwb.bench.EpochClock;
import io.dwb.bench.EventShapes;
import io.dwb.listener.CapturedEvent;
import io.dwb.listener.TopicRecords;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.Gap;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.StateSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The simulated hosts of a {@link FleetPlan}, published as their listeners would: the listener's own
 * {@link TopicRecords} build every record (key, headers, timestamps, values of the schemas' records), and each
 * transaction holds what came due in one {@code --transaction-interval} (150 ms, the listener's default): events,
 * then gaps with their state snapshot, heartbeats, and each host's checkpoint last. One transactional id per host
 * would be 10,000 producers; instead {@code producers} transactional producers each own a fixed share of the hosts
 * (host index modulo the count), so each host's records stay in order on its partition, and read_committed
 * forwarders see exactly what they would see from that many listeners (committed records, in per-host order).
 * Events stop after the plan's length; heartbeats go on until {@link #close}.
 */
public final class FleetGenerator implements AutoCloseable {
    /** The listener's default --transaction-interval. */
    static final Duration TRANSACTION_INTERVAL = Duration.ofMillis(150);

    private final FleetPlan plan;
    private final FleetLedger ledger;
    private final EventShapes shapes;
    private final List<Worker> workers = new ArrayList<>();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong heartbeats = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile long startEpochNanos;

    public FleetGenerator(String bootstrap, String eventsTopic, String checkpointsTopic, FleetPlan plan,
                          int producers, String runId, FleetLedger ledger, EventShapes shapes) {
        this.plan = plan;
        this.ledger = ledger;
        this.shapes = shapes;
        for (int p = 0; p < producers; p++) {
            List<HostCursor> hosts = new ArrayList<>();
            for (FleetPlan.SimHost host : plan.hosts()) {
                if (host.index() % producers == p) {
                    hosts.add(new HostCursor(host, new TopicRecords(host.identity(), eventsTopic,
                            checkpointsTopic)));
                }
            }
            workers.add(new Worker(producer(bootstrap, "dwb-bench-fleet-" + runId + "-" + p), hosts,
                    new SplittableRandom(p * 7919L + 17)));
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p);
    }

    /** Registers the producers' transactional ids (this creates Kafka's transaction state topic if missing). */
    public void initTransactions() {
        workers.forEach(w -> w.producer.initTransactions());
    }

    /** Starts publishing; offsets of the plan count from {@code startEpochNanos}. */
    public void start(long startEpochNanos) {
        this.startEpochNanos = startEpochNanos;
        for (int i = 0; i < workers.size(); i++) {
            Thread thread = new Thread(workers.get(i)::run, "fleet-generator-" + i);
            thread.setDaemon(true);
            workers.get(i).thread = thread;
            thread.start();
        }
    }

    public long events() {
        return events.get();
    }

    public long heartbeats() {
        return heartbeats.get();
    }

    public long gaps() {
        return gaps.get();
    }

    public long transactions() {
        return transactions.get();
    }

    /** The first failure of a producer (the run is then invalid), or null. */
    public Throwable failure() {
        return failure.get();
    }

    /** Where one host is in its schedule. */
    private static final class HostCursor {
        final FleetPlan.SimHost host;
        final TopicRecords records;
        long nextEvent = -1;
        long nextHeartbeat;
        long lastEventNano;
        String lastEventId;
        int sequence;
        boolean gapDone;

        HostCursor(FleetPlan.SimHost host, TopicRecords records) {
            this.host = host;
            this.records = records;
            this.nextHeartbeat = host.phaseNanos();
        }
    }

    private final class Worker {
        final KafkaProducer<byte[], byte[]> producer;
        final List<HostCursor> hosts;
        final SplittableRandom random;
        Thread thread;

        Worker(KafkaProducer<byte[], byte[]> producer, List<HostCursor> hosts, SplittableRandom random) {
            this.producer = producer;
            this.hosts = hosts;
            this.random = random;
        }

        void run() {
            long tick = TRANSACTION_INTERVAL.toNanos();
            try {
                while (running) {
                    long began = System.nanoTime();
                    transaction(EpochClock.nowNanos());
                    long rest = tick - (System.nanoTime() - began);
                    if (rest > 0) {
                        Thread.sleep(rest / 1_000_000L, (int) (rest % 1_000_000L));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }

        private long nextGap(FleetPlan.Activity activity) {
            // Exponential gaps: a Poisson process at the activity's mean rate.
            return 1 + (long) (-Math.log(1 - random.nextDouble()) * activity.meanNanos());
        }

        void transaction(long now) {
            long offset = now - startEpochNanos;
            List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            int eventCount = 0;
            int heartbeatCount = 0;
            int gapCount = 0;
            for (HostCursor c : hosts) {
                FleetPlan.SimHost host = c.host;
                String hostId = host.identity().id();
                if (c.nextEvent < 0) {
                    c.nextEvent = nextGap(host.activity());
                }
                Checkpoint checkpoint = null;
                while (c.nextEvent <= Math.min(offset, plan.eventsNanos())) {
                    long t = c.nextEvent;
                    c.nextEvent += nextGap(host.activity());
                    if (!host.sendsAt(t)) {
                        continue; // the host is down: nothing happens on the topic
                    }
                    long timeNano = startEpochNanos + t;
                    int index = host.index() * 7 + c.sequence++;
                    String[] id = shapes.identity(index);
                    EventIdentity identity = EventIdentity.of(String.valueOf(timeNano), timeNano,
                            timeNano / 1_000_000_000L, id[0], id[1], id[2]);
                    String eventId = identity.id(hostId);
                    out.add(c.records.event(new CapturedEvent(shapes.event(index, timeNano), identity, eventId, 0)));
                    keys.add(AlertKeys.event(eventId));
                    times.add(timeNano);
                    checkpoint = new Checkpoint(timeNano, eventId);
                    c.lastEventNano = timeNano;
                    c.lastEventId = eventId;
                    eventCount++;
                }
                if (host.gapAtNanos() >= 0 && !c.gapDone && offset >= host.gapAtNanos()) {
                    c.gapDone = true;
                    long from = c.lastEventNano > 0 ? c.lastEventNano : startEpochNanos;
                    Gap gap = new Gap(ContractJson.rfc3339(from), ContractJson.rfc3339(now), from, now,
                            GapReason.QUEUE_OVERFLOW.code(), "the listener's queue was full (bench fleet)",
                            c.lastEventId);
                    out.add(c.records.gap(gap));
                    keys.add(AlertKeys.gap(hostId, now));
                    times.add(now);
                    ArrayNode containers = ContractJson.MAPPER.createArrayNode();
                    containers.addObject().put("Id", hostId + "c0").put("State", "running")
                            .putArray("Names").add("/fleet-web");
                    StateSnapshot state = new StateSnapshot(ContractJson.rfc3339(now), now, containers);
                    out.add(c.records.state(state));
                    keys.add(AlertKeys.state(state.snapshotId(), state.part()));
                    times.add(now);
                    gapCount++;
                }
                boolean beat = false;
                while (c.nextHeartbeat <= offset) {
                    beat |= host.heartbeatAt(c.nextHeartbeat);
                    c.nextHeartbeat += plan.intervalNanos();
                }
                if (beat) {
                    out.add(c.records.heartbeat(new Heartbeat(ContractJson.rfc3339(now), now,
                            plan.intervalNanos() / 1_000_000_000L, true, c.lastEventNano > 0 ? c.lastEventNano
                            : null)));
                    heartbeatCount++;
                }
                if (checkpoint != null) {
                    out.add(c.records.checkpoint(checkpoint));
                }
            }
            if (out.isEmpty()) {
                return;
            }
            producer.beginTransaction();
            out.forEach(producer::send);
            producer.commitTransaction();
            for (int i = 0; i < keys.size(); i++) {
                ledger.expect(keys.get(i), times.get(i));
            }
            transactions.incrementAndGet();
            events.addAndGet(eventCount);
            heartbeats.addAndGet(heartbeatCount);
            gaps.addAndGet(gapCount);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Worker w : workers) {
            if (w.thread != null) {
                w.thread.join(30_000);
            }
            w.producer.close(Duration.ofSeconds(10));
        }
    }
}
