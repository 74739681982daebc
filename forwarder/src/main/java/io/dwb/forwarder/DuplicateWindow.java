package io.dwb.forwarder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The last {@code capacity} event ids delivered, all hosts together, so an event published twice (a listener's
 * resume overlap, a redelivery after a rebalance) reaches Wazuh once. Bounded by a total, not per host: its memory
 * (about 26 bytes an id, allocated once) does not grow with the number of hosts. The oldest delivered id is forgotten
 * first, so it catches a duplicate whose original was among the last {@code capacity} events this process delivered.
 * In memory: after a crash, what was delivered but not committed is delivered again (at most one commit interval of
 * records). {@code capacity <= 0} disables it.
 *
 * <p>An id is kept as 128 bits: the contract's event-id is 32 hex characters (16 bytes of a SHA-256 that already
 * covers the host id); any other header value is hashed to 16 bytes. The host key is folded in, so two hosts sending
 * the same foreign id stay apart. Ids live in a ring in delivery order, indexed by an open-addressing table of ring
 * positions (linear probing, deletion by backward shift): two long arrays and one int array, no object per id.
 */
public final class DuplicateWindow {
    /** Largest capacity: the index table (a power of two at least twice the capacity) must fit an int array. */
    public static final int MAX_CAPACITY = 1 << 29;

    private final int capacity;
    private final long[] high;
    private final long[] low;
    private final int[] index; // ring position + 1; 0 = empty
    private final int mask;
    /** Keys of the table's hash: ids are chosen by whoever writes the topic, their slots are not. */
    private final long seedHigh;
    private final long seedLow;
    private int oldest;
    private int size;
    private String lastHostKey;
    private long lastHostHash;
    /** The id last looked up, as 128 bits: the pipeline adds the id it has just looked up, not parsed again. */
    private String keyedHost;
    private String keyedId;
    private long keyHigh;
    private long keyLow;

    public DuplicateWindow(int capacity) {
        this(capacity, new SecureRandom().nextLong());
    }

    /** With the seed of the table's hash given (a test's; otherwise a secret of this process). */
    DuplicateWindow(int capacity, long seed) {
        this.seedHigh = mix(seed);
        this.seedLow = mix(~seed);
        if (capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity over " + MAX_CAPACITY + ": " + capacity);
        }
        this.capacity = Math.max(0, capacity);
        this.high = new long[this.capacity];
        this.low = new long[this.capacity];
        int tableSize = this.capacity == 0 ? 1 : Integer.highestOneBit(this.capacity * 2 - 1) << 1;
        this.index = new int[tableSize];
        this.mask = tableSize - 1;
    }

    /** How many ids it holds now (at most its capacity). */
    public int size() {
        return size;
    }

    /** Whether this id was already delivered for this host; does not record it. */
    public boolean contains(String hostKey, String eventId) {
        if (capacity == 0) {
            return false;
        }
        key(hostKey, eventId);
        return find(keyHigh, keyLow) >= 0;
    }

    /** Records a delivered id, forgetting the oldest one when full. */
    public void add(String hostKey, String eventId) {
        if (capacity == 0) {
            return;
        }
        key(hostKey, eventId);
        long hi = keyHigh;
        long lo = keyLow;
        if (find(hi, lo) >= 0) {
            return;
        }
        if (size == capacity) {
            int slot = find(high[oldest], low[oldest]);
            if (slot >= 0 && index[slot] - 1 == oldest) { // not when forgotten (and perhaps added again since)
                remove(slot);
            }
            oldest = (oldest + 1) % capacity;
            size--;
        }
        int position = (oldest + size) % capacity;
        high[position] = hi;
        low[position] = lo;
        int slot = home(hi, lo);
        while (index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        index[slot] = position + 1;
        size++;
    }

    /**
     * Takes back an id added but not delivered after all (withdrawn unwritten when its partition went): when the
     * partition comes back to this process, its record is delivered, not dropped as its own duplicate. Its place in
     * the ring stays until the oldest passes it.
     */
    public void forget(String hostKey, String eventId) {
        if (capacity == 0) {
            return;
        }
        key(hostKey, eventId);
        int slot = find(keyHigh, keyLow);
        if (slot >= 0) {
            remove(slot);
        }
    }

    /** Sets {@link #keyHigh} and {@link #keyLow} to the id's 128 bits, unless they are this id's already. */
    private void key(String hostKey, String eventId) {
        if (eventId == keyedId && hostKey == keyedHost) { // the same strings, not only equal ones: no parse at all
            return;
        }
        keyHigh = hostHigh(hostKey, eventId);
        keyLow = idLow(eventId);
        keyedHost = hostKey;
        keyedId = eventId;
    }

    /** The table slot holding this id, or -1. */
    private int find(long hi, long lo) {
        for (int slot = home(hi, lo); ; slot = (slot + 1) & mask) {
            int entry = index[slot];
            if (entry == 0) {
                return -1;
            }
            if (high[entry - 1] == hi && low[entry - 1] == lo) {
                return slot;
            }
        }
    }

    /** Empties {@code slot}, moving later entries of its probe run back so every lookup still finds them. */
    private void remove(int slot) {
        int hole = slot;
        int next = hole;
        while (true) {
            next = (next + 1) & mask;
            int entry = index[next];
            if (entry == 0) {
                index[hole] = 0;
                return;
            }
            int home = home(high[entry - 1], low[entry - 1]);
            // The entry may fill the hole unless its home lies cyclically in (hole, next].
            boolean homeAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeAfterHole) {
                index[hole] = entry;
                hole = next;
            }
        }
    }

    /**
     * The slot an id's probe starts from, keyed by this process's secret: with {@code hi ^ lo} alone, any writer of
     * the topic could give every id one slot (32 hex characters, the same 16 twice), and each lookup walked all the
     * ids before it: 52 s to fill the default window, then ~1 ms a record for every host of the forwarder.
     */
    private int home(long hi, long lo) {
        long h = mix(mix(hi ^ seedHigh) ^ lo ^ seedLow);
        return (int) h & mask;
    }

    /** The longest run of occupied table slots: what one lookup may have to walk (for tests). */
    int longestProbeRun() {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < index.length * 2; i++) { // twice round: a run may wrap past the end
            run = index[i & mask] != 0 ? run + 1 : 0;
            longest = Math.max(longest, Math.min(run, index.length));
        }
        return longest;
    }

    private long hostHigh(String hostKey, String eventId) {
        if (!hostKey.equals(lastHostKey)) { // consecutive records mostly share their host (one partition each)
            lastHostKey = hostKey;
            lastHostHash = mix(hostKey.hashCode());
        }
        return idHigh(eventId) ^ lastHostHash;
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }

    private static long idHigh(String eventId) {
        return contractId(eventId) ? HexFormat.fromHexDigitsToLong(eventId, 0, 16) : digest(eventId, 0);
    }

    private static long idLow(String eventId) {
        return contractId(eventId) ? HexFormat.fromHexDigitsToLong(eventId, 16, 32) : digest(eventId, 8);
    }

    /** The listener's event-id: 32 hex characters. */
    private static boolean contractId(String eventId) {
        if (eventId.length() != 32) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            if (!HexFormat.isHexDigit(eventId.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Eight bytes at {@code offset} of the SHA-256 of a foreign id (another producer's header). */
    private static long digest(String eventId, int offset) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(eventId.getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = offset; i < offset + 8; i++) {
                v = (v << 8) | (d[i] & 0xFF);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
