package io.dwb.forwarder;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Remembers the last {@code perHost} event ids of each host, so an event published twice (a listener's resume
 * overlap, a redelivery after a rebalance) reaches Wazuh once. In memory: after a crash, what was delivered but not
 * committed is delivered again (at most one commit interval of records). {@code perHost <= 0} disables it.
 */
public final class DuplicateWindow {
    private static final int MAX_HOSTS = 10_000;

    private final int perHost;
    private final Map<String, LinkedHashSet<String>> seen = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LinkedHashSet<String>> eldest) {
            return size() > MAX_HOSTS;
        }
    };

    public DuplicateWindow(int perHost) {
        this.perHost = perHost;
    }

    /** Whether this id was already delivered for this host; does not record it. */
    public boolean contains(String hostKey, String eventId) {
        LinkedHashSet<String> ids = seen.get(hostKey);
        return ids != null && ids.contains(eventId);
    }

    /** Records a delivered id, forgetting the host's oldest beyond the window. */
    public void add(String hostKey, String eventId) {
        if (perHost <= 0) {
            return;
        }
        LinkedHashSet<String> ids = seen.computeIfAbsent(hostKey, k -> new LinkedHashSet<>());
        if (ids.add(eventId) && ids.size() > perHost) {
            ids.remove(ids.iterator().next());
        }
    }
}
