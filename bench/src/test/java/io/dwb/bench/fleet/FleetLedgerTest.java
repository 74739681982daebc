package io.dwb.bench.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetLedgerTest {
    private static final long KILL = 1_000_000_000_000L;
    private static final long BOUND = 2_000_000_000L;

    @Test
    void aRecordThatNeverArrivedIsLostAndTheTimeToFullDeliveryCountsFromTheKill() {
        FleetLedger ledger = new FleetLedger();
        ledger.expect("a", 10);
        ledger.expect("b", 20);
        ledger.expect("c", 99_999); // after the kill: not part of the full-delivery time
        ledger.arrived("a", 1, KILL - 5_000_000_000L);
        ledger.arrived("b", 0, KILL + 7_000_000_000L);
        FleetLedger.Outcome o = ledger.outcome(50, KILL, BOUND, 0, Set.of());
        assertThat(o.lost()).isEqualTo(1);
        assertThat(o.delivered()).isEqualTo(2);
        assertThat(o.fullDeliveryAfterKillNanos()).isEqualTo(7_000_000_000L);
        assertThat(ledger.complete()).isFalse();
    }

    @Test
    void onlyTheKilledForwardersRedeliveryOfItsLastSecondsIsWithinTheBound() {
        FleetLedger ledger = new FleetLedger();
        for (String k : new String[] {"in", "early", "other"}) {
            ledger.expect(k, 1);
        }
        ledger.arrived("in", 0, KILL - 1_000_000_000L);
        ledger.arrived("in", 0, KILL + 9_000_000_000L);
        ledger.arrived("early", 0, KILL - 10_000_000_000L);
        ledger.arrived("early", 0, KILL + 9_000_000_000L);
        ledger.arrived("other", 2, KILL - 1_000_000_000L);
        ledger.arrived("other", 2, KILL + 1);
        ledger.arrived("nobody", 1, KILL);
        FleetLedger.Outcome o = ledger.outcome(5, KILL, BOUND, 0, Set.of());
        assertThat(o.duplicates()).isEqualTo(3);
        assertThat(o.duplicatesOutOfBound()).isEqualTo(2);
        assertThat(o.unexpected()).isEqualTo(1);
        assertThat(o.lost()).isZero();
    }

    @Test
    void silentHostAlertsAreCheckedAgainstTheKnownSilentSet() {
        SilentHostCheck check = SilentHostCheck.of(Set.of("s1", "s2", "s3"), java.util.List.of(
                new FleetLedger.HostAlert("s1", FleetLedger.SILENT, 0, 1),
                new FleetLedger.HostAlert("s1", FleetLedger.BACK, 0, 2),
                new FleetLedger.HostAlert("s2", FleetLedger.SILENT, 1, 1), // never back
                new FleetLedger.HostAlert("s3", FleetLedger.SILENT, 1, 1),
                new FleetLedger.HostAlert("s3", FleetLedger.SILENT, 1, 2),
                new FleetLedger.HostAlert("s3", FleetLedger.BACK, 1, 3),
                new FleetLedger.HostAlert("busy", FleetLedger.SILENT, 2, 5)));
        assertThat(check.falseAlerts()).containsExactly("busy silent-host");
        assertThat(check.missed()).containsExactly("s2 host-back");
        assertThat(check.repeated()).containsExactly("s3 silent-host ×2");
        assertThat(check.right()).isFalse();
        assertThat(SilentHostCheck.of(Set.of("s1"), java.util.List.of(
                new FleetLedger.HostAlert("s1", FleetLedger.SILENT, 0, 1),
                new FleetLedger.HostAlert("s1", FleetLedger.BACK, 0, 2))).right()).isTrue();
    }
}
