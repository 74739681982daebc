package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread that writes datagrams to the sink in the order submitted, while the delivery loop polls and formats
 * the next ones: on one thread the two took ~20 µs a record (docs/benchmarks.md). At most {@link #CAPACITY} wait;
 * a submit to a full queue waits for room, which the writer makes or, within the sink's own grace for a full
 * socket, gives up with a refusal.
 *
 * <p>When the sink (or, for a datagram it refuses for good, the dead-letter topic) refuses the head, it is held,
 * with those behind it, and tried again only when the loop asks ({@link #retryHeld}), so that pausing, its backoff
 * and its log lines stay the loop's, as when it sent itself; meanwhile {@link #submit} is refused. Nothing is
 * dropped, and nothing counts as {@link #written()} before the sink took it.
 */
final class SendingThread implements Outbox {
    /** The thread's name (a vital one: {@link ForwarderCommand#VITAL_THREADS}). */
    static final String NAME = "wazuh-sender";
    static final int CAPACITY = 256;
    /** The writer is woken when this many wait, or at a flush: once per run of datagrams, not for each one. */
    private static final int WAKE_AT = 32;
    /** How long a retry the loop asked for is waited for before the loop is told "still held". */
    private static final long ANSWER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final DatagramWriter writer;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    /** The writer waits on it: datagrams to write, a retry asked for, the close. */
    private final Condition work = lock.newCondition();
    /** The loop waits on it: room, a retry's outcome, everything written. */
    private final Condition progress = lock.newCondition();
    /** Submitted and not written; the head is being written, or held. Guarded by {@link #lock}, as below. */
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>(CAPACITY);
    /** Why the head is held; null while writing goes on. */
    private Refusal held;
    /** Attempts on a held head that ended, so that the loop tells its retry's outcome from an older one. */
    private long outcomes;
    private boolean retryAsked;
    private boolean idle;
    /** The head is on its way to the sink (between {@link #next} and its outcome). */
    private boolean writing;
    private boolean closed;
    /** What stopped the writer for good (an exception nobody foresaw): thrown to the loop. */
    private RuntimeException failure;
    /** Datagrams of partitions the loop gave up, not to be written: see {@link #withdraw}. */
    private final ArrayDeque<Withdrawal> withdrawals = new ArrayDeque<>();
    /** The loop's thread only. */
    private long submitted;
    private volatile long written;

    private SendingThread(DatagramWriter writer) {
        this.writer = writer;
        this.thread = new Thread(this::run, NAME);
        thread.setDaemon(true);
    }

    static SendingThread start(DatagramWriter writer) {
        SendingThread sending = new SendingThread(writer);
        sending.thread.start();
        return sending;
    }

    @Override
    public void submit(Outgoing outgoing) throws Refused {
        lock.lock();
        try {
            // Room comes within the sink's grace: the head is written, or refused and held.
            while (queue.size() >= CAPACITY && held == null && failure == null && !closed) {
                wakeWriter();
                progress.awaitUninterruptibly();
            }
            refuseIfHeld();
            queue.add(outgoing);
            submitted++;
            if (queue.size() >= WAKE_AT) {
                wakeWriter();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether the writer waits for datagrams (for tests: a round's run is then all submitted before it writes). */
    boolean idle() {
        lock.lock();
        try {
            return idle && queue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a refusal holds the head now. */
    boolean holding() {
        lock.lock();
        try {
            return held != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean retryHeld() throws Refused {
        lock.lock();
        try {
            checkFailure();
            if (held == null) {
                return false;
            }
            long before = outcomes;
            retryAsked = true;
            work.signal();
            long wait = ANSWER_WAIT_NANOS;
            while (outcomes == before && failure == null && wait > 0) {
                wait = progress.awaitNanos(wait);
            }
            refuseIfHeld();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused(Refusal.Other.INTERRUPTED, "interrupted while waiting for the sending thread");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Withdrawn withdraw(Collection<Integer> partitions) {
        if (partitions.isEmpty()) {
            return Withdrawn.NONE;
        }
        lock.lock();
        try {
            long writtenBefore = written;
            Withdrawal withdrawal = new Withdrawal(Set.copyOf(partitions), submitted);
            withdrawals.add(withdrawal);
            long position = written + 1;
            List<Outgoing> withdrawn = new ArrayList<>();
            Outgoing onItsWay = null;
            for (Outgoing outgoing : queue) {
                if (withdrawal.covers(outgoing, position)) {
                    // The head may be on its way to the sink: written if its write succeeds, else passed over.
                    if (position == written + 1 && writing) {
                        onItsWay = outgoing;
                    } else {
                        withdrawn.add(outgoing);
                    }
                }
                position++;
            }
            work.signal(); // a held head of theirs no longer stops the others
            return new Withdrawn(withdrawn, onItsWay, writtenBefore);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
        lock.lock();
        try {
            wakeWriter();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long submitted() {
        return submitted;
    }

    @Override
    public long written() {
        return written;
    }

    @Override
    public boolean awaitWritten(Duration timeout) {
        lock.lock();
        try {
            wakeWriter();
            long wait = timeout.toNanos();
            // A held head whose retry is on its way is waited for as any write: its answer came after the retry's
            // 250 ms, and a revocation committed before it, then the retry went through and the partition's queued
            // datagrams were written, which the new owner delivered again
            // Closed, it writes nothing more: not waited for (the stop's revocation waited out its 2 s for it).
            while (!queue.isEmpty() && (held == null || writing) && failure == null && !closed && wait > 0) {
                wait = progress.awaitNanos(wait);
            }
            return queue.isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return queue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the writer: what it did not write stays uncommitted, and is delivered again after a restart. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signal();
            progress.signalAll();
        } finally {
            lock.unlock();
        }
        thread.interrupt(); // a write waiting for a full socket, or a dead letter for its acknowledgement
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wakeWriter() {
        if (idle && !queue.isEmpty()) {
            work.signal();
        }
    }

    private void refuseIfHeld() throws Refused {
        checkFailure();
        if (held != null) {
            throw new Refused(held);
        }
        if (closed) {
            throw new Refused(Refusal.Other.SENDER_CLOSED, "the sending thread is closed");
        }
    }

    private void checkFailure() {
        if (failure != null) {
            throw failure;
        }
    }

    private void run() {
        try {
            for (Outgoing head = next(); head != null; head = next()) {
                try {
                    writer.write(head);
                    wroteHead();
                } catch (Refused e) {
                    hold(e.refusal());
                }
            }
        } catch (InterruptedException e) {
            // closed while waiting: what is left stays uncommitted
        } catch (RuntimeException e) {
            fail(e);
        } catch (Error e) {
            fail(new IllegalStateException("the sending thread failed", e));
            throw e;
        }
    }

    /**
     * The head once there is one and it may be written (not held, or a retry asked); null once closed. Withdrawn
     * datagrams at the head are passed over, each counted as written.
     */
    private Outgoing next() throws InterruptedException {
        lock.lock();
        try {
            while (!closed) {
                if (skippedWithdrawnHead()) {
                    continue;
                }
                if (queue.isEmpty() || (held != null && !retryAsked)) {
                    idle = held == null;
                    work.await();
                    continue;
                }
                idle = false;
                retryAsked = false;
                writing = true;
                return queue.peek();
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Passes over the head when it is withdrawn (held or not); true when it did. */
    private boolean skippedWithdrawnHead() {
        long position = written + 1;
        while (!withdrawals.isEmpty() && withdrawals.peek().upTo() < position) {
            withdrawals.poll(); // everything it covers is behind
        }
        Outgoing head = queue.peek();
        if (head != null) {
            for (Withdrawal withdrawal : withdrawals) {
                if (withdrawal.covers(head, position)) {
                    writtenHead();
                    return true;
                }
            }
        }
        return false;
    }

    private void wroteHead() {
        lock.lock();
        try {
            writtenHead();
        } finally {
            lock.unlock();
        }
    }

    /** The head is written (or withdrawn): the next one's turn. Under the lock. */
    private void writtenHead() {
        queue.poll();
        written = written + 1; // this thread is the only writer
        writing = false;
        boolean wasHeld = held != null;
        if (wasHeld) {
            held = null;
            outcomes++;
        }
        if (wasHeld || queue.isEmpty() || queue.size() == CAPACITY / 2) {
            progress.signalAll();
        }
    }

    private void hold(Refusal reason) {
        lock.lock();
        try {
            writing = false;
            held = reason;
            outcomes++;
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void fail(RuntimeException e) {
        lock.lock();
        try {
            failure = e;
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Datagrams of {@code partitions} submitted up to the {@code upTo}-th are not to be written. */
    private record Withdrawal(Set<Integer> partitions, long upTo) {
        /** Whether the datagram submitted {@code position}-th (1-based) is one of them. */
        boolean covers(Outgoing outgoing, long position) {
            return position <= upTo && outgoing.record() != null && partitions.contains(outgoing.record().partition());
        }
    }
}
