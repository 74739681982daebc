package io.dwb.bench.fleet;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Silent-host alerts against the hosts known to have gone silent: each of those must raise exactly one
 * {@code silent-host} followed by one {@code host-back}; any other host must raise neither.
 *
 * @param falseAlerts alerts for hosts that never went silent (as "host event")
 * @param missed      silent hosts without their silent-host or their host-back alert (as "host event")
 * @param repeated    silent hosts that raised one of the two more than once
 */
public record SilentHostCheck(int silentHosts, int alerts, List<String> falseAlerts, List<String> missed,
                              List<String> repeated) {
    public static SilentHostCheck of(Set<String> silent, List<FleetLedger.HostAlert> alerts) {
        Map<String, List<FleetLedger.HostAlert>> byHost = alerts.stream()
                .collect(Collectors.groupingBy(FleetLedger.HostAlert::hostId));
        Set<String> falseAlerts = new TreeSet<>();
        alerts.stream().filter(a -> !silent.contains(a.hostId()))
                .forEach(a -> falseAlerts.add(a.hostId() + " " + a.event()));
        Set<String> missed = new TreeSet<>();
        Set<String> repeated = new TreeSet<>();
        for (String host : silent) {
            List<FleetLedger.HostAlert> own = byHost.getOrDefault(host, List.of());
            for (String event : List.of(FleetLedger.SILENT, FleetLedger.BACK)) {
                long n = own.stream().filter(a -> a.event().equals(event)).count();
                if (n == 0) {
                    missed.add(host + " " + event);
                } else if (n > 1) {
                    repeated.add(host + " " + event + " ×" + n);
                }
            }
            long silentAt = own.stream().filter(a -> a.event().equals(FleetLedger.SILENT))
                    .mapToLong(FleetLedger.HostAlert::nanos).min().orElse(Long.MAX_VALUE);
            long backAt = own.stream().filter(a -> a.event().equals(FleetLedger.BACK))
                    .mapToLong(FleetLedger.HostAlert::nanos).max().orElse(Long.MIN_VALUE);
            if (silentAt != Long.MAX_VALUE && backAt != Long.MIN_VALUE && backAt < silentAt) {
                missed.add(host + " " + FleetLedger.BACK + " after " + FleetLedger.SILENT);
            }
        }
        return new SilentHostCheck(silent.size(), alerts.size(), List.copyOf(falseAlerts), List.copyOf(missed),
                List.copyOf(repeated));
    }

    public boolean right() {
        return falseAlerts.isEmpty() && missed.isEmpty();
    }
}
