package io.dwb.standalone;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.CyclicBufferAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Kafka's broker ends its JVM on a fault it takes as fatal ({@code Exit.halt(1)}: every log dir failed, the metadata
 * log dir offline, a metadata fault in a node that is broker and controller at once). In a test JVM that is a fork
 * that "terminated without properly saying goodbye", its cause lost with the fork's output: the clean-clone CI of
 * {@code a61580e} ended so in StandaloneTopicsRetentionTest, once in many runs. Registered for every test of this
 * module ({@code junit-platform.properties}), this takes Kafka's exit instead, as Kafka's own test harness does: the
 * call is kept with its thread's stack and the ERROR lines logged just before it, and the test it came during fails
 * with them.
 */
public final class KafkaExitTrap implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaExitTrap.class);
    /** ERROR lines kept to tell what a call followed: Kafka logs the fault, then asks for the exit. */
    private static final int ERROR_LINES = 8;

    @Override
    public void beforeAll(ExtensionContext context) {
        traps(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        failOnCalls(context);
    }

    /** A call after the class's last test (its brokers closing in an {@code @AfterAll}, a thread still running). */
    @Override
    public void afterAll(ExtensionContext context) {
        failOnCalls(context);
    }

    private static void failOnCalls(ExtensionContext context) {
        List<String> calls = traps(context).drain();
        if (!calls.isEmpty()) {
            throw new AssertionError("Kafka asked to end this JVM during the test (taken by KafkaExitTrap; a "
                    + "standalone would have exited):\n" + String.join("\n", calls));
        }
    }

    /** The JVM's one trap, set at the first test class and put back when the run ends. */
    private static Trap traps(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Trap.class, k -> Trap.set(), Trap.class);
    }

    /** Kafka's exit and halt procedures while the tests run, and what they were asked. */
    private static final class Trap implements AutoCloseable {
        private final Queue<String> calls = new ConcurrentLinkedQueue<>();
        private final CyclicBufferAppender<ILoggingEvent> errors = new CyclicBufferAppender<>();
        private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

        static Trap set() {
            Trap trap = new Trap();
            ThresholdFilter onlyErrors = new ThresholdFilter();
            onlyErrors.setLevel(Level.ERROR.levelStr);
            onlyErrors.start();
            trap.errors.addFilter(onlyErrors);
            trap.errors.setMaxSize(ERROR_LINES);
            trap.errors.start();
            trap.root.addAppender(trap.errors);
            Exit.setExitProcedure((status, message) -> trap.take("exit", status, message));
            Exit.setHaltProcedure((status, message) -> trap.take("halt", status, message));
            return trap;
        }

        /** Kafka's code goes on past the call only by this exception: its exit is typed as never returning. */
        private void take(String what, int status, String message) {
            StringBuilder call = new StringBuilder(what).append('(').append(status).append(", ").append(message)
                    .append(") in thread ").append(Thread.currentThread().getName()).append(" at");
            StackTraceElement[] frames = Thread.currentThread().getStackTrace();
            int first = 0; // from Kafka's Exit call on: the frames above it are the trap's own
            while (first < frames.length && !frames[first].getClassName().equals(Exit.class.getName())) {
                first++;
            }
            for (int i = first; i < frames.length; i++) {
                call.append("\n    ").append(frames[i]);
            }
            call.append("\n  after these ERROR lines, oldest first:");
            try {
                for (String line : errorLines()) {
                    call.append("\n    ").append(line);
                }
            } catch (RuntimeException e) { // the appender's buffer changing under this thread: the call is kept
                call.append("\n    (not read: ").append(e).append(')');
            }
            calls.add(call.toString());
            throw new IllegalStateException("Kafka's " + what + "(" + status + ") taken by the tests' KafkaExitTrap");
        }

        private List<String> errorLines() {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < errors.getLength(); i++) {
                ILoggingEvent event = errors.get(i);
                StringBuilder line = new StringBuilder(event.getThreadName()).append(' ')
                        .append(event.getLoggerName()).append(": ").append(event.getFormattedMessage());
                for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                    line.append(" <- ").append(cause.getClassName()).append(": ").append(cause.getMessage());
                }
                lines.add(line.toString());
            }
            return lines;
        }

        List<String> drain() {
            List<String> taken = new ArrayList<>();
            for (String call; (call = calls.poll()) != null; ) {
                taken.add(call);
            }
            return taken;
        }

        @Override
        public void close() {
            Exit.resetExitProcedure();
            Exit.resetHaltProcedure();
            root.detachAppender(errors);
            errors.stop();
        }
    }
}
