package io.dwb.forwarder;

import java.time.Duration;
import java.util.Properties;
import java.util.Set;

/**
 * Everything a forwarder run is configured with (see {@link ForwarderCommand} for the options and their defaults).
 *
 * @param kafka        Kafka client properties ({@code --kafka-config} plus {@code --bootstrap-servers})
 * @param wazuhQueue   the queue socket path, or {@code -} for standard output
 * @param wazuh        the Wazuh installation around it, read once: what pacing and the gates are decided from
 * @param labels       the labels of container and image events that go into their alerts ({@code --labels})
 * @param fields       the fields of an alert at most, as Wazuh's JSON decoder takes them ({@code --max-fields})
 * @param pacing       datagrams a second at most (0 for unpaced), and why
 * @param dedupWindow  event ids remembered, all hosts together; 0 disables duplicate dropping
 * @param heartbeatAlerts whether heartbeats are sent to Wazuh too (they always feed silent-host detection)
 * @param fromNanos    replay start, null for live delivery
 * @param toNanos      replay end (exclusive), null for "the end of the topic at start"
 * @param replayHosts  the hosts a replay delivers, by name or id ({@code --host}); empty for every host
 * @param unhealthyAfter how long Kafka may be unreachable, or delivery blocked, before /healthz fails
 * @param maxPendingBytes the bytes of records held at most, polls included ({@link PollBudget})
 * @param maxLiveAge   records older than this are not delivered live where the group has no committed offset;
 *                     zero for no limit
 * @param watchHandover how far before its previous owner's position a newly assigned partition is read again for its
 *                     hosts' heartbeats ({@link WatchHandover}); zero for not at all
 * @param stalledAfter how long a partition's stable end may stand still, records written past it (a transaction left
 *                     open), before it is reported stalled ({@link StalledPartitions})
 * @param topicCheckInterval how often the events and dead-letter topics' settings are read again ({@link TopicSettingsWatch});
 *                     zero for never
 * @param instanceId   the consumer's {@code group.instance.id} (static membership: see {@link InstanceId})
 * @param resend       the datagrams sent again to a Wazuh queue socket that replaced the one they went to
 * @param sendingThread whether datagrams are written by a thread of their own ({@link SendingThread})
 */
public record ForwarderSettings(Properties kafka, String topic, String group, String dlqTopic, String wazuhQueue,
                                WazuhInstallation wazuh, LegacyFieldsMode legacyFields, LabelFilter labels,
                                FieldBudget fields, Pacing pacing, int dedupWindow, boolean heartbeatAlerts, Long fromNanos, Long toNanos,
                                Set<String> replayHosts, Duration unhealthyAfter,
                                Duration commitInterval, Duration retryMaxDelay, int maxPending,
                                long maxPendingBytes, Duration maxLiveAge, Duration watchHandover,
                                Duration stalledAfter, Duration topicCheckInterval, String instanceId,
                                ResendWindow.Bound resend, boolean sendingThread) {

    /** These settings with other Kafka client properties (known only once an embedded broker runs). */
    public ForwarderSettings withKafka(Properties otherKafka) {
        return new ForwarderSettings(otherKafka, topic, group, dlqTopic, wazuhQueue, wazuh, legacyFields, labels,
                fields, pacing, dedupWindow, heartbeatAlerts, fromNanos, toNanos, replayHosts, unhealthyAfter,
                commitInterval, retryMaxDelay, maxPending, maxPendingBytes, maxLiveAge, watchHandover, stalledAfter,
                topicCheckInterval, instanceId, resend, sendingThread);
    }

    /** Datagrams a second at most; 0 for unpaced. */
    public int eps() {
        return pacing.eps();
    }

    public boolean replay() {
        return fromNanos != null;
    }
}
