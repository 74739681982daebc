package io.dwb.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Every process's logging, set up in code: Logback finds this through {@code META-INF/services} before it looks for a
 * {@code logback.xml}, which spares each start Logback's XML configurator and the JDK's XML parser (about 440 classes,
 * docs/benchmarks.md). One appender on standard error (standard output may carry alerts: the forwarder with
 * {@code --wazuh-queue -}), writing one line a message or, with {@value LogFormat#VARIABLE}{@code =json}, one JSON
 * object a line. {@code -Dlogback.configurationFile=FILE} still replaces all of it with the file.
 */
public final class LogConfiguration extends ContextAwareBase implements Configurator {
    /** The root logger's level: DEBUG, INFO (unset or unknown), WARN, ERROR. */
    public static final String LEVEL_VARIABLE = "DWB_LOG_LEVEL";
    /** The Kafka client's (and the embedded broker's) level; WARN when unset, since Kafka says much at INFO. */
    public static final String KAFKA_LEVEL_VARIABLE = "DWB_KAFKA_LOG_LEVEL";

    private static final String TEXT_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{0} - %" + LogText.KEYWORD + "%n%"
                    + EscapedThrowable.KEYWORD;

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Map<String, String> environment = System.getenv();
        Encoder<ILoggingEvent> encoder = encoder(context, LogFormat.orText(environment.get(LogFormat.VARIABLE)),
                JournalStream.is(environment, JournalStream.STANDARD_ERROR));
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(environment.get(LEVEL_VARIABLE), Level.INFO));
        root.addAppender(stderr);
        // Libraries say a lot at INFO that a person running the bridge does not need.
        String kafkaLevel = environment.get(KAFKA_LEVEL_VARIABLE);
        context.getLogger("org.apache.kafka").setLevel(Level.toLevel(kafkaLevel, Level.WARN));
        if (kafkaLevel == null) {
            BenignKafkaWarnings benign = new BenignKafkaWarnings();
            benign.setContext(context);
            benign.start();
            context.addTurboFilter(benign);
        }
        context.getLogger("com.github.dockerjava").setLevel(Level.WARN);
        context.getLogger("org.apache.hc").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** @param journal standard error is systemd's journal: lines start with their priority ({@link JournalStream}) */
    private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format, boolean journal) {
        Encoder<ILoggingEvent> encoder = switch (format) {
            case TEXT -> {
                // One line a message, whatever it quotes (LogText); a stack trace follows on lines of its own, each
                // exception's message escaped too (EscapedThrowable).
                PatternLayout layout = new PatternLayout();
                layout.getInstanceConverterMap().put(LogText.KEYWORD, LogText::new);
                layout.getInstanceConverterMap().put(EscapedThrowable.KEYWORD, EscapedThrowable::new);
                layout.getInstanceConverterMap().put(JournalStream.Priority.KEYWORD, JournalStream.Priority::new);
                layout.setContext(context);
                layout.setPattern((journal ? "%" + JournalStream.Priority.KEYWORD : "") + TEXT_PATTERN);
                layout.start();
                LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
                text.setLayout(layout);
                // UTF-8 whatever the JVM's default: a unit's JVM has no locale, Java 17 then takes US-ASCII, and a
                // container's name with an accent reached the journal as '?' (the JSON encoder writes UTF-8 already)
                text.setCharset(StandardCharsets.UTF_8);
                yield text;
            }
            case JSON -> {
                // The message as formatted, the level, the logger, the thread and the time: what a log shipper indexes.
                JsonEncoder json = new JsonEncoder();
                json.setWithSequenceNumber(false);
                json.setWithNanoseconds(false);
                json.setWithContext(false);
                json.setWithMDC(false);
                json.setWithArguments(false);
                json.setWithFormattedMessage(true);
                json.setWithMessage(false);
                yield json;
            }
        };
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }
}
