package io.dwb.forwarder;

import java.time.Duration;
import java.util.Collection;

/** Writes each datagram at once, on the caller's thread: nothing is ever queued or held (the unit layer's). */
final class DirectOutbox implements Outbox {
    private final DatagramWriter writer;

    DirectOutbox(DatagramWriter writer) {
        this.writer = writer;
    }

    @Override
    public void submit(Outgoing outgoing) throws Refused {
        writer.write(outgoing);
    }

    @Override
    public boolean retryHeld() {
        return false;
    }

    @Override
    public Withdrawn withdraw(Collection<Integer> partitions) {
        return Withdrawn.NONE; // nothing is ever queued
    }

    @Override
    public void flush() {
    }

    @Override
    public long submitted() {
        return 0;
    }

    @Override
    public long written() {
        return 0;
    }

    @Override
    public boolean awaitWritten(Duration timeout) {
        return true;
    }

    @Override
    public void close() {
    }
}
