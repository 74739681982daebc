package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.EventId;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The duplicate window holds a total of ids, forgets the oldest delivered first, and keeps hosts apart. */
class DuplicateWindowTest {

    private static String id(int host, int n) {
        return EventId.of("host-" + host, String.valueOf(n), "container", "start", "c" + n);
    }

    /**
     * An id taken back (its datagram withdrawn unwritten) is no longer a duplicate; added again, it stays when the
     * oldest place passes its first, forgotten one.
     */
    @Test
    void anIdForgottenIsNoDuplicateAndItsOldPlaceDoesNotTakeItsNewOneAlong() {
        DuplicateWindow window = new DuplicateWindow(3);
        window.add("host-1", id(1, 1));
        window.add("host-1", id(1, 2));
        window.forget("host-1", id(1, 1));
        assertThat(window.contains("host-1", id(1, 1))).isFalse();
        assertThat(window.contains("host-1", id(1, 2))).isTrue();

        window.add("host-1", id(1, 1)); // delivered after all
        window.add("host-1", id(1, 3)); // full: the oldest place (its first, forgotten id) goes
        assertThat(window.contains("host-1", id(1, 1))).isTrue();
        assertThat(window.contains("host-1", id(1, 2))).isTrue();
        assertThat(window.contains("host-1", id(1, 3))).isTrue();
        window.forget("host-9", id(9, 9)); // never added: nothing happens
        assertThat(window.size()).isEqualTo(3);
    }

    /**
     * Any writer of the topic chooses its records' event ids: 32 hex characters whose halves are equal all had one
     * home slot, so each lookup walked every id before it (52 s of the delivery thread to fill the default window,
     * then ~1 ms a record, for every host of the forwarder).
     */
    @Test
    void idsChosenToShareOneSlotAreSpreadAsOthersAre() {
        DuplicateWindow window = new DuplicateWindow(20_000);
        for (int i = 0; i < 20_000; i++) {
            String half = java.util.HexFormat.of().toHexDigits((long) i);
            window.add("forger", half + half);
        }
        assertThat(window.size()).isEqualTo(20_000);
        assertThat(window.contains("forger", "00000000000000070000000000000007")).isTrue();
        // The table is at most half full: random slots make runs of tens; before, one run of all 20,000.
        assertThat(window.longestProbeRun()).isLessThan(200);
    }

    @Test
    void holdsAtMostItsCapacityAcrossHostsAndForgetsTheOldestDeliveredFirst() {
        DuplicateWindow window = new DuplicateWindow(3);
        window.add("host-1", id(1, 1));
        window.add("host-2", id(2, 1));
        window.add("host-1", id(1, 2));
        window.add("host-3", id(3, 1)); // a fourth id, whatever its host: the first delivered goes

        assertThat(window.size()).isEqualTo(3);
        assertThat(window.contains("host-1", id(1, 1))).isFalse();
        assertThat(window.contains("host-2", id(2, 1))).isTrue();
        assertThat(window.contains("host-1", id(1, 2))).isTrue();
        assertThat(window.contains("host-3", id(3, 1))).isTrue();

        window.add("host-2", id(2, 1)); // already there: not recorded again, nothing evicted
        assertThat(window.contains("host-1", id(1, 2))).isTrue();
        window.add("host-3", id(3, 2));
        assertThat(window.contains("host-2", id(2, 1))).isFalse();
        assertThat(window.contains("host-1", id(1, 2))).isTrue();
    }

    @Test
    void theSameIdOfTwoHostsIsTwoEntries() {
        DuplicateWindow window = new DuplicateWindow(10);
        window.add("host-1", "not-a-contract-id");
        assertThat(window.contains("host-1", "not-a-contract-id")).isTrue();
        assertThat(window.contains("host-2", "not-a-contract-id")).isFalse();
        assertThat(window.contains("host-1", "not-a-contract-ie")).isFalse();
    }

    @Test
    void zeroCapacityRemembersNothing() {
        DuplicateWindow window = new DuplicateWindow(0);
        window.add("host-1", id(1, 1));
        assertThat(window.contains("host-1", id(1, 1))).isFalse();
        assertThat(window.size()).isZero();
    }

    /**
     * Against a plain model (a FIFO of the last N distinct ids) over many random adds, repeats and evictions: the
     * open-addressing table must find every id still held after the deletions that eviction makes.
     */
    @Test
    void agreesWithAFifoOfTheLastNIds() {
        Random random = new Random(42);
        int capacity = 257;
        DuplicateWindow window = new DuplicateWindow(capacity);
        ArrayDeque<String> order = new ArrayDeque<>();
        Set<String> held = new HashSet<>();
        for (int step = 0; step < 200_000; step++) {
            int host = random.nextInt(50);
            // Mostly new ids, some repeats of recent and of long-gone ones, some foreign (not 32 hex) ids.
            int n = random.nextInt(10) == 0 ? random.nextInt(step + 1) : step;
            String eventId = random.nextInt(20) == 0 ? "foreign-" + n : id(host, n);
            String key = "host-" + host + "|" + eventId;
            assertThat(window.contains("host-" + host, eventId)).as("step %d", step).isEqualTo(held.contains(key));
            window.add("host-" + host, eventId);
            if (held.add(key)) {
                order.add(key);
                if (order.size() > capacity) {
                    held.remove(order.poll());
                }
            }
            assertThat(window.size()).isEqualTo(held.size());
        }
    }
}
