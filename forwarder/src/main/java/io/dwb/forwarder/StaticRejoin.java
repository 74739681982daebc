package io.dwb.forwarder;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining the group again while it refuses this forwarder's static member id as still held. With
 * {@code group.protocol=consumer} (KIP-848) a member that did not leave (SIGKILL, the exit on OutOfMemoryError, a
 * container killed) keeps its {@code group.instance.id} until the group's session timeout drops it, and the broker
 * refuses any other member with that id meanwhile ({@code UNRELEASED_INSTANCE_ID}); the classic protocol lets the new
 * member replace the old one at once. Kafka's consumer takes the refusal as fatal: its member stays out of the group
 * for good (its state FATAL is final, it never joins again) and its poll throws
 * {@link UnreleasedInstanceIdException}. The forwarder restarted after a crash exited 1 on it, again at each restart
 * of its supervisor, until the session ended. Now a new consumer joins in the refused one's place every {@link #WAIT};
 * refused for {@link #BOUND}, the id is taken as another running forwarder's, and the error says so.
 *
 * <p>Used on the delivery loop's thread; {@link #stop()} from any thread.
 */
final class StaticRejoin {
    private static final Logger log = LoggerFactory.getLogger(StaticRejoin.class);
    /** Between two tries (each is a new consumer): the old member is dropped at its session's end. */
    static final Duration WAIT = Duration.ofSeconds(5);
    /**
     * How long the id may be refused before it is taken as another running forwarder's: twice the longest session
     * timeout the brokers let a group have by default ({@code group.consumer.max.session.timeout.ms}, 60 s; the
     * group's {@code group.consumer.session.timeout.ms} is 45 s by default). The forwarder cannot derive it from its
     * settings: under this protocol the session timeout is the broker's (the consumer refuses
     * {@code session.timeout.ms}). A cluster that lets a group's session last longer makes the restarted forwarder
     * exit with the error before the dead member is dropped; its supervisor's next start joins once it is.
     */
    static final Duration BOUND = Duration.ofMinutes(2);

    private final String group;
    private final String instanceId;
    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final LongSupplier clock;
    private final Sleep sleep;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Refused since {@link #refusedSince}, not in the group since. */
    private boolean refusing;
    private long refusedSince;

    /**
     * @param consumers makes a consumer with the settings of the delivery consumer (the same group and instance id)
     * @param clock     monotonic nanoseconds
     */
    StaticRejoin(String group, String instanceId, Supplier<Consumer<byte[], byte[]>> consumers, LongSupplier clock) {
        this(group, instanceId, consumers, clock, (stopped, nanos) -> stopped.await(nanos, TimeUnit.NANOSECONDS));
    }

    /** @param sleep the wait between two tries (a test's: its fake clock's) */
    StaticRejoin(String group, String instanceId, Supplier<Consumer<byte[], byte[]>> consumers, LongSupplier clock,
                 Sleep sleep) {
        this.group = group;
        this.instanceId = instanceId;
        this.consumers = consumers;
        this.clock = clock;
        this.sleep = sleep;
    }

    /** A wait that a stop ends. */
    interface Sleep {
        /** Waits {@code nanos}, or less once {@code stopped} is counted down; true when stopped. */
        boolean sleep(CountDownLatch stopped, long nanos) throws InterruptedException;
    }

    /**
     * The consumer to join with in the place of the one {@code refused}, made after {@link #WAIT}; null when stopped
     * meanwhile. The first refusal since the member was last in the group is said once, as a WARN.
     *
     * @throws IllegalStateException when the id was refused for {@link #BOUND}: another forwarder runs with it
     */
    Consumer<byte[], byte[]> next(UnreleasedInstanceIdException refused) {
        long now = clock.getAsLong();
        if (!refusing) {
            refusing = true;
            refusedSince = now;
            log.warn("group {} refuses instance id {}: the previous process with this --instance-id did not leave the "
                    + "group (killed, or exited on a lack of memory), and Kafka keeps its place until the group's "
                    + "session timeout (group.consumer.session.timeout.ms, 45 s by default) drops it; waiting, "
                    + "joining again every {} s (for up to {} s: a forwarder still running with this id keeps it)",
                    group, instanceId, WAIT.toSeconds(), BOUND.toSeconds());
        } else if (now - refusedSince >= BOUND.toNanos()) {
            throw new IllegalStateException("refused: group " + group + " still gives instance id " + instanceId
                    + " to another member after " + BOUND.toSeconds() + " s: another forwarder runs with the same "
                    + "instance id (or the group's session timeout is longer); give each forwarder its own "
                    + "--instance-id", refused);
        }
        try {
            if (sleep.sleep(stopped, WAIT.toNanos())) {
                return null;
            }
        } catch (InterruptedException e) {
            throw new InterruptException(e); // as the consumer's poll would: it sets the flag again
        }
        return consumers.get();
    }

    /**
     * The member is in the group: its partitions were assigned (both protocols say so at each join, even with none
     * to give), said when it was refused before.
     */
    void joined() {
        if (refusing) {
            refusing = false;
            log.info("joined group {} as instance id {}, {} s after it was first refused", group, instanceId,
                    Duration.ofNanos(clock.getAsLong() - refusedSince).toSeconds());
        }
    }

    /** Thread-safe: ends a wait, and the next. */
    void stop() {
        stopped.countDown();
    }
}
