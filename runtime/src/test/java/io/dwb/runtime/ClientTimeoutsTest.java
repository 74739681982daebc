package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The timeouts derived for the bridge's clients, and that Kafka builds the clients with them (no broker needed). */
class ClientTimeoutsTest {
    private static Properties client(Map<String, String> settings) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "127.0.0.1:1");
        p.putAll(settings);
        return p;
    }

    @Test
    void withoutARequestTimeoutOfTheUsersAShortCallLowersIt() {
        Properties p = ClientTimeouts.admin(client(Map.of()), Duration.ofSeconds(2));
        assertThat(p.getProperty("default.api.timeout.ms")).isEqualTo("2000");
        assertThat(p.getProperty("request.timeout.ms")).isEqualTo("2000");

        Properties longCall = ClientTimeouts.admin(client(Map.of()), Duration.ofSeconds(60));
        assertThat(longCall.getProperty("default.api.timeout.ms")).isEqualTo("60000");
        assertThat(longCall.getProperty("request.timeout.ms")).as("Kafka's default at most").isEqualTo("30000");

        Properties usersCall = ClientTimeouts.admin(client(Map.of("default.api.timeout.ms", "5000")),
                Duration.ofSeconds(30));
        assertThat(usersCall.getProperty("request.timeout.ms")).isEqualTo("5000");
    }

    @Test
    void aRequestTimeoutOfTheUsersIsKeptAndTheCallsRaisedToIt() {
        for (Duration call : new Duration[] {Duration.ofSeconds(2), Duration.ofSeconds(30)}) {
            Properties p = ClientTimeouts.admin(client(Map.of("request.timeout.ms", "60000")), call);
            assertThat(p.getProperty("request.timeout.ms")).isEqualTo("60000");
            assertThat(p.getProperty("default.api.timeout.ms")).isEqualTo("60000");
            try (Admin admin = Admin.create(p)) {
                assertThat(admin).isNotNull();
            }
        }
        assertThat(ClientTimeouts.admin(client(Map.of("request.timeout.ms", "1000")), Duration.ofSeconds(30))
                .getProperty("default.api.timeout.ms")).isEqualTo("30000");
    }

    @Test
    void theDeliveryTimeoutIsAtLeastLingerPlusRequest() {
        assertThat(delivery(Map.of("request.timeout.ms", "20000"))).isEqualTo("30000");
        assertThat(delivery(Map.of())).as("Kafka's request.timeout.ms and linger.ms").isEqualTo("30005");
        assertThat(delivery(Map.of("request.timeout.ms", "60000"))).as("Kafka's linger.ms, 5").isEqualTo("60005");
        assertThat(delivery(Map.of("request.timeout.ms", "60000", "linger.ms", "100"))).isEqualTo("60100");
        assertThat(delivery(Map.of("delivery.timeout.ms", "200000"))).as("the user's own").isEqualTo("200000");
        Properties p = client(Map.of("request.timeout.ms", " 60000 ",
                "key.serializer", ByteArraySerializer.class.getName(),
                "value.serializer", ByteArraySerializer.class.getName()));
        ClientTimeouts.deliveryTimeout(p, Duration.ofSeconds(30));
        new KafkaProducer<byte[], byte[]>(p).close(Duration.ZERO);
    }

    @Test
    void aTimeoutThatIsNoNumberIsAConfigurationErrorNamingIt() {
        assertThatThrownBy(() -> ClientTimeouts.admin(client(Map.of("request.timeout.ms", "1m")),
                Duration.ofSeconds(2))).isInstanceOf(ConfigurationError.class)
                .hasMessage("request.timeout.ms in the Kafka client configuration is not a number of milliseconds: 1m");
    }

    private static String delivery(Map<String, String> settings) {
        Properties p = client(settings);
        ClientTimeouts.deliveryTimeout(p, Duration.ofSeconds(30));
        return p.getProperty("delivery.timeout.ms");
    }
}
