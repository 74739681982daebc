package io.dwb.forwarder;

import io.dwb.schemas.RecordKind;

/**
 * The alerts of the bridge itself ({@code docker_bridge.event}): the listener's gaps, states and heartbeats, and what
 * the forwarder says of hosts, partitions and records. Each has a rule of its own in
 * {@code src/main/wazuh/docker-wazuh-bridge_rules.xml}; one the rules file installed on a manager does not name (a
 * forwarder newer than the file) is raised by that file's catch-all rule.
 */
public enum BridgeAlert implements AlertKind {
    GAP(RecordKind.GAP.header()),
    STATE(RecordKind.STATE.header()),
    /** Only with {@code --heartbeat-alerts}; silent (level 0) in the rules. */
    HEARTBEAT(RecordKind.HEARTBEAT.header()),
    SILENT_HOST("silent-host"),
    HOST_BACK("host-back"),
    LISTENER_STOPPED("listener-stopped"),
    HISTORY_SKIPPED("history-skipped"),
    DELETED_BEFORE_DELIVERY("deleted-before-delivery"),
    PARTITION_STALLED("partition-stalled"),
    PARTITION_MOVING("partition-moving"),
    /** A partition of the events topic with fewer in-sync replicas than a write needs: its hosts' events wait. */
    PARTITION_UNWRITABLE("partition-unwritable"),
    PARTITION_WRITABLE("partition-writable"),
    /** One host's events fill a partition's backlog: every other host of it waits behind them. */
    HOST_FLOODING("host-flooding"),
    /** A partition found flooded has nothing waiting any more. */
    PARTITION_CAUGHT_UP("partition-caught-up"),
    /** Records written to the dead-letter topic: never delivered ({@link DeadLetterNotices}). */
    RECORDS_DEAD_LETTERED("records-dead-lettered");

    private final String event;

    BridgeAlert(String event) {
        this.event = event;
    }

    /** The value of {@code docker_bridge.event}. */
    public String event() {
        return event;
    }

    /** The {@code kind} label of the alerts-sent metric: {@link #event()}. */
    @Override
    public String label() {
        return event;
    }

    /** The alert of a listener record that is not an engine event. */
    static BridgeAlert of(RecordKind kind) {
        return switch (kind) {
            case GAP -> GAP;
            case STATE -> STATE;
            case HEARTBEAT -> HEARTBEAT;
            case EVENT -> throw new IllegalArgumentException("an engine event is not an alert of the bridge");
        };
    }
}
