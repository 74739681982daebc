package io.dwb.schemas.runtime;

import picocli.CommandLine.Option;

/** picocli mixin: the port of {@link MetricsEndpoint} ({@code @Mixin MetricsOption metrics;}). */
public final class MetricsOption {
    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port for /metrics (Prometheus text) and /healthz; 0 = none (env: DWB_METRICS_PORT).")
    int port;

    public int port() {
        return port;
    }
}
