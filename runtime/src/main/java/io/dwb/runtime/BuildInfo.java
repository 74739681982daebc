package io.dwb.runtime;

import io.dwb.schemas.ContractVersion;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Which release a process runs, and which contract version it writes and reads up to: {@code --version}, and
 * {@code dwb_build_info{version,contract}} (value 1, as Prometheus' own {@code *_build_info}) so that an operator
 * upgrading a fleet one host at a time sees which listeners and forwarders are upgraded yet.
 */
public final class BuildInfo {
    private static final String UNRELEASED = "0.1.0-SNAPSHOT";

    private BuildInfo() {}

    /** The jar's {@code Implementation-Version} ({@code bin/release --version}), or the unreleased version. */
    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v == null ? UNRELEASED : v;
    }

    /** Registers {@code dwb_build_info} ({@link MetricsEndpoint} serves it beside the JVM's metrics). */
    public static void register(PrometheusRegistry registry) {
        Info info = Info.builder().name("dwb_build_info")
                .help("The release this process runs (version) and the contract version of the records it writes "
                        + "and reads up to (contract); always 1")
                .labelNames("version", "contract").register(registry);
        info.setLabelValues(version(), Integer.toString(ContractVersion.CURRENT));
    }
}
