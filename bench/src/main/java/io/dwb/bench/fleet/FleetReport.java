package io.dwb.bench.fleet;

import io.dwb.bench.ResultsReport;
import io.dwb.bench.ResultsReport.Row;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The fleet run's rows and notes for bench/RESULTS.md, and whether it passed (no loss, no false or missed alert). */
public final class FleetReport {
    private FleetReport() {}

    /** Adds the rows; returns true when the run passed. */
    public static boolean add(ResultsReport report, FleetSettings s, FleetBench.Outcome o) {
        FleetLedger.Outcome l = o.ledger();
        SilentHostCheck silent = l.silent();
        boolean passed = l.lost() == 0 && silent.right() && o.complete();
        report.add(new Row(String.format(Locale.ROOT, "Events lost: every event, gap and state part published "
                        + "(%,d by the generator's %,d hosts, %,d by %d listeners) reaches a receiver", l.expected()
                        - o.listenerEvents(), s.hosts(), o.listenerEvents(), s.listeners()),
                String.format(Locale.ROOT, "%,d lost of %,d", l.lost(), l.expected()), "", "", "0",
                ResultsReport.yesNo(l.lost() == 0)));
        report.add(new Row("Duplicates delivered", String.format(Locale.ROOT, "%,d (%,d outside the bound)",
                l.duplicates(), l.duplicatesOutOfBound()), "bound: what the SIGKILLed forwarder delivered in the "
                + FleetBench.REDELIVERY_BOUND.toSeconds() + " s before its kill (`--commit-interval` 1 s + a "
                + "commit's round trip)", "", "all within the bound",
                ResultsReport.yesNo(l.duplicatesOutOfBound() == 0)));
        report.add(new Row(String.format(Locale.ROOT, "Silent-host alerts: false / missed (%d hosts silent for %d "
                        + "intervals, %d skipping one heartbeat)", silent.silentHosts(), FleetPlan.SILENT_INTERVALS,
                silent.silentHosts()), silent.falseAlerts().size() + " / " + silent.missed().size(),
                String.format(Locale.ROOT, "%d silent-host and host-back alerts received, %d repeated",
                        silent.alerts(), silent.repeated().size()), "", "0 / 0", ResultsReport.yesNo(silent.right())));
        report.add(new Row("Time to full delivery after SIGKILL of one forwarder (restarted after "
                + s.restartDelay().toSeconds() + " s)", String.format(Locale.ROOT, "%.1f s",
                l.fullDeliveryAfterKillNanos() / 1e9), "until every record published before the restart arrived",
                "", "", ""));
        report.add(new Row("Peak RSS, fleet run (listener / forwarder)", ResultsReport.mb(o.listenerPeakKb()) + " / "
                + ResultsReport.mb(o.forwarderPeakKb()), "", "", "≤ 150 MB / ≤ 200 MB",
                ResultsReport.yesNo(o.listenerPeakKb() <= 150 * 1024 && o.forwarderPeakKb() <= 200 * 1024)));
        BrokerLoad perHost = o.idleListeners().perClient(o.none(), o.idleListenerCount());
        report.add(new Row("Broker load per idle host (one idle listener), from the brokers' metrics",
                String.format(Locale.ROOT, "%.3f client requests/s, %.1f connections, %.4f transactions/s; plus "
                                + "%.3f follower fetches/s", perHost.clientPerSecond(), perHost.connections(),
                        perHost.transactionsPerSecond(), perHost.perSecond("FetchFollower")),
                String.format(Locale.ROOT, "%d idle listeners vs none, %d s windows: %s", o.idleListenerCount(),
                        s.idleWindow().toSeconds(), byType(perHost)), "", "", ""));
        report.add(new Row("Broker load at 10,000 idle hosts (per host × 10,000; follower fetches do not scale so: "
                + "see the next row)", String.format(Locale.ROOT, "%,.0f client requests/s, %,.0f connections, "
                        + "%,.0f transactions/s", perHost.clientPerSecond() * 10_000, perHost.connections() * 10_000,
                perHost.transactionsPerSecond() * 10_000), "", "", "", ""));
        report.add(new Row("Broker load, whole fleet run (generator + listeners + forwarders; the no-client load "
                + "subtracted)", String.format(Locale.ROOT, "%,.0f client requests/s, %.0f connections, %.1f "
                        + "transactions/s, %,.0f follower fetches/s", o.fleet().clientPerSecond()
                        - o.none().clientPerSecond(), o.fleet().connections(), o.fleet().transactionsPerSecond(),
                o.fleet().perSecond("FetchFollower") - o.none().perSecond("FetchFollower")),
                "no clients: " + String.format(Locale.ROOT, "%,.1f requests/s (%s)", o.none().totalPerSecond(),
                        byType(o.none())), "", "", ""));
        report.note(String.format(Locale.ROOT, "Generator: %,d hosts (1 %% busy at 1 event/s, 9 %% at one per "
                        + "30 s, the rest one per 10 min), %,d events, %,d heartbeats (every %d s), %,d gaps with "
                        + "their state, in %,d transactions of %d producers; %d listeners at %.1f events/s each "
                        + "(%,d events); fleet phase %d s; whole run %d s.", s.hosts(), o.generatorEvents(),
                o.generatorHeartbeats(), s.interval().toSeconds(), o.generatorGaps(), o.generatorTransactions(),
                s.producers(), s.listeners(), s.listenerRate(), o.listenerEvents(), o.fleetSeconds(),
                o.runSeconds()));
        report.note("Broker load during the fleet run by type: " + byType(o.fleet()) + ".");
        if (!o.complete()) {
            report.note("The drain timed out (" + s.drainTimeout().toSeconds() + " s) before every alert arrived.");
        }
        if (!silent.falseAlerts().isEmpty() || !silent.missed().isEmpty() || !silent.repeated().isEmpty()) {
            report.note("Silent-host alerts: false " + first(silent.falseAlerts()) + "; missed "
                    + first(silent.missed()) + "; repeated " + first(silent.repeated()) + ".");
        }
        if (l.unexpected() > 0 || !l.otherAlerts().isEmpty()) {
            report.note(String.format(Locale.ROOT, "%,d alerts for records nobody published; other alerts: %s.",
                    l.unexpected(), first(l.otherAlerts())));
        }
        return passed;
    }

    private static String byType(BrokerLoad load) {
        return load.requestsPerSecond().entrySet().stream()
                .filter(e -> Math.abs(e.getValue()) >= 0.0005)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> String.format(Locale.ROOT, "%s %.3f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String first(List<String> items) {
        return items.isEmpty() ? "none" : items.size() + " (" + String.join(", ", items.subList(0,
                Math.min(5, items.size()))).replace('|', '/') + (items.size() > 5 ? ", ..." : "") + ")";
    }
}
