package io.dwb.forwarder;

import java.io.PrintStream;

/** {@code --wazuh-queue -}: one alert JSON a line on standard output (without the queue prefix), for piping. */
public final class StandardOutputSink implements AlertSink {
    private final PrintStream out;

    public StandardOutputSink(PrintStream out) {
        this.out = out;
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException {
        int start = AlertFormatter.PREFIX.length;
        out.write(datagram, start, datagram.length - start);
        out.write('\n');
        out.flush();
        if (out.checkError()) {
            // PrintStream swallows write errors: without this a closed pipe would be "delivered" and committed.
            throw new SinkUnavailableException(Refusal.Other.OUTPUT_FAILING, "standard output is closed or failing");
        }
    }

    @Override
    public void close() {
        out.flush();
    }
}
