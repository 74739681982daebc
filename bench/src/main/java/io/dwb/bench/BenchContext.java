package io.dwb.bench;

import java.nio.file.Path;

/**
 * What every measurement shares: the broker, the JVM flags of the launchers, the module jars and where sockets
 * and process logs go.
 *
 * @param listenerJavaOpts  listener/src/main/jvm/jvm.options, the flags bin/listener runs with
 * @param forwarderJavaOpts forwarder/src/main/jvm/jvm.options, the flags bin/forwarder runs with
 * @param workDir       short path for the Unix sockets (sun_path holds 108 bytes)
 * @param logDir        one log file per process started
 */
public record BenchContext(String bootstrapServers, String listenerJavaOpts, String forwarderJavaOpts,
                           Path listenerJar, Path forwarderJar,
                           Path workDir, Path logDir) {
    public static final String LISTENER_MAIN = "io.dwb.listener.Main";
    public static final String FORWARDER_MAIN = "io.dwb.forwarder.ForwarderCommand";
}
