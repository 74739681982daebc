package io.dwb.bench.fleet;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What should reach Wazuh and what did: each record the generator and the listeners published that becomes an alert
 * (event, gap, state part) by a key both sides compute, and each alert received, with when and on which receiver.
 * Thread-safe: the generator's producers and the receivers write to it at once, in any order.
 */
public final class FleetLedger {
    /** Where an alert arrived: the receiver (forwarder) and System.nanoTime() of its first arrival. */
    private record Arrival(int receiver, long firstNanos, int count) {}

    /** A silent-host or host-back alert. */
    public record HostAlert(String hostId, String event, int receiver, long nanos) {}

    public static final String SILENT = "silent-host";
    public static final String BACK = "host-back";

    private final Map<String, Long> expected = new ConcurrentHashMap<>();
    private final Map<String, Arrival> arrived = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<HostAlert> hostAlerts = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> others = new ConcurrentLinkedQueue<>();

    /** A record committed on the topic that must become an alert; {@code epochNanos} is its own time. */
    public void expect(String key, long epochNanos) {
        expected.put(key, epochNanos);
    }

    public void arrived(String key, int receiver, long nanos) {
        arrived.merge(key, new Arrival(receiver, nanos, 1),
                (a, b) -> new Arrival(a.receiver(), Math.min(a.firstNanos(), b.firstNanos()), a.count() + 1));
    }

    public void hostAlert(HostAlert alert) {
        hostAlerts.add(alert);
    }

    /** An alert of another kind (history-skipped, dead letters...): listed in the report, never expected. */
    public void other(String description) {
        others.add(description);
    }

    public int expectedCount() {
        return expected.size();
    }

    /** Expected records delivered at least once so far. */
    public long deliveredCount() {
        return expected.keySet().stream().filter(arrived::containsKey).count();
    }

    public boolean complete() {
        return arrived.keySet().containsAll(expected.keySet());
    }

    /**
     * The accounting of the run.
     *
     * @param restartEpochNanos when the killed forwarder was restarted, in the records' clock (epoch): what was
     *                          published before waits, on its partitions, until the new process catches up
     * @param killNanos       when the forwarder was SIGKILLed, in System.nanoTime()
     * @param redeliveryNanos how far before the kill a delivery may be repeated (the documented bound: the last
     *                        commit interval plus a commit's round trip)
     * @param killedReceiver  the killed forwarder's receiver
     * @param silentHosts     the hosts that went silent longer than the threshold
     */
    public Outcome outcome(long restartEpochNanos, long killNanos, long redeliveryNanos, int killedReceiver,
                           Set<String> silentHosts) {
        long lost = 0;
        long lastBeforeKill = killNanos;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            Arrival a = arrived.get(e.getKey());
            if (a == null) {
                lost++;
            } else if (e.getValue() <= restartEpochNanos) {
                lastBeforeKill = Math.max(lastBeforeKill, a.firstNanos());
            }
        }
        long duplicates = 0;
        long outOfBound = 0;
        long unexpected = 0;
        for (Map.Entry<String, Arrival> e : arrived.entrySet()) {
            Arrival a = e.getValue();
            if (!expected.containsKey(e.getKey())) {
                unexpected++;
            }
            if (a.count() > 1) {
                duplicates += a.count() - 1;
                boolean redelivered = a.receiver() == killedReceiver && a.firstNanos() <= killNanos
                        && a.firstNanos() >= killNanos - redeliveryNanos;
                if (!redelivered) {
                    outOfBound += a.count() - 1;
                }
            }
        }
        return new Outcome(expected.size(), expected.size() - lost, lost, duplicates, outOfBound, unexpected,
                lastBeforeKill - killNanos, SilentHostCheck.of(silentHosts, List.copyOf(hostAlerts)),
                List.copyOf(others));
    }

    /**
     * @param fullDeliveryAfterKillNanos from the kill until every record published before the restart had arrived
     * @param duplicatesOutOfBound       duplicates that are not the killed forwarder's redelivery of what it sent
     *                                   in the bound before the kill
     * @param unexpected                 alerts for records nobody published
     */
    public record Outcome(long expected, long delivered, long lost, long duplicates, long duplicatesOutOfBound,
                          long unexpected, long fullDeliveryAfterKillNanos, SilentHostCheck silent,
                          List<String> otherAlerts) {}
}
