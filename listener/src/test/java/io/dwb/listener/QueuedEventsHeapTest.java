package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.OutOfMemoryExit;
import io.dwb.schemas.testing.JavaProcess;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Events read while Kafka takes none (a stall, an outage) pile up in the {@link EventQueue} until its byte bound
 * makes the reader disconnect: what it counts must be what they hold, or bin/listener's 64 MB heap runs out first
 * (exit 3). A local user's {@code docker exec} chooses the biggest part of such an event, its Action (the whole
 * command line). Each case runs the reading thread's work (split, offer, nothing drained) in a JVM of its own with
 * bin/listener's flags, and says what the queue counted and how much the live heap grew.
 */
class QueuedEventsHeapTest {
    private static final Pattern REPORT = Pattern.compile("queued (\\d+) of (\\d+) events, refused: (\\w+); "
            + "counted (\\d+) bytes; the live heap grew by (-?\\d+) bytes");
    /**
     * What else may be live beside the queued events: the splitter's buffers for the event being read (its kept
     * bytes, up to a megabyte, and the parser's), the queue's array.
     */
    private static final long SLACK = 4L << 20;

    @Test
    void standInsOfHugeExecCommandLinesQueueWithoutExhaustingTheListenersHeap() throws Exception {
        // 48 events of 3 MB, each a stand-in of a few KB: had each kept its Action, 96 MB of String
        Report report = run("huge-exec", 48);

        assertThat(report.queued()).as("every stand-in queued").isEqualTo(48);
        assertThat(report.counted()).as("a few KB each").isLessThan(48 * 10_000L);
        assertThat(report.heapGrowth()).as("the heap holds what the queue counts").isLessThan(report.counted()
                + SLACK);
    }

    @Test
    void aQueueFullOfMegabyteExecEventsHoldsWhatItCountsNotTwice() throws Exception {
        // 900 KB of ASCII command line, under Kafka's limit: published as it is, its Action was held twice
        Report report = run("large-exec", 40);

        assertThat(report.refused()).as("the queue's 16 MiB filled: the reader disconnects").isTrue();
        assertThat(report.counted()).isGreaterThan(EventQueue.DEFAULT_BYTES - (1L << 20));
        assertThat(report.heapGrowth()).as("the heap holds what the queue counts").isLessThan(report.counted()
                + SLACK);
    }

    private record Report(int queued, boolean refused, long counted, long heapGrowth) {}

    private static Report run(String events, int count) throws Exception {
        try (JavaProcess process = JavaProcess.start(FillTheQueue.class, JavaProcess.launcherFlags("listener"),
                Map.of(), List.of(events, Integer.toString(count)))) {
            int status = process.waitFor(Duration.ofMinutes(3));
            String output = process.output();
            assertThat(status).as("exit status (%d: out of memory); output:%n%s", OutOfMemoryExit.STATUS,
                    process.outputTail(4_000)).isZero();
            Matcher m = REPORT.matcher(output);
            assertThat(m.find()).as("the report line in:%n%s", output).isTrue();
            return new Report(Integer.parseInt(m.group(1)), Boolean.parseBoolean(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
        }
    }

    /**
     * The reading thread while nothing is published: events split from the engine's bytes and offered to a queue of
     * the default bounds until it refuses one, an OutOfMemoryError exiting 3 as in the listener.
     */
    static final class FillTheQueue {
        public static void main(String[] args) {
            OutOfMemoryExit.install(Main.VITAL_THREADS);
            byte[] head = head(args[0]);
            int count = Integer.parseInt(args[1]);
            EventQueue queue = new EventQueue(10_000, EventQueue.DEFAULT_BYTES);
            EventSplitter splitter = new EventSplitter("host-1", TransactionalPublisher.maxEventBytes(
                    new Properties()));
            byte[] read = new byte[16 * 1024];
            long before = liveHeap();
            int queued = 0;
            boolean refused = false;
            while (queued < count && !refused) {
                long timeNano = 1_790_000_000_000_000_000L + queued;
                byte[] tail = (timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}\n")
                        .getBytes(StandardCharsets.UTF_8);
                List<CapturedEvent> split = new ArrayList<>(1);
                feed(splitter, head, read, split::add);
                feed(splitter, tail, read, split::add);
                refused = !queue.offer(split.get(0));
                queued += refused ? 0 : 1;
            }
            long grown = liveHeap() - before;
            System.out.println("queued " + queued + " of " + count + " events, refused: " + refused + "; counted "
                    + queue.bytes() + " bytes; the live heap grew by " + grown + " bytes (queue of " + queue.size()
                    + ")");
        }

        /** An exec_create event up to its {@code time}'s value: a command of 3-byte characters, or of ASCII. */
        private static byte[] head(String events) {
            String command = events.equals("huge-exec") ? "\u20ac".repeat(1_000_000) : "x".repeat(900_000);
            return ("{\"Type\":\"container\",\"Action\":\"exec_create: sh " + command + "\",\"Actor\":{\"ID\":"
                    + "\"4f2c4f2c4f2c\",\"Attributes\":{\"execID\":\"e1\",\"image\":\"busybox\",\"name\":\"victim\"}},"
                    + "\"scope\":\"local\",\"time\":").getBytes(StandardCharsets.UTF_8);
        }

        /** {@code bytes} in reads of the reused buffer {@code read}, as EventStream feeds them. */
        private static void feed(EventSplitter splitter, byte[] bytes, byte[] read,
                                 Consumer<CapturedEvent> sink) {
            for (int at = 0; at < bytes.length; at += read.length) {
                int n = Math.min(read.length, bytes.length - at);
                System.arraycopy(bytes, at, read, 0, n);
                splitter.feed(read, n, sink);
            }
        }

        /** The heap in use after a full collection (bin/listener's serial collector): what is live. */
        private static long liveHeap() {
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }
}
