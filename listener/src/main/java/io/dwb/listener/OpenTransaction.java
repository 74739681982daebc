package io.dwb.listener;

import io.dwb.schemas.Checkpoint;

/**
 * The checkpoints around the open transaction: the committed one (where a restart resumes) and the pending one (the
 * last event sent that has a time), with the number of events sent since the commit. Not thread-safe.
 */
final class OpenTransaction {
    private Checkpoint committed;
    private Checkpoint pending;
    private int events;

    OpenTransaction(Checkpoint committed) {
        this.committed = committed;
        this.pending = committed;
    }

    /** {@code count} events were sent; {@code last} is the checkpoint of the last of them with a time, or null. */
    void sent(int count, Checkpoint last) {
        events += count;
        if (last != null) {
            pending = last;
        }
    }

    Checkpoint committed() {
        return committed;
    }

    Checkpoint pending() {
        return pending;
    }

    /** The checkpoint record the commit carries: null when no event moved it since the last commit. */
    Checkpoint checkpointToWrite() {
        return pending == committed ? null : pending;
    }

    /** The transaction committed: the pending checkpoint is now where a restart resumes. Returns its events. */
    int commit() {
        int n = events;
        committed = pending;
        events = 0;
        return n;
    }
}
