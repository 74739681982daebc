package io.dwb.schemas.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Stands in for the Wazuh queue socket: a real AF_UNIX SOCK_DGRAM socket bound at a path, reading datagrams as
 * wazuh-agentd / analysisd do ({@code recv} of at most 65536 bytes) and keeping them in arrival order.
 * {@link #stopReading()} leaves the socket bound but unread, so the sender fills its buffer, as a stalled Wazuh does.
 */
public final class DatagramReceiver implements AutoCloseable {
    /** OS_MAXSTR in Wazuh: what its reader takes of one datagram. */
    public static final int WAZUH_MAX_DATAGRAM = 65536;
    /**
     * What wazuh-agentd forwards of one datagram (its CreateSecMSG: OS_MAXSTR - OS_HEADER_SIZE); a longer one it
     * refuses whole. The bound every alert must keep, on a manager or an agent.
     */
    public static final int AGENT_MAX_MESSAGE = WAZUH_MAX_DATAGRAM - 128;
    /**
     * The longest origin the manager's remoted writes before an agent's event ({@code "[id] (name) ip"}): an id of 8
     * digits, a name of 128 characters (Wazuh's bound on agent names) and an IPv6 address with its prefix length,
     * each {@code :} escaped as {@code |:}.
     */
    public static final String LONGEST_AGENT_ORIGIN = "[" + "9".repeat(8) + "] (" + "n".repeat(128) + ") "
            + "ffff|:".repeat(7) + "ffff/128";

    private final Path path;
    private final AFUNIXDatagramSocket socket;
    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final AtomicBoolean reading = new AtomicBoolean(true);
    private volatile CountDownLatch resume = new CountDownLatch(0);
    private final Thread reader;

    private DatagramReceiver(Path path) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        socket = AFUNIXDatagramSocket.newInstance();
        socket.bind(AFUNIXSocketAddress.of(path));
        reader = new Thread(this::readLoop, "datagram-receiver");
        reader.setDaemon(true);
        reader.start();
    }

    /** Binds a receiver at {@code path} (removing a stale file there first). */
    public static DatagramReceiver bind(Path path) throws IOException {
        return new DatagramReceiver(path);
    }

    public Path path() {
        return path;
    }

    private void readLoop() {
        byte[] buffer = new byte[WAZUH_MAX_DATAGRAM + 1];
        while (!socket.isClosed()) {
            try {
                resume.await();
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                byte[] copy = new byte[packet.getLength()];
                System.arraycopy(packet.getData(), packet.getOffset(), copy, 0, packet.getLength());
                received.add(copy);
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Leaves the socket bound but stops reading it: senders see it fill, then block or get EAGAIN. */
    public void stopReading() {
        if (reading.compareAndSet(true, false)) {
            resume = new CountDownLatch(1);
        }
    }

    public void resumeReading() {
        if (reading.compareAndSet(false, true)) {
            resume.countDown();
        }
    }

    /**
     * What analysisd reads of an agent's datagram on the manager: remoted's {@code SendMSG} writes the queue
     * character, {@code :}, the agent's origin, {@code ->} and the datagram after its own queue character and colon,
     * into {@code OS_MAXSTR} bytes ending with a NUL (a {@code snprintf}: whatever is longer is cut, silently).
     */
    public static String asRemotedForwardsIt(byte[] datagram, String origin) {
        String text = new String(datagram, StandardCharsets.UTF_8);
        byte[] written = (text.charAt(0) + ":" + origin + "->" + text.substring(2)).getBytes(StandardCharsets.UTF_8);
        return new String(written, 0, Math.min(written.length, WAZUH_MAX_DATAGRAM - 1), StandardCharsets.UTF_8);
    }

    /** Every datagram received so far, as bytes. */
    public List<byte[]> datagrams() {
        return List.copyOf(received);
    }

    /** Every datagram received so far, as UTF-8 text. */
    public List<String> texts() {
        List<String> texts = new ArrayList<>();
        for (byte[] d : received) {
            texts.add(new String(d, StandardCharsets.UTF_8));
        }
        return texts;
    }

    /** Every datagram received so far, read strictly as an alert ({@link AlertJson#ofDatagram}). */
    public List<com.fasterxml.jackson.databind.node.ObjectNode> alerts() {
        List<com.fasterxml.jackson.databind.node.ObjectNode> alerts = new ArrayList<>();
        for (byte[] d : received) {
            alerts.add(AlertJson.ofDatagram(d));
        }
        return alerts;
    }

    public int count() {
        return received.size();
    }

    /**
     * Whether {@code alert} is the forwarder's word that records were written to its dead-letter topic
     * ({@code records-dead-lettered}), which comes apart from the records' alerts, about a second after the letters.
     */
    public static boolean deadLetterNotice(com.fasterxml.jackson.databind.JsonNode alert) {
        return alert.path("docker_bridge").path("event").asText().equals("records-dead-lettered");
    }

    /** The datagrams received so far but the {@linkplain #deadLetterNotice dead-letter notices}, as bytes. */
    public List<byte[]> deliveredDatagrams() {
        return datagrams().stream().filter(d -> !deadLetterNotice(AlertJson.ofDatagram(d))).toList();
    }

    /** The alerts received so far but the {@linkplain #deadLetterNotice dead-letter notices}. */
    public List<com.fasterxml.jackson.databind.node.ObjectNode> deliveredAlerts() {
        return alerts().stream().filter(a -> !deadLetterNotice(a)).toList();
    }

    /** How many alerts were received so far but the {@linkplain #deadLetterNotice dead-letter notices}. */
    public int deliveredCount() {
        return deliveredAlerts().size();
    }

    /** The {@linkplain #deadLetterNotice dead-letter notices} received so far. */
    public List<com.fasterxml.jackson.databind.node.ObjectNode> deadLetterNotices() {
        return alerts().stream().filter(DatagramReceiver::deadLetterNotice).toList();
    }

    /**
     * Closes the socket and waits for the reader to leave it, so the socket is gone when this returns: a sender still
     * connected to it is then refused, as when Wazuh exits (a close that returned while the reader still held the
     * socket let a send land in it, lost, in one CI run of WazuhQueueTest).
     */
    @Override
    public void close() throws IOException {
        resume.countDown();
        socket.close();
        Files.deleteIfExists(path);
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            throw new IOException("the receiver's reader did not leave " + path + " within 10 s of its close");
        }
    }
}
