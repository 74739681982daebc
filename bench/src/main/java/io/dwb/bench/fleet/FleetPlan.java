package io.dwb.bench.fleet;

import io.dwb.listener.HostIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Who the simulated fleet is and what each host does when, deterministic for a seed; times are offsets in
 * nanoseconds from the start of the run, in units of the heartbeat interval I:
 * <ul>
 *   <li>events from 0 to {@code 17 I} (the run's length unless given), at a host's {@link Activity} rate;</li>
 *   <li>heartbeats every I from a random phase in [0, I), until the generator stops;</li>
 *   <li>the forwarder kill at {@code 8 I};</li>
 *   <li>silent hosts send nothing for 5 I (more than the forwarder's three intervals, so each must raise one
 *       {@code silent-host} and one {@code host-back}), half from [I, 2I) and half from [kill + 2 I, kill + 3 I),
 *       both well clear of the kill;</li>
 *   <li>pausing hosts skip one heartbeat (2 I without one, under the threshold: they must raise nothing);</li>
 *   <li>gap hosts publish one gap with its state snapshot at a random time.</li>
 * </ul>
 */
public record FleetPlan(List<SimHost> hosts, long intervalNanos, long eventsNanos, long killAtNanos) {
    /** How many intervals the events last by default, and when the kill comes. */
    public static final int LENGTH_INTERVALS = 17;
    public static final int KILL_INTERVAL = 8;
    public static final int SILENT_INTERVALS = 5;

    /** Mean time between a host's events: most hosts nearly idle, a few busy. */
    public enum Activity {
        IDLE(Duration.ofMinutes(10)), MODERATE(Duration.ofSeconds(30)), BUSY(Duration.ofSeconds(1));

        private final long meanNanos;

        Activity(Duration mean) {
            this.meanNanos = mean.toNanos();
        }

        public long meanNanos() {
            return meanNanos;
        }
    }

    /** A stretch of the run, [from, to). */
    public record Window(long fromNanos, long toNanos) {
        public boolean contains(long t) {
            return t >= fromNanos && t < toNanos;
        }
    }

    /**
     * One simulated host.
     *
     * @param silence   when it sends nothing at all (a stopped listener), or null
     * @param pause     when it skips heartbeats only (one of them), or null
     * @param gapAtNanos when it publishes a gap, or -1
     */
    public record SimHost(int index, HostIdentity identity, Activity activity, long phaseNanos, Window silence,
                          Window pause, long gapAtNanos) {
        public boolean sendsAt(long t) {
            return silence == null || !silence.contains(t);
        }

        public boolean heartbeatAt(long t) {
            return sendsAt(t) && (pause == null || !pause.contains(t));
        }
    }

    public FleetPlan {
        hosts = List.copyOf(hosts);
    }

    /**
     * @param silent how many hosts go silent (even: half in each wave); as many pause, half as many publish a gap
     * @param busyShare and {@code moderateShare}: fractions of the hosts at those rates, the rest idle
     */
    public static FleetPlan of(int count, int silent, Duration interval, Duration length, double busyShare,
                               double moderateShare, long seed) {
        long i = interval.toNanos();
        long events = length.toNanos();
        long kill = Math.min(KILL_INTERVAL * i, events / 2);
        if (3 * silent > count) {
            throw new IllegalArgumentException(count + " hosts cannot hold " + silent + " silent, " + silent
                    + " pausing and " + silent / 2 + " gap hosts");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> order = IntStream.range(0, count).boxed().collect(Collectors.toCollection(ArrayList::new));
        Collections.shuffle(order, new java.util.Random(seed));
        int gaps = Math.max(1, silent / 2);
        List<SimHost> hosts = new ArrayList<>(count);
        int[] role = new int[count]; // 1 silent, 2 pause, 3 gap
        for (int k = 0; k < count; k++) {
            int h = order.get(k);
            role[h] = k < silent ? 1 : k < 2 * silent ? 2 : k < 2 * silent + gaps ? 3 : 0;
        }
        int silentSeen = 0;
        int pauseSeen = 0;
        for (int h = 0; h < count; h++) {
            double draw = random.nextDouble();
            Activity activity = draw < busyShare ? Activity.BUSY : draw < busyShare + moderateShare
                    ? Activity.MODERATE : Activity.IDLE;
            long phase = random.nextLong(i);
            Window silence = null;
            Window pause = null;
            long gapAt = -1;
            if (role[h] == 1) {
                long from = waveStart(silentSeen++ % 2 == 0, i, kill) + random.nextLong(i);
                silence = new Window(from, from + SILENT_INTERVALS * i);
            } else if (role[h] == 2) {
                long from = waveStart(pauseSeen++ % 2 == 0, i, kill) + random.nextLong(i);
                pause = new Window(from, from + i);
            } else if (role[h] == 3) {
                gapAt = i + random.nextLong(Math.max(1, events - 2 * i));
            }
            hosts.add(new SimHost(h, HostIdentity.fromHostName(String.format("fleet-%05d", h)), activity, phase,
                    silence, pause, gapAt));
        }
        return new FleetPlan(hosts, i, events, kill);
    }

    private static long waveStart(boolean first, long interval, long kill) {
        return first ? interval : kill + 2 * interval;
    }

    /** The ids of the hosts that go silent for longer than the forwarder's threshold. */
    public Set<String> silentHostIds() {
        return hosts.stream().filter(h -> h.silence() != null).map(h -> h.identity().id())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Every event, heartbeat and gap of the run falls before this offset (heartbeats go on after it). */
    public long lastSilenceEndNanos() {
        return hosts.stream().filter(h -> h.silence() != null).mapToLong(h -> h.silence().toNanos()).max()
                .orElse(0);
    }
}
