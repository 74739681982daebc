package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.LogLines;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the embedded broker says when anyone who reaches its port (any local user) sends it what is no Kafka request
 * of a SASL client: before, a WARN with a stack trace of some 15 lines for each connection ({@code Unexpected error
 * from … closing connection}, Kafka's {@code Selector}), so that a loop of a few connections a second flooded the
 * unit's journal (journald then drops the bridge's own lines) or the wodle's log file. The connection is closed as
 * before, and nothing is said.
 */
class BrokerLoggingTest {
    private static final int CONNECTIONS = 20;

    @TempDir
    Path dataDir;
    @RegisterExtension
    final LogLines logged = LogLines.of("org.apache.kafka.common.network.Selector");

    @Test
    void connectionsThatSendNoKafkaRequestAreClosedWithoutALineEach() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            String[] hostPort = kafka.bootstrapServers().split(":");
            for (int i = 0; i < CONNECTIONS; i++) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5000);
                    socket.setSoTimeout(10_000);
                    OutputStream out = socket.getOutputStream();
                    out.write(new byte[] {0, 0, 0, 10, 'n', 'o', 't', ' ', 'k', 'a', 'f', 'k', 'a', '!'});
                    out.flush();
                    InputStream in = socket.getInputStream();
                    assertThat(in.readAllBytes()).as("closed by the broker").isEmpty();
                }
            }
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                assertThat(admin.listTopics().names().get()).as("the broker still serves").isNotNull();
            }
        }
        assertThat(logged.lines()).as("nothing said for them").isEmpty();
    }
}
