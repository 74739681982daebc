package io.dwb.runtime;

import java.time.Duration;
import picocli.CommandLine.Option;

/** picocli mixin: where {@link MetricsEndpoint} listens, and when /healthz gives up on a fault ({@code @Mixin}). */
public final class MetricsOption {
    /** Loopback only unless asked: the metrics name hosts, containers and topics. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    public static final String DEFAULT_UNHEALTHY_AFTER = "60s";

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0", converter = PortArgument.Converter.class,
            description = "Port for /metrics (Prometheus text) and /healthz; 0 = none (env: DWB_METRICS_PORT).")
    int port;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS", defaultValue = DEFAULT_ADDRESS,
            description = "Address the metrics port listens on; 0.0.0.0 for every interface "
                    + "(env: DWB_METRICS_ADDRESS).")
    String address;

    @Option(names = "--unhealthy-after", paramLabel = "DURATION", defaultValue = DEFAULT_UNHEALTHY_AFTER,
            converter = DurationArgument.Converter.class,
            description = "Forwarder: how long Kafka may be unreachable, or Wazuh or the dead-letter topic refuse "
                    + "alerts, before /healthz answers 503; the listener's fails at once (env: DWB_UNHEALTHY_AFTER).")
    Duration unhealthyAfter;

    public int port() {
        return port;
    }

    public MetricsEndpoint.Binding binding() {
        return new MetricsEndpoint.Binding(address, port);
    }

    public Duration unhealthyAfter() {
        return unhealthyAfter;
    }
}
