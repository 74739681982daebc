package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Datagrams the socket refuses for what they are, where no dead letter is written: a replay's (it writes none) and a
 * host-state alert's (it has no record). Each is said in the log, not only counted.
 */
class DatagramWriterTest {
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    @RegisterExtension
    final LogLines lines = LogLines.of(StateChanges.class);
    private final AlertSink refusing = new AlertSink() {
        @Override
        public void send(byte[] datagram) throws SinkRejectedException {
            throw new SinkRejectedException("the socket refused the datagram (" + datagram.length
                    + " bytes): Message too long");
        }

        @Override
        public void close() {
        }
    };

    @Test
    void aReplaysAlertTheSocketRefusesIsSaidWithItsPartitionAndOffsetAndCountedApartFromInvalidRecords()
            throws Exception {
        DatagramWriter writer = new DatagramWriter(refusing, new AlertPipeline.Mode.Replay(), metrics,
                System::currentTimeMillis);
        for (long offset = 41; offset < 41 + StateChanges.DEAD_LETTER_LOG_EVERY; offset++) {
            writer.write(new Outbox.Outgoing(new byte[10], AlertKind.Engine.EVENT, record(3, offset), null));
        }

        assertThat(metrics.replayRefusedTotal()).isEqualTo(StateChanges.DEAD_LETTER_LOG_EVERY);
        assertThat(metrics.replaySkippedTotal()).as("not an invalid record").isZero();
        assertThat(lines.messages(Level.WARN, "replay: record")).as("the first, then every 1000th").containsExactly(
                "replay: record events-3@41 not delivered, the Wazuh queue refused its alert (1 so far): rejected: "
                        + "the socket refused the datagram (10 bytes): Message too long",
                "replay: record events-3@1040 not delivered, the Wazuh queue refused its alert (1000 so far): "
                        + "rejected: the socket refused the datagram (10 bytes): Message too long");
    }

    @Test
    void aHostStateAlertTheSocketRefusesIsSaidLostOncePerKind() throws Exception {
        DatagramWriter writer = new DatagramWriter(refusing, new AlertPipeline.Mode.Replay(), metrics,
                System::currentTimeMillis);
        for (int i = 0; i < 3; i++) {
            writer.write(new Outbox.Outgoing(new byte[20], BridgeAlert.SILENT_HOST, null, null));
        }
        writer.write(new Outbox.Outgoing(new byte[30], BridgeAlert.HOST_BACK, null, null));

        assertThat(metrics.socketErrorsTotal()).isEqualTo(4);
        assertThat(lines.messages(Level.WARN, "is lost")).containsExactly(
                "a silent-host alert (20 bytes) was refused by the Wazuh queue and is lost, it has no record to "
                        + "dead-letter (1 silent-host alert(s) so far): the socket refused the datagram (20 bytes): "
                        + "Message too long",
                "a host-back alert (30 bytes) was refused by the Wazuh queue and is lost, it has no record to "
                        + "dead-letter (1 host-back alert(s) so far): the socket refused the datagram (30 bytes): "
                        + "Message too long");
    }

    /**
     * An event's delivery latency is set right by how far its host's clock is found from this one: a host 100 s slow
     * made each of its events 100 s late, and a few such hosts of a fleet fired DwbForwarderDeliverySlow for good.
     */
    @Test
    void anEventsLatencyIsSetRightByItsHostsClockSkew() throws Exception {
        AlertSink taking = new AlertSink() {
            @Override
            public void send(byte[] datagram) {
            }

            @Override
            public void close() {
            }
        };
        long now = 1_764_000_000_000L;
        DatagramWriter writer = new DatagramWriter(taking, new AlertPipeline.Mode.Live(null, null), metrics,
                () -> now);
        ConsumerRecord<byte[], byte[]> slowHosts = new ConsumerRecord<>("events", 0, 0L, now - 101_000L,
                TimestampType.CREATE_TIME, 0, 2, new byte[0], "{}".getBytes(StandardCharsets.UTF_8),
                new RecordHeaders(), Optional.empty());
        writer.write(new Outbox.Outgoing(new byte[10], AlertKind.Engine.EVENT, slowHosts, null,
                -100_000_000_000L)); // its clock 100 s behind: 1 s of latency, not 101

        io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot latency =
                metrics.registry().scrape().stream()
                        .filter(s -> s.getMetadata().getName().equals("dwb_forwarder_delivery_latency_seconds"))
                        .map(s -> ((io.prometheus.metrics.model.snapshots.HistogramSnapshot) s).getDataPoints()
                                .get(0)).findFirst().orElseThrow();
        assertThat(latency.getCount()).isEqualTo(1);
        assertThat(latency.getSum()).isEqualTo(1.0);
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset) {
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>("events", partition, offset, 0L, TimestampType.CREATE_TIME, 0, value.length,
                new byte[0], value, new RecordHeaders(), Optional.empty());
    }
}
