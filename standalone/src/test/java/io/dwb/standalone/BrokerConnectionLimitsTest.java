package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any local user may connect to the embedded broker's ports (all on 127.0.0.1) without logging in. Each connection
 * it took cost this JVM a descriptor and heap, with no bound: 9,000 idle ones stayed open, and enough of them would
 * have stopped the broker, the listener and the forwarder together, again after each restart. The broker runs in
 * this test's JVM, so the descriptors it holds are read from /proc/self, as an operator would read the process's.
 */
class BrokerConnectionLimitsTest {
    private static final int PAST_THE_CAP = 100;

    @TempDir
    Path dataDir;

    @Test
    void connectionsPastTheClientCapStayOutOfTheProcessAndTheBridgesClientsKeepWorking() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Admin admin = Admin.create(kafka.clientProperties());
             KafkaProducer<String, String> producer = EmbeddedKafkaTest.transactionalProducer(kafka);
             KafkaConsumer<String, String> consumer = reader(kafka)) {
            int clientPort = port(kafka.bootstrapServers());
            // The bridge's clients connect at its start, before anyone else can flood the port.
            admin.createTopics(List.of(new NewTopic("before", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            producer.initTransactions();
            commit(producer, "before", "first");
            TopicPartition before = new TopicPartition("before", 0);
            consumer.assign(List.of(before));
            consumer.seekToBeginning(List.of(before));
            assertThat(EmbeddedKafkaTest.readValues(consumer, 1)).containsExactly("first");

            List<SocketChannel> flood = new ArrayList<>();
            try {
                floodPastTheCap(clientPort, EmbeddedKafka.CLIENT_MAX_CONNECTIONS, flood);

                // The clients connected before still work, and so does what the broker does over its own listeners:
                // a topic's creation goes to the controller, a transaction's markers over the inter-broker listener.
                admin.createTopics(List.of(new NewTopic("during", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                commit(producer, "during", "second");
                TopicPartition during = new TopicPartition("during", 0);
                consumer.assign(List.of(during));
                consumer.seekToBeginning(List.of(during));
                assertThat(EmbeddedKafkaTest.readValues(consumer, 1)).containsExactly("second");
            } finally {
                closeAll(flood);
            }
            // The places are given back as the connections close: a client that comes later logs in.
            try (Admin later = Admin.create(kafka.clientProperties())) {
                assertThat(later.listTopics().names().get(30, TimeUnit.SECONDS)).contains("before", "during");
            }
        }
    }

    @Test
    void theBrokersOwnListenersHaveTheirCapsToo() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            for (int port : new int[] {kafka.internalPort(), kafka.controllerPort()}) {
                List<SocketChannel> flood = new ArrayList<>();
                try {
                    floodPastTheCap(port, EmbeddedKafka.BROKER_LISTENER_MAX_CONNECTIONS, flood);
                } finally {
                    closeAll(flood);
                }
            }
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("after", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Kafka allocates the length a request announces before reading it: before a login, up to 512 KiB a connection
     * by default, so a few hundred connections announcing it could take the heap of the whole process.
     */
    @Test
    void aRequestLongerThanALoginNeedsIsRefusedBeforeALogin() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port(kafka.bootstrapServers())), 5000);
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(EmbeddedKafka.MAX_RECEIVE_BEFORE_LOGIN + 1);
            out.flush();
            assertThat(closedByPeer(socket.getInputStream())).as("the broker closed the connection").isTrue();
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).isNotNull();
            }
        }
    }

    /** True when the peer closed or reset the connection; a read timeout (still open) fails the test. */
    private static boolean closedByPeer(InputStream in) throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketException e) { // reset
            return true;
        }
    }

    /**
     * Opens connections to {@code port} (into {@code opened}) until the broker holds {@code cap} of them, then
     * {@link #PAST_THE_CAP} more, and checks that the broker takes no more than the cap: one more at most, which its
     * acceptor has taken and holds while it waits for a place.
     */
    private static void floodPastTheCap(int port, int cap, List<SocketChannel> opened) throws IOException {
        int before = accepted(port); // the broker's and the test's own clients: within the cap too
        // In steps of 20, each taken before the next: a burst past the kernel's backlog of 50 is answered with SYN
        // cookies, and those the full backlog then drops never reach the broker, which would never reach its cap.
        while (accepted(port) < cap) {
            for (int i = 0; i < 20; i++) {
                opened.add(connect(port));
            }
            int expected = Math.min(cap, before + opened.size());
            await().atMost(Duration.ofSeconds(10)).until(() -> accepted(port), n -> n >= expected);
        }
        for (int i = 0; i < PAST_THE_CAP; i++) {
            opened.add(connect(port));
        }
        // Those wait in the kernel's backlog (or are dropped there), holding nothing of this process.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> accepted(port),
                n -> n <= cap + 1);
    }

    /** A connection begun without waiting for it: one the kernel holds back stays pending. */
    private static SocketChannel connect(int port) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.connect(new InetSocketAddress("127.0.0.1", port));
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void closeAll(List<SocketChannel> channels) {
        for (SocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing a test's socket: nothing to do
            }
        }
    }

    /**
     * The descriptors this process holds for connections accepted on {@code port}: sockets whose local port it is
     * (the connecting ends have it as their remote port). A connection the kernel completed but the broker has not
     * accepted has no descriptor (inode 0 in /proc/net/tcp).
     */
    private static int accepted(int port) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) { // after the header
                String[] fields = line.trim().split("\\s+");
                String local = fields[1];
                boolean listening = fields[3].equals("0A");
                if (!listening && Integer.parseInt(local.substring(local.indexOf(':') + 1), 16) == port
                        && !fields[9].equals("0")) {
                    inodes.add(fields[9]);
                }
            }
        }
        int count = 0;
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
            for (Path descriptor : (Iterable<Path>) descriptors::iterator) {
                try {
                    String target = Files.readSymbolicLink(descriptor).toString();
                    if (target.startsWith("socket:[")
                            && inodes.contains(target.substring("socket:[".length(), target.length() - 1))) {
                        count++;
                    }
                } catch (NoSuchFileException e) {
                    // closed while listed
                }
            }
        }
        return count;
    }

    private static int port(String bootstrapServers) {
        return Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    }

    private static void commit(KafkaProducer<String, String> producer, String topic, String value) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, "k", value));
        producer.commitTransaction();
    }

    private static KafkaConsumer<String, String> reader(EmbeddedKafka kafka) {
        Properties p = kafka.clientProperties();
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }
}
