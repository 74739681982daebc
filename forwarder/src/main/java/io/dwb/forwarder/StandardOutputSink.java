package io.dwb.forwarder;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --wazuh-queue -}: one alert JSON a line on standard output (without the queue prefix), for piping. Once
 * standard output is closed (the reader of the pipe went away: {@code | head}), the process stops, as a filter does on
 * a broken pipe: it paused and retried for good, and the pipeline never ended. Any other failure (a full disk under
 * {@code > file}) pauses delivery, retried, as before: it may pass.
 */
public final class StandardOutputSink implements AlertSink {
    private static final Logger log = LoggerFactory.getLogger(StandardOutputSink.class);
    private final OutputStream out;
    private final boolean pipe;
    private final Runnable closed;
    private final AtomicBoolean said = new AtomicBoolean();

    /**
     * @param out    standard output, unbuffered ({@code new FileOutputStream(FileDescriptor.out)}): its failure is
     *               told by its exception (a PrintStream swallows it)
     * @param pipe   whether standard output is a pipe or a socket ({@link #isPipe}): a write that fails there is its
     *               reader gone (EPIPE; the system's words for it are the locale's, "Datenübergabe unterbrochen")
     * @param closed run once, when standard output is found closed: the stop
     */
    public StandardOutputSink(OutputStream out, boolean pipe, Runnable closed) {
        this.out = out;
        this.pipe = pipe;
        this.closed = closed;
    }

    /** Whether this process's standard output is a pipe or a socket (Linux: what /proc/self/fd/1 links to). */
    public static boolean isPipe() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("pipe:") || target.startsWith("socket:");
        } catch (IOException | UnsupportedOperationException e) {
            return false; // not said: a failure pauses, as any
        }
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException {
        int start = AlertFormatter.PREFIX.length;
        byte[] line = new byte[datagram.length - start + 1];
        System.arraycopy(datagram, start, line, 0, line.length - 1);
        line[line.length - 1] = '\n';
        try {
            out.write(line); // one write a line: a reader never sees half of one with another's
            out.flush();
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            if (pipe && said.compareAndSet(false, true)) {
                log.info("standard output is closed (its reader went away): stopping; what it took is committed, "
                        + "this alert and those after it are not");
                closed.run();
            }
            // Not delivered: without this a closed pipe would be "delivered" and committed.
            throw new SinkUnavailableException(Refusal.Other.OUTPUT_FAILING, "standard output is closed or failing ("
                    + why + ")");
        }
    }

    /** Whether standard output was found closed: the process stopped for it. */
    public boolean closed() {
        return said.get();
    }

    @Override
    public void close() {
        try {
            out.flush();
        } catch (IOException e) {
            log.debug("flushing standard output", e);
        }
    }
}
