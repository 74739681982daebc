package io.dwb.forwarder;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.HostPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Notices hosts whose listener stopped sending heartbeats: silent for three of its own intervals means the
 * listener, its host or its link to Kafka is down, and events may be piling up or being lost there. Raised once;
 * when the host is heard again, a {@link Back} says so. A listener told to stop says so in its last heartbeat
 * ({@code stopping}): if it does not start again within those three intervals it is reported {@link Silent#stopped}
 * instead (a fleet's hosts are scaled in and out every day: each one was a level-8 alert), and may give its place in
 * a full watch to a new host at once; if it does, nothing is said.
 *
 * <p>A host is judged against the {@link PartitionTime} of the partition it lives in, never by when this process
 * consumed its records: a forwarder that lags (pacing, a backlog, a new owner after a rebalance) reads old heartbeats
 * next to records just as old, so nobody looks silent. Its silence is how far that time got since its last heartbeat
 * was read, not how far it is from the time the heartbeat carries: a host's clock may be minutes off, and one
 * 120 s slow was reported silent after each of its heartbeats, and back at the next.
 *
 * <p>The partition's time moves with its watched hosts' heartbeats, each one to its time but no further than the
 * partition's time when its host's previous heartbeat was read plus what the host's own clock counted between the
 * two. So only differences of each host's clock count, as only differences of this process's clock do: a host whose
 * clock runs ahead does not drag its partition with it (one 5 min fast made every other host of its partition
 * silent, then back, at each heartbeat of a backlog). Nor does one whose clock steps ahead: a heartbeat moves the
 * partition's time more than one interval on only when another host says as much ({@link PartitionTime#leap}). The
 * first heartbeat of a host, and those of hosts not watched, move nothing: they only give a partition that has no
 * time yet its first. Events do not move it either, being dated by their host's clock with no heartbeat to bound
 * them. Hosts of partitions this process no longer owns are forgotten. A new owner learns the hosts of a partition
 * from the heartbeats its previous owner delivered last, re-read before delivery resumes ({@link #handingOver}): else
 * a host silent or stopped just before a rebalance (a forwarder's restart, a scale-out) was never reported by anyone,
 * and one already reported was never said back.
 *
 * <p>A heartbeat's time is anyone's who may write the topic, so none counts as later than this process's wall clock
 * plus {@link #AHEAD_NANOS}: one heartbeat dated 2099 moved its partition's time there, and every host of the
 * partition was reported silent, forgotten and reported again, interval after interval, until a restart.
 */
public final class SilentHostWatch {
    private static final int MISSED_INTERVALS = Heartbeat.MISSED_INTERVALS;
    /**
     * The most hosts one forwarder watches, and at most {@link #MAX_WATCHED_BYTES} of them: a fleet's partitions
     * are shared by the group's forwarders, but anyone who may write a heartbeat chooses its host id. When full, a
     * new host takes the place of the one reported silent longest, once silent for {@link #REPLACEABLE_AFTER_NANOS};
     * with none so, it is not watched. A host still heard is never put out for a new one (else a writer of new host
     * ids could hide a host's silence), nor one just silent (a reboot would lose its place for good).
     */
    static final int MAX_WATCHED = 50_000;
    /**
     * What the hosts watched may take of the forwarder's 72 MB heap, by {@link #bytes}: hosts of 256-byte names and
     * ids take about a kilobyte each (50,000 of them 50 MB); 400-450 bytes is usual (a 64-character id and a host
     * name), so this bounds a fleet's watch from about 45,000 hosts, before the count.
     */
    static final long MAX_WATCHED_BYTES = 20L * 1024 * 1024;
    /** What a host watched takes beyond its strings (the entry, the host, the strings' headers), estimated. */
    private static final int HOST_OVERHEAD_BYTES = 256;
    /**
     * A host reported silent and not heard for this long is forgotten: a fleet's hosts come and go, and each one
     * kept costs memory for good. Heard again later, it is watched as a new host (no {@code host-back}).
     */
    static final long FORGET_AFTER_NANOS = Duration.ofDays(7).toNanos();
    /** A host reported silent and not heard for this long may give its place to a new host when the watch is full. */
    static final long REPLACEABLE_AFTER_NANOS = Duration.ofDays(1).toNanos();
    /**
     * How far ahead of this process's clock a heartbeat's time is taken as it is: listener hosts' clocks may run a
     * little ahead; past that it counts as this clock plus this.
     */
    static final long AHEAD_NANOS = Duration.ofSeconds(5).toNanos();
    /**
     * How far from this process's clock a host's heartbeats, read as soon as they are written, may be dated before the
     * host's clock is said to be wrong (its records' times are in its alerts); beyond a listener's slowest commit.
     */
    static final long CLOCK_SKEW_NANOS = Duration.ofSeconds(60).toNanos();
    /** Hosts' clocks found wrong that may wait to be said; past that, a host is found again at its next heartbeat. */
    static final int MAX_SKEWS_WAITING = 100;
    private static final long NOT_SKEWED = Long.MIN_VALUE;

    private final Map<Integer, PartitionTime> partitions = new HashMap<>();
    private final Map<String, Watched> hosts = new HashMap<>();
    /** The partitions taking no writes at the last {@link #unwritable} call, and when it was (monotonic). */
    private Map<Integer, Long> unwritableAt = Map.of();
    /** The partitions taking no writes, and their time when they stopped (ns): what a hand-over's mark says. */
    private final Map<Integer, Long> stillSince = new HashMap<>();
    /** The hosts silent for {@link #REPLACEABLE_AFTER_NANOS}, by key, in the order they became so. */
    private final Map<String, Watched> replaceable = new LinkedHashMap<>();
    /**
     * The hosts found silent that a check had no room to report, by key, in the order found: reported first at the
     * next checks, so that new silent hosts, however many, do not hold one back for good.
     */
    private final Map<String, Watched> unreported = new LinkedHashMap<>();
    private final List<ClockSkew> skews = new ArrayList<>();
    private final int maxWatched;
    private final long maxWatchedBytes;
    private long watchedBytes;
    private long replaceableBytes;
    private final LongSupplier epochNanos;
    private long notWatched;
    private long forgotten;
    private long replaced;
    private long ahead;
    private long moved;
    /** The topic's partition count (0: not known yet), and those it had before in this process's life. */
    private int partitionCount;
    private final Set<Integer> earlierCounts = new HashSet<>();
    /** The partitions of the topic this forwarder is assigned, as of the last {@link #partitionCount}. */
    private Set<Integer> assigned = Set.of();
    /**
     * A new partition count the metadata shows and the assignment may not reflect yet (0: none): the rebalance that
     * assigns the new partitions comes after it. Until then its moving hosts are kept, not judged ({@link #moving}).
     */
    private int pendingCount;
    /** The counts seen before {@link #pendingCount} not applied yet: {@link #partitionCount} and any in between. */
    private final Set<Integer> pendingEarlier = new HashSet<>();
    /** The count seen just before {@link #pendingCount}: an assigned partition at or past it reflects the change. */
    private int pendingFrom;
    private long pendingSinceNanos;
    /**
     * How long a new partition count waits, at most, for the assignment to reflect it: {@link #pendingCountNanos}.
     * A forwarder given none of the new partitions cannot tell the rebalance that reflects it from any other (see
     * {@link #partitionCount}), so it waits this long.
     */
    private final long pendingCountNanos;
    /**
     * What a new partition count waits beyond the group leader's metadata refresh: the rebalance that follows it (a
     * cooperative one takes two generations, each up to the members' next poll).
     */
    static final Duration REBALANCE_AFTER_REFRESH = Duration.ofSeconds(270);
    /** {@link #pendingCountNanos} of a forwarder with the default {@code metadata.max.age.ms}: 5 minutes. */
    static final long PENDING_COUNT_NANOS = pendingCountNanos(Forwarder.METADATA_MAX_AGE);
    /**
     * Partitions whose previous owner's last heartbeats are being re-read, their hosts not judged yet, with what
     * that owner's last commit said ({@link WatchHandover.Mark}).
     */
    private final Map<Integer, WatchHandover.Mark> handingOver = new HashMap<>();
    /**
     * How long a host may have been over three missed intervals at the previous owner's last commit and still not
     * reported by it: it judges once a second, and commits what it read at most a second before.
     */
    static final long JUDGED_WITHIN_NANOS = Duration.ofSeconds(2).toNanos();

    /** With the forwarder's default {@code metadata.max.age.ms}. */
    public SilentHostWatch() {
        this(Forwarder.METADATA_MAX_AGE);
    }

    /**
     * @param metadataMaxAge the forwarder's {@code metadata.max.age.ms}, taken as the group leader's too (the
     *                       forwarders of a group share their client properties): a new partition count waits that
     *                       long, and the rebalance after it, for the assignment to reflect it
     */
    public SilentHostWatch(Duration metadataMaxAge) {
        // Never back: after this host's clock stepped back, every heartbeat looked ahead of it and was taken as it
        // plus a few seconds, each host's last heartbeat stood still while its partition moved on, and every host was
        // reported silent, then back at its next heartbeat, then silent again, for as long as the step.
        this(MAX_WATCHED, MAX_WATCHED_BYTES, new SteadyWallClock(ContractJson::epochNanosNow, System::nanoTime),
                pendingCountNanos(metadataMaxAge));
    }

    SilentHostWatch(int maxWatched) {
        this(maxWatched, new SteadyWallClock(ContractJson::epochNanosNow, System::nanoTime));
    }

    SilentHostWatch(int maxWatched, LongSupplier epochNanos) {
        this(maxWatched, MAX_WATCHED_BYTES, epochNanos);
    }

    SilentHostWatch(int maxWatched, long maxWatchedBytes, LongSupplier epochNanos) {
        this(maxWatched, maxWatchedBytes, epochNanos, PENDING_COUNT_NANOS);
    }

    /** @param epochNanos the wall clock, nanoseconds since the epoch: the latest a record's time is taken as */
    private SilentHostWatch(int maxWatched, long maxWatchedBytes, LongSupplier epochNanos, long pendingCountNanos) {
        this.maxWatched = maxWatched;
        this.maxWatchedBytes = maxWatchedBytes;
        this.epochNanos = epochNanos;
        this.pendingCountNanos = pendingCountNanos;
    }

    /**
     * How long a new partition count waits, at most, for the assignment to reflect it: the group's leader sees the
     * count at its next metadata refresh, up to {@code metadataMaxAge} after this forwarder did, and the rebalance
     * follows. With Kafka's default age (5 minutes) a fixed 5 minutes applied the count before the leader's rebalance.
     */
    static long pendingCountNanos(Duration metadataMaxAge) {
        // Saturated: an age of centuries (a refresh turned off) must not overflow into an exception or a past bound
        return metadataMaxAge.compareTo(Duration.ofNanos(Long.MAX_VALUE).minus(REBALANCE_AFTER_REFRESH)) >= 0
                ? Long.MAX_VALUE : metadataMaxAge.plus(REBALANCE_AFTER_REFRESH).toNanos();
    }

    /** {@code recordNanos}, or this clock plus {@link #AHEAD_NANOS} when it is later: counted. */
    private long notAhead(long recordNanos) {
        long latest = epochNanos.getAsLong() + AHEAD_NANOS;
        if (recordNanos > latest) {
            ahead++;
            return latest;
        }
        return recordNanos;
    }

    /**
     * A host that went silent: no heartbeat for {@code silentSeconds} of its partition's time. {@code stopped}: its
     * last heartbeat said its listener was stopping.
     */
    public record Silent(HostRef host, long intervalSeconds, long silentSeconds, long lastHeartbeatNano,
                         boolean stopped) {}

    /**
     * A host silent whose heartbeat came again, {@code silentSeconds} after the one before. {@code missed}: the
     * silence was not reported while it lasted (both heartbeats were read between two judgements, e.g. from a
     * backlog read fast), so it is to be reported now, before the host is said back; null when it was reported.
     */
    public record Back(HostRef host, long silentSeconds, long lastHeartbeatNano, long heartbeatNano, Silent missed) {}

    /**
     * A host whose heartbeats, read while its partition is live, stayed dated {@code skewNanos} from this process's
     * wall clock (ahead: positive) for three of its intervals: its clock, or this one, is wrong.
     */
    public record ClockSkew(HostRef host, long skewNanos) {}

    private static final class Watched {
        final String key;
        HostRef host;
        int partition;
        /** Its records' key's {@link HostPartition#hash}, -1 when not known. */
        int keyHash = -1;
        long intervalNanos;
        /** The latest time its heartbeats carried (its clock's). */
        long lastHeartbeatNano;
        /** Its partition's time when its last heartbeat was read: what its silence is measured from. */
        long heardAtNanos;
        boolean reported;
        /** Its last heartbeat said its listener was stopping. */
        boolean stopping;
        /** Since when (this process's monotonic clock) its heartbeats are dated too far from this clock, if so. */
        long skewedSinceNanos = NOT_SKEWED;
        boolean skewSaid;
        /** How far its last heartbeat read live was dated from this clock, when that was too far; else 0. */
        long skewNanos;
        /** {@link #bytes} of its host. */
        long bytes;

        Watched(String key) {
            this.key = key;
        }
    }

    /**
     * A heartbeat of {@code host} in {@code partition}, read at {@code nowNanos} (the monotonic clock); a {@link Back}
     * when the host had been reported silent, else null.
     */
    public Back heartbeat(int partition, HostRef host, long intervalSeconds, long claimedTimeNano, long nowNanos) {
        return heartbeat(partition, host, -1, intervalSeconds, claimedTimeNano, false, nowNanos);
    }

    /**
     * As above, with the record key's {@link HostPartition#hash}: a heartbeat in a partition its host moved away from
     * (partitions were added since) is not watched there.
     */
    public Back heartbeat(int partition, HostRef host, int keyHash, long intervalSeconds, long claimedTimeNano,
                          long nowNanos) {
        return heartbeat(partition, host, keyHash, intervalSeconds, claimedTimeNano, false, nowNanos);
    }

    /** As above; {@code stopping}: the heartbeat says its listener is stopping, and none follows until it starts. */
    public Back heartbeat(int partition, HostRef host, int keyHash, long intervalSeconds, long claimedTimeNano,
                          boolean stopping, long nowNanos) {
        Back back = judge(partition, host, keyHash, intervalSeconds, claimedTimeNano, stopping, nowNanos);
        partitionTime(partition).heard(nowNanos);
        return back;
    }

    private Back judge(int partition, HostRef host, int keyHash, long intervalSeconds, long claimedTimeNano,
                       boolean stopping, long nowNanos) {
        long heartbeatTimeNano = notAhead(claimedTimeNano);
        PartitionTime time = partitionTime(partition);
        if (!time.known()) {
            time.reach(heartbeatTimeNano, nowNanos); // its first time, whoever gives it
        }
        Watched w = hosts.get(host.key());
        if (movedAway(keyHash, partition)) {
            // One its listener wrote before it learnt of the new partitions: the host is its new partition's now.
            if (w != null && w.partition == partition) {
                hosts.remove(w.key);
                dropped(w);
                moved++;
            }
            return null;
        }
        boolean known = w != null;
        long bytes = bytes(host);
        if (!known) {
            if (!makeRoom(1, bytes)) {
                notWatched++;
                return null;
            }
            w = new Watched(host.key());
            hosts.put(w.key, w);
        }
        Back back = null;
        if (known) {
            long silence = heard(w, partition, time, heartbeatTimeNano, nowNanos);
            // A silence of more than three intervals that no judgement saw (a backlog read between two of them):
            // reported now, before the host is said back.
            Silent missed = !w.reported && silence > MISSED_INTERVALS * w.intervalNanos
                    ? new Silent(host, w.intervalNanos / 1_000_000_000L, silence / 1_000_000_000L, w.lastHeartbeatNano,
                            w.stopping)
                    : null;
            back = w.reported || missed != null
                    ? new Back(host, silence / 1_000_000_000L, w.lastHeartbeatNano, heartbeatTimeNano, missed)
                    : null;
        }
        unmark(w); // heard: neither to be reported nor to be put out
        // A host's name may change from one heartbeat to the next; one that grows past the bound keeps its last.
        if (!known || bytes <= w.bytes || makeRoom(0, bytes - w.bytes)) {
            w.host = host;
            watchedBytes += bytes - w.bytes;
            w.bytes = bytes;
        }
        w.partition = partition;
        w.keyHash = keyHash;
        w.intervalNanos = Math.max(1, intervalSeconds) * 1_000_000_000L;
        w.lastHeartbeatNano = known ? Math.max(w.lastHeartbeatNano, heartbeatTimeNano) : heartbeatTimeNano;
        w.heardAtNanos = time.at(nowNanos);
        w.reported = false;
        w.stopping = stopping;
        if (time.live()) {
            checkClock(w, claimedTimeNano, nowNanos);
        }
        return back;
    }

    /**
     * Moves {@code time} on with a heartbeat of a watched host: to its time, but no further than the partition's time
     * at its previous heartbeat plus what the host's clock counted since (a clock stepped back counts nothing until it
     * is past its latest time again); more than one of its intervals past where the partition is only when another
     * host says as much ({@link PartitionTime#leap}). Returns the host's silence: how far the partition's time got
     * since its previous heartbeat, or what its clock counted when it claims more than one interval (a host alone in
     * its partition, heard again after a silence, has no one else to say it).
     */
    private long heard(Watched w, int partition, PartitionTime time, long heartbeatTimeNano, long nowNanos) {
        if (w.partition != partition) {
            // It moved here from another partition of this forwarder, whose time is another count: its silence is
            // measured there, and it moves nothing here before it was read here once.
            return partitionTime(w.partition).at(nowNanos) - w.heardAtNanos;
        }
        long counted = heartbeatTimeNano - w.lastHeartbeatNano;
        long claimed = Math.min(heartbeatTimeNano, w.heardAtNanos + counted);
        long furthest = time.at(nowNanos) + w.intervalNanos;
        if (claimed <= furthest) {
            time.reach(claimed, nowNanos);
            return time.at(nowNanos) - w.heardAtNanos;
        }
        Watched confirmed = hosts.get(time.leap(w.key, claimed, furthest, MISSED_INTERVALS * w.intervalNanos,
                nowNanos));
        if (confirmed != null && confirmed.partition == partition) {
            confirmed.heardAtNanos = Math.max(confirmed.heardAtNanos, time.at(nowNanos)); // its claim borne out
        }
        return Math.max(time.at(nowNanos) - w.heardAtNanos, counted);
    }

    /**
     * Whether the heartbeat of {@code w}, read as soon as it was written (its partition live), is dated too far from
     * this clock: said once, when it has been so for three of its intervals (a burst a listener held while Kafka was
     * away is read within moments, not for three intervals).
     */
    private void checkClock(Watched w, long claimedTimeNano, long nowNanos) {
        long skew = claimedTimeNano - epochNanos.getAsLong();
        if (Math.abs(skew) <= CLOCK_SKEW_NANOS) {
            w.skewedSinceNanos = NOT_SKEWED;
            w.skewSaid = false; // right again: said again if it goes wrong again
            w.skewNanos = 0;
            return;
        }
        w.skewNanos = skew;
        if (w.skewedSinceNanos == NOT_SKEWED) {
            w.skewedSinceNanos = nowNanos;
        } else if (!w.skewSaid && nowNanos - w.skewedSinceNanos >= MISSED_INTERVALS * w.intervalNanos
                && skews.size() < MAX_SKEWS_WAITING) {
            skews.add(new ClockSkew(w.host, skew));
            w.skewSaid = true;
        }
    }

    /**
     * How far the host of {@code hostKey} dates its records from this clock (ahead: positive), once found so ({@link
     * ClockSkew}, three of its intervals over {@value #CLOCK_SKEW_NANOS} ns), as its last heartbeat read live said;
     * 0 otherwise. What the delivery latency of its events is set right by: a host a minute slow made each of them a
     * minute late, and a few such hosts of a fleet fired DwbForwarderDeliverySlow for good.
     */
    public long clockSkewNanos(String hostKey) {
        Watched w = hosts.get(hostKey);
        return w != null && w.skewSaid ? w.skewNanos : 0;
    }

    /** The hosts whose clocks were found wrong since the last call, each once. */
    public List<ClockSkew> skewedClocks() {
        List<ClockSkew> found = List.copyOf(skews);
        skews.clear();
        return found;
    }

    /**
     * Whether everything of {@code partition} is delivered and Wazuh takes datagrams: only then does time without
     * records mean the hosts there said nothing.
     */
    public void live(int partition, boolean live, long nowNanos) {
        partitionTime(partition).live(live, nowNanos);
    }

    /**
     * The partitions that take no writes now ({@link UnwritablePartitions}), live or not (the delivery loop makes their
     * time run as a live one's): the listeners' records cannot reach them, so the time that passes is nobody's silence.
     * Their time runs on with the clock as a live partition's, so that the heartbeats written once they take writes
     * again, dated then, are no leap; and each of their hosts is taken as heard that much later, its silence standing
     * where it was. Before, such a partition counted as live: every host of it was reported silent after three
     * intervals, then back. Called with the live checks, once a second; the first call of a partition's outage starts
     * it.
     */
    public void unwritable(Set<Integer> partitions, long nowNanos) {
        if (!unwritableAt.isEmpty()) {
            for (Watched w : hosts.values()) {
                Long last = unwritableAt.get(w.partition);
                if (last != null && partitions.contains(w.partition)) {
                    w.heardAtNanos += nowNanos - last;
                }
            }
        }
        if (!stillSince.isEmpty()) {
            stillSince.keySet().retainAll(partitions);
        }
        if (partitions.isEmpty()) {
            unwritableAt = Map.of(); // the common case, once a second: nothing made
            return;
        }
        for (int p : partitions) {
            PartitionTime time = this.partitions.get(p);
            if (time != null && time.known()) {
                stillSince.putIfAbsent(p, time.at(nowNanos)); // before this call's run of it: the outage's start
            }
        }
        Map<Integer, Long> now = new HashMap<>();
        partitions.forEach(p -> now.put(p, nowNanos));
        unwritableAt = now;
    }

    /**
     * How many hosts of {@code partition} found silent wait for a later {@link #newlySilent} call to be returned (past
     * its {@code max}).
     */
    public int unreported(int partition) {
        int count = 0;
        for (Watched w : unreported.values()) {
            if (w.partition == partition) {
                count++;
            }
        }
        return count;
    }

    /** Hosts that just crossed three missed intervals, all of them; each is returned once until heard again. */
    public List<Silent> newlySilent(long nowNanos) {
        return newlySilent(nowNanos, Integer.MAX_VALUE);
    }

    /**
     * At most {@code max} hosts that crossed three missed intervals; each is returned once until it is heard again.
     * Those past {@code max} are returned by the next calls first, in the order found: their alerts are delayed, not
     * lost, and no number of new silent hosts keeps one back for good (50,000 forged hosts made silent at once queued
     * 50,000 formatted alerts).
     */
    public List<Silent> newlySilent(long nowNanos, int max) {
        List<Silent> silent = new ArrayList<>();
        for (Iterator<Watched> it = unreported.values().iterator(); it.hasNext() && silent.size() < max; ) {
            Watched w = it.next();
            it.remove();
            report(w, nowNanos, silent);
        }
        for (Iterator<Watched> it = hosts.values().iterator(); it.hasNext(); ) {
            Watched w = it.next();
            if (handingOver.containsKey(w.partition)) {
                continue; // judged once its previous owner's last heartbeats are read (handedOver)
            }
            if (moving(w)) {
                continue; // judged, or forgotten, once the assignment reflects the new partition count
            }
            long quiet = partitionTime(w.partition).at(nowNanos) - w.heardAtNanos;
            if (w.reported && quiet > FORGET_AFTER_NANOS) {
                it.remove();
                dropped(w);
                forgotten++;
                continue;
            }
            if (!w.reported && quiet > MISSED_INTERVALS * w.intervalNanos && !unreported.containsKey(w.key)) {
                if (silent.size() < max) {
                    report(w, nowNanos, silent);
                } else {
                    unreported.put(w.key, w);
                }
            }
            // A host whose listener said it stopped (a scale-in) may give its place at once, not after a day.
            if (w.reported && (w.stopping || quiet > REPLACEABLE_AFTER_NANOS)
                    && replaceable.putIfAbsent(w.key, w) == null) {
                replaceableBytes += w.bytes;
            }
        }
        return silent;
    }

    private void report(Watched w, long nowNanos, List<Silent> silent) {
        long quiet = partitionTime(w.partition).at(nowNanos) - w.heardAtNanos;
        w.reported = true;
        silent.add(new Silent(w.host, w.intervalNanos / 1_000_000_000L, quiet / 1_000_000_000L, w.lastHeartbeatNano,
                w.stopping));
    }

    /**
     * The topic's partition count as the consumer's metadata says now, and the partitions this forwarder is assigned
     * now. When it changed (partitions were added), each host whose key the default partitioner now puts in another
     * partition than the one it was watched in, and put there before, has moved: forgotten when that partition is
     * another forwarder's (its owner watches it from its next heartbeat), followed when it is this one's. Else its
     * heartbeats stopped in the old partition, which went on with the other hosts: reported silent, and never back,
     * by the forwarder owning it while another heard it. A host watched where the partitioner never put it (written
     * with a partitioner of its own) stays.
     *
     * <p>The metadata shows the new count before the rebalance that assigns the new partitions (in a classic group
     * only the leader rebalances on it, at its own metadata refresh; a lone forwarder a rejoin later): judged against
     * the assignment of that moment, a host moving to a partition this forwarder was about to be given was forgotten,
     * and got no {@code host-back} there. So the count is applied once the assignment reflects it: when a partition at
     * or past the count before is assigned, or after {@link #pendingCountNanos}. Meanwhile the hosts that would move
     * to a partition not assigned here are kept but not judged, as during a hand-over.
     *
     * <p>A rebalance ending since the count was seen here does not say it: the leader computed it from its own
     * metadata, refreshed on its own clock (up to {@code metadata.max.age.ms} after this member's, and a rebalance
     * does not refresh it), so a rebalance under way, another forwarder joining (a cooperative one revoking first:
     * two generations) or any other before the leader's refresh assigns the old partitions only, whatever its
     * generation. Counted as the assignment reflecting the count, it forgot the hosts moving to a partition this
     * forwarder was given next.
     */
    public void partitionCount(int count, Set<Integer> assigned, long nowNanos) {
        this.assigned = Set.copyOf(assigned);
        int latest = pendingCount > 0 ? pendingCount : partitionCount;
        if (count > 0 && count != latest) {
            if (partitionCount == 0) {
                partitionCount = count; // the first count known: no host was placed under another yet
                return;
            }
            if (pendingCount > 0) {
                pendingEarlier.add(pendingCount);
            }
            pendingEarlier.add(partitionCount);
            pendingFrom = latest;
            pendingCount = count;
            pendingSinceNanos = nowNanos;
        }
        if (pendingCount > 0 && (nowNanos - pendingSinceNanos >= pendingCountNanos
                || this.assigned.stream().anyMatch(p -> p >= pendingFrom))) {
            applyPendingCount();
        }
    }

    private void applyPendingCount() {
        earlierCounts.addAll(pendingEarlier);
        earlierCounts.remove(pendingCount);
        pendingEarlier.clear();
        partitionCount = pendingCount;
        pendingCount = 0;
        for (Iterator<Watched> it = hosts.values().iterator(); it.hasNext(); ) {
            Watched w = it.next();
            if (movedAway(w.keyHash, w.partition)) {
                it.remove();
                dropped(w);
                moved++;
            }
        }
    }

    /**
     * Whether a host of this key hash, in this partition, was put there under an earlier partition count and is put
     * elsewhere under the current one, in a partition of another forwarder (one of this forwarder's own hears it
     * there, and the watch follows it: its {@code host-back} too).
     */
    private boolean movedAway(int keyHash, int partition) {
        return movesAway(keyHash, partition, partitionCount, earlierCounts);
    }

    /**
     * Whether {@code w} moves, under a partition count not applied yet, to a partition not assigned here now: kept
     * until the assignment reflects the count, not judged meanwhile (its heartbeats may have gone on in its new
     * partition, or be about to: the rebalance may give this forwarder that partition).
     */
    private boolean moving(Watched w) {
        if (pendingCount == 0) {
            return false;
        }
        if (movesAway(w.keyHash, w.partition, pendingCount, pendingEarlier)) {
            return true;
        }
        return movesAway(w.keyHash, w.partition, pendingCount, earlierCounts);
    }

    private boolean movesAway(int keyHash, int partition, int count, Set<Integer> earlier) {
        if (keyHash < 0 || earlier.isEmpty() || keyHash % count == partition || assigned.contains(keyHash % count)) {
            return false;
        }
        for (int c : earlier) {
            if (keyHash % c == partition) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code partition} was just assigned, and the heartbeats its previous owner delivered last are read again before
     * its first record to deliver: until {@link #handedOver}, they only tell who its hosts are and when each was heard
     * (the pipeline drops what {@link #heartbeat} returns for them), and none of its hosts is judged.
     *
     * @param previous what the previous owner's last commit said: how far its watch had got in the partition, and
     *                 whether host-state alerts it queued waited to be sent
     */
    public void handingOver(int partition, WatchHandover.Mark previous) {
        handingOver.put(partition, previous);
    }

    /**
     * What the previous owner of {@code partition} delivered is read again: its hosts are judged from now on. One
     * silent for more than {@link Heartbeat#MISSED_INTERVALS} at the previous owner's last commit (by its time, which
     * ran on with its clock while the partition was live; by this one's when not known), {@link #JUDGED_WITHIN_NANOS}
     * aside, was reported by that owner: it is taken as reported (said back when heard, not reported again), unless
     * that owner's host-state alerts waited to be sent then (Wazuh down at its stop: they were lost with it), when
     * every silent host is reported again. One silent for less is reported here if its silence goes on, so that a host
     * silent or stopped just before the rebalance is reported by one of them at least (both, at worst, when its
     * silence crossed the line within those two seconds). Returns how many of its hosts are watched, and how many of
     * those were taken as reported.
     */
    public HandedOver handedOver(int partition, long nowNanos) {
        WatchHandover.Mark previous = handingOver.remove(partition);
        if (previous == null) {
            return new HandedOver(0, 0);
        }
        long time = handOverTime(partition, previous, nowNanos);
        if (previous.ranOnMs() >= 0 && partitionTime(partition).known()) {
            // Its time goes on from there: else a host not yet silent then was reported that much late, and this
            // owner's next mark said only what its own time ran on.
            partitionTime(partition).runOn(time, nowNanos);
        }
        if (previous.partitionTimeMs() >= 0 && previous.stillSinceMs() >= 0) {
            long since = previous.ranOnMs() >= 0 && partitionTime(partition).known()
                    // How long before its last commit the outage began: a difference, like ranOn.
                    ? time - Math.max(0, previous.partitionTimeMs() - previous.stillSinceMs()) * 1_000_000L
                    : Math.min(previous.stillSinceMs() * 1_000_000L, time);
            standStill(partition, since, time, nowNanos);
            // The outage's start, not this hand-over's, for the next owner if it goes on (a rolling restart)
            stillSince.put(partition, since);
        }
        int watched = 0;
        int reported = 0;
        for (Watched w : hosts.values()) {
            if (w.partition != partition) {
                continue;
            }
            watched++;
            if (!previous.alertsUnsent()
                    && time - w.heardAtNanos > MISSED_INTERVALS * w.intervalNanos + JUDGED_WITHIN_NANOS) {
                w.reported = true;
                reported++;
            }
        }
        return new HandedOver(watched, reported);
    }

    /**
     * Where the previous owner's watch of {@code partition} had got at its last commit, on this one's count: this
     * one's time, read again from the same heartbeats up to that commit, and as far as the previous owner's ran on
     * with the clock past them ({@link WatchHandover.Mark#ranOnMs}). Each owner's time is on the count of the host
     * whose heartbeat it read first (only differences of clocks count after it), so the previous owner's time itself
     * is no time here: compared as it was, with this one started by a host 10 minutes slow, every host of the
     * partition was taken as reported silent by the previous owner (one that had just gone silent was never reported)
     * and said back at its next heartbeat. A mark without it (a forwarder before this) is taken as it is, as then.
     * Anyone who may commit for the group writes the mark: no later than this clock allows a heartbeat's.
     */
    private long handOverTime(int partition, WatchHandover.Mark previous, long nowNanos) {
        PartitionTime own = partitionTime(partition);
        long latest = epochNanos.getAsLong() + AHEAD_NANOS;
        if (previous.partitionTimeMs() < 0) {
            return own.at(nowNanos);
        }
        if (previous.ranOnMs() >= 0 && own.known()) {
            long at = own.at(nowNanos);
            return Math.max(at, Math.min(at + previous.ranOnMs() * 1_000_000L, latest));
        }
        return Math.max(own.at(nowNanos), Math.min(previous.partitionTimeMs() * 1_000_000L, latest));
    }

    /**
     * The previous owner's outage of {@code partition}, still going on at its last commit: its time ran on from {@code
     * sinceNanos} to {@code untilNanos} while its hosts' silences stood still. This one's time, read again from the
     * heartbeats before the outage, is moved on to {@code untilNanos}, and each host is taken as heard that much later
     * (from when it was heard, if after the start), its silence standing where it was. Before, that time was lost:
     * the first heartbeats after the outage were a leap, which a second host's bore out, and every host not heard yet
     * was reported silent (a rebalance a minute into a five-minute outage: 290 of 300 hosts).
     */
    private void standStill(int partition, long sinceNanos, long untilNanos, long nowNanos) {
        for (Watched w : hosts.values()) {
            if (w.partition == partition) {
                w.heardAtNanos += Math.max(0, untilNanos - Math.max(w.heardAtNanos, sinceNanos));
            }
        }
        partitionTime(partition).reach(untilNanos, nowNanos);
    }

    /**
     * {@code partition}'s time when it stopped taking writes, in milliseconds, while it still takes none; -1 when it
     * takes writes (or its time was not known then).
     */
    public long stillSinceMs(int partition) {
        Long since = stillSince.get(partition);
        return since == null ? -1 : since / 1_000_000L;
    }

    /** {@code partition}'s {@link PartitionTime#ranOn} at {@code nowNanos}, in milliseconds; -1 when none is known. */
    public long ranOnMs(int partition, long nowNanos) {
        PartitionTime time = partitions.get(partition);
        long ranOn = time != null && time.known() ? time.ranOn(nowNanos) : -1;
        return ranOn < 0 ? -1 : ranOn / 1_000_000L;
    }

    /** {@code partition}'s {@link PartitionTime} at {@code nowNanos}, in milliseconds; -1 when it has none. */
    public long timeMs(int partition, long nowNanos) {
        PartitionTime time = partitions.get(partition);
        return time != null && time.known() ? time.at(nowNanos) / 1_000_000L : -1;
    }

    /** What {@link #handedOver} found in a partition: its hosts watched, those taken as reported silent already. */
    public record HandedOver(int hosts, int reportedBefore) {}

    /** Partitions revoked or lost: their hosts are the new owner's to watch. */
    public void forget(Collection<Integer> revoked) {
        Set<Integer> gone = Set.copyOf(revoked); // a list's contains for each of 50,000 hosts, in a rebalance
        for (Integer partition : gone) {
            partitions.remove(partition);
            handingOver.remove(partition);
            stillSince.remove(partition);
        }
        for (Iterator<Watched> it = hosts.values().iterator(); it.hasNext(); ) {
            Watched w = it.next();
            if (gone.contains(w.partition)) {
                it.remove();
                dropped(w);
            }
        }
    }

    /**
     * Room for {@code count} more hosts and {@code bytes} more: made by forgetting the hosts silent longest, if
     * silent for a day, and only when that is enough (else none is forgotten for nothing); false when it is not.
     */
    private boolean makeRoom(int count, long bytes) {
        if (hosts.size() + count > maxWatched && replaceable.isEmpty()
                || watchedBytes - replaceableBytes + bytes > maxWatchedBytes) {
            return hosts.size() + count <= maxWatched && watchedBytes + bytes <= maxWatchedBytes;
        }
        while (hosts.size() + count > maxWatched || watchedBytes + bytes > maxWatchedBytes) {
            Watched longest = replaceable.values().iterator().next();
            hosts.remove(longest.key);
            dropped(longest);
            replaced++;
        }
        return true;
    }

    /** A host no longer watched: its bytes given back, and nothing left to do about it. */
    private void dropped(Watched w) {
        watchedBytes -= w.bytes;
        unmark(w);
    }

    /** A host neither to be put out for a new one nor to be reported later (heard again, or dropped). */
    private void unmark(Watched w) {
        if (replaceable.remove(w.key) != null) {
            replaceableBytes -= w.bytes;
        }
        unreported.remove(w.key);
    }

    /** What watching {@code host} takes, estimated: its strings (two bytes a character at most) and the entry. */
    private static long bytes(HostRef host) {
        String key = host.key();
        return HOST_OVERHEAD_BYTES + 2L * ((host.name() == null ? 0 : host.name().length())
                + (host.id() == null ? 0 : host.id().length()) + (key.equals(host.id()) ? 0 : key.length()));
    }

    /**
     * Heartbeats of hosts not watched, since the start: {@link #MAX_WATCHED} or {@link #MAX_WATCHED_BYTES} were
     * watched already, not enough of them silent for {@link #REPLACEABLE_AFTER_NANOS} to make room.
     */
    public long notWatched() {
        return notWatched;
    }

    /** Hosts forgotten since the start: reported silent, then not heard for {@link #FORGET_AFTER_NANOS}. */
    public long forgotten() {
        return forgotten;
    }

    /** Hosts silent for a day forgotten since the start to watch a new one, the watch being full. */
    public long replaced() {
        return replaced;
    }

    /** Hosts forgotten because they moved to another forwarder's partition when partitions were added. */
    public long moved() {
        return moved;
    }

    /** Heartbeat times taken as this clock plus {@link #AHEAD_NANOS} since the start: they were later. */
    public long ahead() {
        return ahead;
    }

    /** How many hosts are watched (those heard in the partitions this process owns). */
    public int watched() {
        return hosts.size();
    }

    private PartitionTime partitionTime(int partition) {
        return partitions.computeIfAbsent(partition, k -> new PartitionTime());
    }
}
