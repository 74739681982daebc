package io.dwb.forwarder;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Heartbeat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Hosts {@code host-0} ... (ids {@code HOST-0} ...) whose listeners each send a heartbeat every interval, dated now,
 * through the producer {@code through} gives at each round (for the silent-host tests).
 */
final class HeartbeatingHosts implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    private HeartbeatingHosts() {
    }

    static HeartbeatingHosts start(String topic, int hosts, int intervalSeconds,
                                   Supplier<KafkaProducer<byte[], byte[]>> through) {
        return start(topic, hosts, intervalSeconds, through, UnaryOperator.identity());
    }

    /** As above, each heartbeat's value as {@code written} makes it of this release's (another listener's). */
    static HeartbeatingHosts start(String topic, int hosts, int intervalSeconds,
                                   Supplier<KafkaProducer<byte[], byte[]>> through, UnaryOperator<byte[]> written) {
        HeartbeatingHosts h = new HeartbeatingHosts();
        h.timer.scheduleAtFixedRate(() -> {
            long now = System.currentTimeMillis() * 1_000_000L;
            byte[] value = written.apply(ContractJson.write(new Heartbeat(ContractJson.rfc3339(now), now,
                    intervalSeconds, true, null)));
            KafkaProducer<byte[], byte[]> producer = through.get();
            for (int i = 0; i < hosts; i++) {
                producer.send(TestRecords.bridge(topic, "host-" + i, "HOST-" + i, "heartbeat", value));
            }
        }, 0, intervalSeconds, TimeUnit.SECONDS);
        return h;
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
