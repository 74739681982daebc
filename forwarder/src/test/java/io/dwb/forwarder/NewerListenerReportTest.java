package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.LogLines;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Whoever may write the events topic chooses the names of the fields a forwarder does not know: a new one each record
 * is said one by one up to a bound, and does not take the line a real newer listener's gap reason gets.
 */
class NewerListenerReportTest {
    @RegisterExtension
    final LogLines logged = LogLines.of(NewerListenerReport.class);
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final NewerListenerReport report = new NewerListenerReport(metrics);

    @Test
    void forgedFieldNamesAreSaidUpToTheBoundAndLeaveANewGapReasonItsLine() {
        int forged = NewerListenerReport.MAX_SAID + 10;
        for (int i = 0; i < forged; i++) {
            report.read(record(RecordKind.HEARTBEAT, List.of("forged" + i), null));
            report.read(record(RecordKind.HEARTBEAT, List.of("forged" + i), null)); // said once only
        }
        report.read(record(RecordKind.GAP, List.of(), "engine-paused"));

        assertThat(logged.messages(Level.INFO)).filteredOn(m -> m.startsWith("heartbeat records carry field"))
                .hasSize(NewerListenerReport.MAX_SAID);
        assertThat(logged.messages()).contains("more fields this forwarder does not know than the 64 said: counted "
                + "in dwb_forwarder_records_newer_total, no longer said one by one");
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("reason 'engine-paused'"));
        assertThat(metrics.newerByKind()).containsEntry("heartbeat", 2L * forged).containsEntry("gap", 1L);
    }

    private static Classified.Bridge record(RecordKind kind, List<String> fields, String reason) {
        return new Classified.Bridge(kind, ContractJson.MAPPER.createObjectNode(), new HostRef("h", "H"),
                NewerParts.of(fields, reason));
    }
}
