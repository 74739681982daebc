package io.dwb.schemas.testing;

import java.util.Arrays;
import java.util.List;

/**
 * The JIT and collector flags of the test JVMs, for the processes and brokers the tests start. Written once, as
 * pom.xml's {@code dwb.test.jvm.flags}, which is surefire's {@code argLine} and reaches the tests as the system
 * property read here. Unset (a test run outside Maven): none, the JVM's defaults.
 */
public final class TestJvmFlags {
    private TestJvmFlags() {}

    public static List<String> list() {
        String flags = System.getProperty("dwb.test.jvm.flags", "").strip();
        return flags.isEmpty() ? List.of() : Arrays.asList(flags.split("\\s+"));
    }

    /** {@code KAFKA_JVM_PERFORMANCE_OPTS} for a broker a test starts (the image's own also sets headless). */
    public static String kafkaPerformanceOpts() {
        return (String.join(" ", list()) + " -Djava.awt.headless=true").strip();
    }
}
