package io.dwb.forwarder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * Which host's events fill a partition's backlog. Records go in their partition's order whatever host wrote them, so
 * one host's flood (an exec or restart loop of anyone who may start a container there, a health check every
 * millisecond) delays every other host of its partition, a twelfth of a fleet on 12 partitions, for as long as the
 * pacer takes to deliver it: their alerts wait, and their silences are judged late. Nothing but the lag said so, which
 * names no host. Fed each engine event sent, and once a second each partition's records waiting, it says when one host
 * wrote at least half of what a partition sent in each of {@link #FLOOD_WINDOWS} windows of {@link #WINDOW_NANOS} in a
 * row, at least {@link #MIN_RECORDS} records a window, faster than the partition sent them (by the events' own times,
 * its engine's clock: a host alone in its partition, read back after a Wazuh outage, wrote at its own pace, and is no
 * flood), while the records waiting there would take the pace of the last window a minute or more ({@link
 * #WAIT_WINDOWS}); then, once, when the partition caught up (no more waiting than the most a window sent since the
 * first flood said). Another host's flood of the partition meanwhile is said as well, once, and the catching up is
 * said of each host said (the latest {@link #SAID_KEPT}). A window Wazuh paused or the loop was held in is dropped
 * ({@link #interrupted}), and a window's length with nothing sent ends a streak. A partition not assigned here is
 * forgotten: its new owner judges it. It does not reorder anything: the order is the contract's.
 *
 * <p>Each partition's window keeps {@link #COUNTERS} hosts (the Space-Saving algorithm: a host not kept takes the
 * place of the least counted, inheriting its count as its possible overcount), so a writer of ever new host ids costs
 * no memory, and a host with half the records is always among them, counted at least as often as it wrote
 * (count less overcount is what is judged). Time is passed in (monotonic nanoseconds). Not thread-safe: the delivery
 * loop owns it.
 */
final class FloodingHosts {
    /** How long a window of a partition's deliveries lasts before it is judged. */
    static final long WINDOW_NANOS = 10_000_000_000L;
    /** The records a window needs to be judged: fewer say nothing of a flood (10 a second). */
    static final int MIN_RECORDS = 100;
    /** How many windows' worth of records must wait behind: a minute at the window's pace. */
    static final int WAIT_WINDOWS = 6;
    /**
     * How many windows in a row the same host must flood: a minute of its records sent, written faster than they
     * were. A burst (a stack restarted, an image pruned: hundreds of events in seconds) read from an old backlog after
     * a Wazuh outage fills one or two, and is no flood.
     */
    static final int FLOOD_WINDOWS = 6;
    /** Hosts counted in a window. */
    static final int COUNTERS = 16;
    /**
     * Hosts said to flood a partition that are remembered until it catches up, the latest: a writer of ever new host
     * ids (one a minute, each flooding for a streak) grew the list without end (10,080 hosts, 5 MB, in a week's flood
     * of one partition), and the partition's catching up then queued an alert for each, ahead of every record. One
     * forgotten is told nothing of the catching up, and is said again if it floods again.
     */
    static final int SAID_KEPT = 16;

    /** What a judgement changed. */
    sealed interface Change extends PartitionChange permits Flooding, CaughtUp {
        /** The host that floods, or flooded, the partition. */
        @Override
        HostRef host();
    }

    /**
     * {@code host} wrote at least {@code records} of the {@code ofRecords} records {@code partition} delivered in the
     * last {@code windowNanos}, and {@code waiting} records wait there.
     */
    record Flooding(TopicPartition partition, HostRef host, long records, long ofRecords, long windowNanos,
                    long waiting) implements Change {}

    /** {@code partition}, flooded by {@code host}, caught up {@code floodNanos} after it was said. */
    record CaughtUp(TopicPartition partition, HostRef host, long floodNanos) implements Change {}

    /** One partition's deliveries since its window started: the most frequent hosts among them. */
    private static final class Window {
        final long startNanos;
        final HostRef[] hosts = new HostRef[COUNTERS];
        final long[] counts = new long[COUNTERS];
        final long[] overcounts = new long[COUNTERS];
        /** The earliest and latest event times (ns) of each kept host's records since it was kept. */
        final long[] firstNanos = new long[COUNTERS];
        final long[] lastNanos = new long[COUNTERS];
        int kept;
        int last; // a flood's host comes again and again: looked at first
        long records;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }

        void add(HostRef host, long writtenNanos) {
            records++;
            if (kept > 0 && hosts[last].equals(host)) {
                counted(last, writtenNanos);
                return;
            }
            for (int i = 0; i < kept; i++) {
                if (hosts[i].equals(host)) {
                    last = i;
                    counted(i, writtenNanos);
                    return;
                }
            }
            if (kept < COUNTERS) {
                last = kept++;
                kept(last, host, 0, writtenNanos);
                return;
            }
            int least = 0;
            for (int i = 1; i < COUNTERS; i++) {
                if (counts[i] < counts[least]) {
                    least = i;
                }
            }
            last = least;
            kept(least, host, counts[least], writtenNanos);
        }

        private void counted(int i, long writtenNanos) {
            counts[i]++;
            firstNanos[i] = Math.min(firstNanos[i], writtenNanos);
            lastNanos[i] = Math.max(lastNanos[i], writtenNanos);
        }

        private void kept(int i, HostRef host, long overcount, long writtenNanos) {
            hosts[i] = host;
            overcounts[i] = overcount;
            counts[i] = overcount + 1;
            firstNanos[i] = writtenNanos;
            lastNanos[i] = writtenNanos;
        }

        /** The kept host counted most surely (count less overcount), or -1 when none is kept. */
        int top() {
            int top = -1;
            for (int i = 0; i < kept; i++) {
                if (top < 0 || counts[i] - overcounts[i] > counts[top] - overcounts[top]) {
                    top = i;
                }
            }
            return top;
        }
    }

    /**
     * The host that qualified in each of a partition's last {@code windows} judged windows, in a row, and when the last
     * of them was judged, or when an interruption last dropped the windows after it (its time is no quiet).
     */
    private record Streak(HostRef host, int windows, long endNanos) {}

    /** A host said to flood a partition, and when. */
    private record Flooder(HostRef host, long sinceNanos) {}

    /**
     * The floods said of a partition not caught up since: the hosts in the order said, and the most records a window
     * of the partition delivered since the first was (the bound of its catching up: a window of a few records, at a
     * lull, lowered it to those few, and a partition whose lag never fell that low stayed flooded).
     */
    private record Said(List<Flooder> hosts, long windowRecords) {
        boolean of(HostRef host) {
            return hosts.stream().anyMatch(f -> f.host().equals(host));
        }

        Said and(Flooder flooder, long records) {
            List<Flooder> more = new ArrayList<>(hosts);
            more.add(flooder);
            return new Said(List.copyOf(more.subList(Math.max(0, more.size() - SAID_KEPT), more.size())),
                    Math.max(windowRecords, records));
        }
    }

    private final Map<TopicPartition, Window> windows = new HashMap<>();
    private final Map<TopicPartition, Streak> streaks = new HashMap<>();
    private final Map<TopicPartition, Said> said = new HashMap<>();

    /** The partitions whose flood was said and that did not catch up since. */
    int flooded() {
        return said.size();
    }

    /**
     * An engine event of {@code host} sent from {@code partition}, written at {@code writtenNanos} (its {@code
     * timeNano}, by its host's engine; a duplicate passed over takes no turn of the pace and is not counted).
     */
    void delivered(TopicPartition partition, HostRef host, long writtenNanos, long nowNanos) {
        Window window = windows.get(partition);
        if (window == null) {
            window = new Window(nowNanos);
            windows.put(partition, window);
        }
        window.add(host, writtenNanos);
    }

    /**
     * Delivery was paused (Wazuh refusing) or the loop held at {@code nowNanos}: the windows open now would count that
     * time as delivery's, making its pace look slower than it is. They are dropped; the streaks stand, their quiet
     * counted from now.
     */
    void interrupted(long nowNanos) {
        windows.clear();
        // A pause of minutes is no quiet window, but an hour's quiet after it is
        streaks.replaceAll((partition, streak) -> new Streak(streak.host(), streak.windows(), nowNanos));
    }

    /**
     * Judges the partitions assigned here, given the records waiting in each (empty when not known: Kafka does not
     * answer); every other partition is forgotten. The changes, in no particular order.
     */
    List<Change> judge(Map<TopicPartition, OptionalLong> waiting, long nowNanos) {
        windows.keySet().retainAll(waiting.keySet());
        streaks.keySet().retainAll(waiting.keySet());
        said.keySet().retainAll(waiting.keySet());
        List<Change> changes = new ArrayList<>();
        for (Iterator<Map.Entry<TopicPartition, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, Window> entry = it.next();
            Window window = entry.getValue();
            long lasted = nowNanos - window.startNanos;
            if (lasted < WINDOW_NANOS) {
                continue;
            }
            it.remove(); // the next record sent starts the next window
            TopicPartition partition = entry.getKey();
            Said flood = said.get(partition);
            if (flood != null) {
                flood = new Said(flood.hosts(), Math.max(flood.windowRecords(), window.records));
                said.put(partition, flood);
            }
            int top = window.top();
            // A host said goes on flooding: said once. Another host's flood meanwhile is said (before, one a
            // partition until it caught up, and a second host's was hidden behind the first's, which an operator
            // looked at while it had stopped)
            if (top < 0 || !floods(window, top, lasted) || flood != null && flood.of(window.hosts[top])) {
                streaks.remove(partition);
                continue;
            }
            Streak before = streaks.get(partition);
            // In a row: a window's length with nothing sent between the two is a quiet window, which ends the streak
            // (before, hourly bursts of a few windows each added up to a flood said at the first window of a burst)
            boolean inARow = before != null && before.host().equals(window.hosts[top])
                    && window.startNanos - before.endNanos() < WINDOW_NANOS;
            Streak streak = new Streak(window.hosts[top], inARow ? before.windows() + 1 : 1, nowNanos);
            streaks.put(partition, streak);
            OptionalLong left = waiting.get(partition);
            if (streak.windows() >= FLOOD_WINDOWS && left.isPresent()
                    && left.getAsLong() >= WAIT_WINDOWS * window.records) {
                streaks.remove(partition);
                Flooder flooder = new Flooder(streak.host(), nowNanos);
                said.put(partition, flood == null ? new Said(List.of(flooder), window.records)
                        : flood.and(flooder, window.records));
                changes.add(new Flooding(partition, streak.host(), window.counts[top] - window.overcounts[top],
                        window.records, lasted, left.getAsLong()));
            }
        }
        for (Iterator<Map.Entry<TopicPartition, Said>> it = said.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, Said> flood = it.next();
            OptionalLong left = waiting.get(flood.getKey());
            // Within a window's deliveries of the end: a busy partition's records keep coming, and seldom is none left
            if (left.isPresent() && left.getAsLong() <= flood.getValue().windowRecords()) {
                it.remove();
                // One for each host said: each one's agent (--agent-keys) was told of its flood, and hears its end
                for (Flooder flooder : flood.getValue().hosts()) {
                    changes.add(new CaughtUp(flood.getKey(), flooder.host(), nowNanos - flooder.sinceNanos()));
                }
            }
        }
        return changes;
    }

    /**
     * Whether {@code window}'s host {@code top} floods: at least {@link #MIN_RECORDS} sent, at least half of them
     * surely its, written faster than they were sent (a span of 0: at once).
     */
    private static boolean floods(Window window, int top, long lastedNanos) {
        long surely = window.counts[top] - window.overcounts[top];
        double writtenNanos = window.lastNanos[top] - (double) window.firstNanos[top]; // forged times: no overflow
        return window.records >= MIN_RECORDS && 2 * surely >= window.records
                && surely * (double) lastedNanos > window.records * writtenNanos;
    }
}
