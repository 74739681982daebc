package io.dwb.listener;

import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * One subscription to GET /events on its own thread: splits the body into events ({@link EventSplitter}: a read is
 * not an event) and puts them in the {@link EventQueue}, never waiting on anything downstream. When the queue is
 * full it disconnects rather than fall behind, because the engine would then drop events silently with the stream
 * left open.
 */
public final class EventStream implements TransactionPump.Subscription {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EventStream.class);
    /** Why a subscription ended. */
    public enum EndReason { ENGINE_CLOSED, ENGINE_ERROR, ENGINE_SILENT, QUEUE_FULL, STOPPED }

    public record End(EndReason reason, String detail) {}

    /** Reads of at most this much: the engine writes one event per chunk, and a few KB hold several. */
    private static final int READ_BUFFER = 16 * 1024;

    private final EngineConnection engine;
    private final String since;
    private final EventSplitter splitter;
    private final EventQueue queue;
    private final LongConsumer onEventRead;
    private final EngineProbe.Settings probeSettings;
    private final QueueFullReport queueFull;
    private final AtomicReference<End> end = new AtomicReference<>();
    /**
     * Held over an event's check of the end and its offer, and over the end's setting: the probe's thread ends the
     * stream while the reading thread may be offering, and an event offered after the end was set could land in the
     * queue after the publisher drained it for the last time, to be read first by the next subscription.
     */
    private final Object offering = new Object();
    private volatile DockerHttpClient client;
    private volatile Response response;
    private volatile EngineProbe probe;
    private volatile boolean stopping;
    private volatile long openedAtNanos;
    private Thread thread;

    /**
     * @param splitter  a new one for this subscription: it holds the state of the body read so far
     * @param queueFull says the queue full, the subscriptions' one: a queue that keeps filling is not said each time
     */
    EventStream(EngineConnection engine, String since, EventSplitter splitter, EventQueue queue,
                LongConsumer onEventRead, EngineProbe.Settings probeSettings, QueueFullReport queueFull) {
        this.engine = engine;
        this.since = since;
        this.splitter = splitter;
        this.queue = queue;
        this.onEventRead = onEventRead;
        this.probeSettings = probeSettings;
        this.queueFull = queueFull;
    }

    /**
     * Opens the stream on the calling thread (so a refused connection is reported at once), then reads on its own.
     * The liveness probe runs from the start: a request that hangs (a black-holed connection) is cut by it too.
     */
    public void start() {
        client = engine.eventsClient();
        probe = new EngineProbe(probeSettings, engine::probe, System::nanoTime, this::abandon).start();
        try {
            response = engine.openEvents(client, since);
            probe.streamOpened();
        } catch (RuntimeException e) {
            probe.close();
            closeClient();
            End silent = end.get();
            if (silent != null && silent.reason() == EndReason.ENGINE_SILENT) {
                throw new EngineConnection.EngineUnavailable(silent.detail(), e);
            }
            throw e;
        }
        openedAtNanos = System.currentTimeMillis() * 1_000_000L;
        thread = new Thread(this::read, "engine-events");
        thread.setDaemon(true);
        thread.start();
    }

    /** Wall-clock time the stream was opened, in epoch nanoseconds. */
    @Override
    public long openedAtNanos() {
        return openedAtNanos;
    }

    private void read() {
        byte[] buffer = new byte[READ_BUFFER];
        Response r = response;
        try {
            InputStream body = r.getBody();
            int n;
            while ((n = body.read(buffer)) >= 0) {
                probe.streamRead();
                splitter.feed(buffer, n, this::enqueue);
                if (end.get() != null) {
                    return; // the queue was full
                }
            }
            splitter.end();
            finish(EndReason.ENGINE_CLOSED, "the engine ended the stream");
        } catch (IOException | RuntimeException e) {
            finish(stopping ? EndReason.STOPPED : EndReason.ENGINE_ERROR, String.valueOf(e.getMessage()));
        } finally {
            // Whatever ended the thread (an Error included), the publisher learns the stream is over before the
            // response is closed: closing may wait on the engine.
            finish(EndReason.ENGINE_ERROR, "the reading thread stopped");
            try {
                r.close();
            } catch (RuntimeException e) {
                // already closed by stop()
            }
        }
    }

    private void enqueue(CapturedEvent event) {
        String full;
        synchronized (offering) {
            if (end.get() != null) {
                return; // ended already: the rest of this read is replayed from the checkpoint after reconnecting
            }
            if (queue.offer(event)) {
                full = null;
            } else {
                full = "the queue of " + queue.capacity() + " events or " + queue.capacityBytes()
                        + " bytes is full (" + queue.size() + " events, " + queue.bytes() + " bytes held)";
                // Said here, at once (the publishing thread may be stuck in a Kafka commit right now), and before
                // the end wakes the capture loop, which asks the report how to say the reconnection.
                queueFull.full(full);
                finish(EndReason.QUEUE_FULL, full);
            }
        }
        if (full != null) {
            return;
        }
        onEventRead.accept(1);
    }

    /**
     * The probe found the engine gone while this connection looks open: cut the socket (the blocked read ends with an
     * error) and end with {@link EndReason#ENGINE_SILENT}.
     */
    private void abandon(String detail) {
        log.warn("the Docker engine does not answer: {}", detail);
        finish(EndReason.ENGINE_SILENT, detail);
        closeClient();
    }

    private void closeClient() {
        DockerHttpClient c = client;
        if (c != null) {
            try {
                c.close(); // closes its pooled connection, the one in use included
            } catch (IOException | RuntimeException e) {
                // the socket is gone either way
            }
        }
    }

    private void finish(EndReason reason, String detail) {
        boolean ended;
        synchronized (offering) { // no event is offered once the end is set: see offering
            ended = end.compareAndSet(null, new End(stopping ? EndReason.STOPPED : reason, detail));
        }
        if (ended) {
            queue.wake(); // the publishing thread may be waiting for an event that will not come
        }
    }

    /** Null while the stream is open; set once every event it read is in the queue. */
    @Override
    public End end() {
        return end.get();
    }

    @Override
    public boolean connected() {
        return thread != null && end.get() == null;
    }

    /** Disconnects; returns once the reading thread has put its last event in the queue (or after 5 s). */
    @Override
    public void stop() {
        stopping = true;
        EngineProbe p = probe;
        if (p != null) {
            p.close();
        }
        Response r = response;
        if (r != null) {
            try {
                r.close();
            } catch (RuntimeException e) {
                // already closed
            }
        }
        closeClient();
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (offering) { // a reading thread not ended within the wait offers nothing more
            end.compareAndSet(null, new End(EndReason.STOPPED, "stopped"));
        }
    }
}
