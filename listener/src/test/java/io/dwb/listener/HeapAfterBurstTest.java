package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * With bin/listener's JVM flags, a burst grows the heap with room to spare (40-70 % of the old generation free
 * after a full collection, so the flood is not spent collecting a heap held tight), and once the listener is quiet
 * its one collection shrinks the heap to what is live plus at most 30 %, giving the rest back to the host. Read from
 * the listener's own /metrics: the old generation's committed size, and what was live in it after its last
 * collection.
 */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class HeapAfterBurstTest {
    private static final int EVENTS = 40_000;
    private static final long MB = 1024 * 1024;
    private static final String OLD = "{pool=\"Tenured Gen\"}";

    @Test
    void aBurstGrowsTheHeapAndTheQuietListenerShrinksItToWhatIsLivePlusAtMostThirtyPercent(
            SharedKafka.Broker broker) throws Exception {
        List<ScriptedEngine.Event> events = ScriptedEngine.paddedContainerEvents(EVENTS, "start", "burst-",
                "p".repeat(800), System.currentTimeMillis() * 1_000_000L);
        ListenerProcess listener = new ListenerProcess(broker);
        int metricsPort = ListenerProcess.freePort();
        AtomicLong peak = new AtomicLong();
        try (ScriptedEngine engine = new ScriptedEngine(events);
             JavaProcess process = listener.startWithLauncherHeap("--docker-host", engine.dockerHost(),
                     "--metrics-port", String.valueOf(metricsPort))) {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                assertThat(process.isAlive()).as("alive; output:%n%s", process.output()).isTrue();
                peak.accumulateAndGet(metric(metricsPort, "jvm_memory_pool_committed_bytes" + OLD), Math::max);
                assertThat(TopicView.read(broker, listener.topic).events()).hasSize(EVENTS);
            });

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(metric(metricsPort, "dwb_listener_idle_collections_total")).as("collected once quiet")
                        .isGreaterThanOrEqualTo(1);
                long live = metric(metricsPort, "jvm_memory_pool_collection_used_bytes" + OLD);
                long committed = metric(metricsPort, "jvm_memory_pool_committed_bytes" + OLD);
                assertThat(committed).as("old generation committed (%d MB live after its last collection, peak "
                        + "%d MB): at most 30 %% free", live / MB, peak.get() / MB)
                        .isLessThanOrEqualTo((long) (live / 0.70) + MB);
            });
            assertThat(peak.get()).as("the burst grew the old generation with room to spare")
                    .isGreaterThan(metric(metricsPort, "jvm_memory_pool_committed_bytes" + OLD));
            assertThat(process.output()).doesNotContain("cannot restore the heap's free ratios");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    /** One sample of the listener's /metrics, by its name and labels. */
    private static long metric(int metricsPort, String series) throws Exception {
        return (long) ListenerProcess.sample(ListenerProcess.http(metricsPort, "/metrics").getValue(), series);
    }
}
