package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

/**
 * Which partitions the open-transaction watch holds back from counting as live (the unit layer under
 * OpenTransactionSilenceTest): an admin client whose leaders answer as scripted. A broker this forwarder is cut off
 * from, while it reaches the others, must hold its partitions back: their lag is the consumer's last one, 0 perhaps,
 * and every host they hold was reported silent after three intervals (about a third of a 3-broker fleet).
 */
class OpenTransactionWatchTest {
    private static final TopicPartition CAUGHT_UP = new TopicPartition("events", 0);
    private static final TopicPartition UNREACHABLE = new TopicPartition("events", 1);
    private static final TopicPartition OPEN = new TopicPartition("events", 2);

    /** The leader of UNREACHABLE never answers ({@code hung}) or refuses at once; the others answer. */
    private static Admin leaders(boolean hung) {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "listOffsets" -> {
                        @SuppressWarnings("unchecked")
                        Map<TopicPartition, OffsetSpec> asked = (Map<TopicPartition, OffsetSpec>) args[0];
                        boolean committed = ((ListOffsetsOptions) args[1]).isolationLevel()
                                == IsolationLevel.READ_COMMITTED;
                        Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> answers =
                                new HashMap<>();
                        for (TopicPartition tp : asked.keySet()) {
                            KafkaFutureImpl<ListOffsetsResult.ListOffsetsResultInfo> answer = new KafkaFutureImpl<>();
                            if (tp.equals(UNREACHABLE)) {
                                if (!hung) {
                                    answer.completeExceptionally(new TimeoutException("no answer from its leader"));
                                }
                            } else {
                                long end = tp.equals(OPEN) && committed ? 90 : 100; // a transaction open at 90
                                answer.complete(new ListOffsetsResult.ListOffsetsResultInfo(end, -1, Optional.empty()));
                            }
                            answers.put(tp, answer);
                        }
                        yield new ListOffsetsResult(answers);
                    }
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aPartitionWhoseLeaderDoesNotAnswerWhileTheOthersDoIsHeldBack() {
        for (boolean hung : new boolean[] {true, false}) {
            try (OpenTransactionWatch watch = OpenTransactionWatch.start(leaders(hung), System::nanoTime)) {
                watch.watch(Set.of(CAUGHT_UP, UNREACHABLE, OPEN));

                await().atMost(Duration.ofSeconds(10)).until(() -> watch.holdBack(OPEN));

                assertThat(watch.holdBack(UNREACHABLE)).as("hung: " + hung).isTrue();
                assertThat(watch.holdBack(CAUGHT_UP)).as("hung: " + hung).isFalse();
            }
        }
    }

    /** No leader answers: nothing is known, the lag alone judges, as when the ends cannot be read at all. */
    @Test
    void noPartitionIsHeldBackWhenNoLeaderAnswers() {
        try (OpenTransactionWatch watch = OpenTransactionWatch.start(leaders(false), System::nanoTime)) {
            watch.watch(Set.of(UNREACHABLE));
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> !watch.holdBack(UNREACHABLE));
        }
    }
}
