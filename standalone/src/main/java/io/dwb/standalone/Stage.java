package io.dwb.standalone;

import java.util.function.IntSupplier;

/**
 * One side of the {@link Bridge}, run on its own thread.
 *
 * @param name what the logs and an error line call it ("listener", "forwarder")
 * @param work runs until stopped or until it ends on its own; returns the process's exit code
 * @param stop asks a running {@code work} to finish (thread-safe; called at most a few times)
 */
record Stage(String name, IntSupplier work, Runnable stop) {}
