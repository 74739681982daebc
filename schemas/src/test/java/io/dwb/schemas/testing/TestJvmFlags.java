package io.dwb.schemas.testing;

import java.util.Arrays;
import java.util.List;

/**
 * The JIT and collector flags of the test JVMs ({@code -Ddwb.test.jvm.flags}: pom.xml gives its
 * {@code dwb.test.jvm.flags} to surefire's {@code argLine} and to the tests), for the processes and brokers the tests
 * start: the one place they are written. Unset (a test run outside Maven): none, the JVM's defaults.
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
