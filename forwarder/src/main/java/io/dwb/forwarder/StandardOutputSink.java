package io.dwb.forwarder;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --wazuh-queue -}: one alert JSON a line on standard output (without the queue prefix), for piping. Once
 * standard output is closed (the reader of the pipe went away: {@code | head}), the process stops, as a filter does on
 * a broken pipe: it paused and retried for good, and the pipeline never ended.
 */
public final class StandardOutputSink implements AlertSink {
    private static final Logger log = LoggerFactory.getLogger(StandardOutputSink.class);

    private final PrintStream out;
    private final Runnable closed;
    private final AtomicBoolean said = new AtomicBoolean();

    /** @param closed run once, when standard output is found closed or failing: the stop */
    public StandardOutputSink(PrintStream out, Runnable closed) {
        this.out = out;
        this.closed = closed;
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException {
        int start = AlertFormatter.PREFIX.length;
        out.write(datagram, start, datagram.length - start);
        out.write('\n');
        out.flush();
        if (out.checkError()) {
            if (said.compareAndSet(false, true)) {
                log.info("standard output is closed (its reader went away) or failing: stopping; what it took is "
                        + "committed, this alert and those after it are not");
                closed.run();
            }
            // PrintStream swallows write errors: without this a closed pipe would be "delivered" and committed.
            throw new SinkUnavailableException(Refusal.Other.OUTPUT_FAILING, "standard output is closed or failing");
        }
    }

    /** Whether standard output was found closed or failing: the process stopped for it. */
    public boolean closed() {
        return said.get();
    }

    @Override
    public void close() {
        out.flush();
    }
}
