package io.dwb.runtime;

import ch.qos.logback.classic.Level;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Runs a process's picocli command the same way for every process: options from the command line, then
 * {@code DWB_*} environment variables, then a properties file ({@code --config FILE} or {@code DWB_CONFIG}); a
 * one-line {@code error: …} and a non-zero exit on bad configuration, with the stack trace only at DEBUG.
 */
public final class Launcher {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    private static final String CONFIG_OPTION = "--config";
    private static final Pattern OPTION_NAME = Pattern.compile("--[a-z][a-z0-9-]*");

    private Launcher() {}

    /** Runs {@code command} (a picocli {@code @Command} that is a {@code Callable<Integer>}) and exits the JVM. */
    public static void run(String processName, Callable<Integer> command, String[] args) {
        System.exit(execute(processName, command, args, System.getenv()));
    }

    /** As {@link #run}, returning the exit code instead of exiting; for tests. */
    public static int execute(String processName, Callable<Integer> command, String[] args,
                              Map<String, String> environment) {
        Logger log = LoggerFactory.getLogger(processName);
        // UTF-8 as the log (LogConfiguration): a unit's JVM has no locale, and its default charset is US-ASCII
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        String errorPrefix = JournalStream.is(environment, JournalStream.STANDARD_ERROR)
                ? JournalStream.prefix(Level.ERROR) : ""; // at error priority in systemd's journal
        LogFormat format;
        try {
            format = LogFormat.of(environment.get(LogFormat.VARIABLE));
        } catch (ConfigurationError e) {
            err.println(errorPrefix + "error: " + e.getMessage());
            return EXIT_USAGE;
        }
        // The one line a failure ends with: plain for people, or a log event like every other line for shippers.
        Consumer<String> errorLine = format == LogFormat.JSON ? log::error
                : line -> err.println(errorPrefix + "error: " + LogText.escaped(line)); // it may quote others' words
        CommandLine cli = new CommandLine(command);
        CommandSpec spec = cli.getCommandSpec();
        spec.name(processName);
        spec.mixinStandardHelpOptions(true);
        spec.version(processName + " " + BuildInfo.version());
        spec.addOption(OptionSpec.builder(CONFIG_OPTION).paramLabel("FILE").type(Path.class)
                .description("Properties file with defaults for any option, one `option-name=value` a line "
                        + "(env: DWB_CONFIG).").build());
        spec.usageMessage().footerHeading("%nEvery option can also come from the environment or a file:%n")
                .footer("  --foo-bar VALUE is also read from DWB_FOO_BAR=VALUE, then from a line",
                        "  foo-bar=VALUE in the --config file; the command line wins over both, the",
                        "  environment over the file. Durations: 150ms, 30s, 10m, 1h, 1d, 1w (a bare",
                        "  number is seconds). Logs on standard error;",
                        "  DWB_LOG_LEVEL=DEBUG|INFO|WARN|ERROR, DWB_LOG_FORMAT=text|json.");
        cli.setErr(err);
        // The hint on a line of its own after the error, as GNU tools print it (inside the error line, escaped to one
        // line, its line break was a literal "\n").
        Consumer<String> hintLine = format == LogFormat.JSON ? log::info : err::println;
        OptionDefaults defaults;
        try {
            defaults = new OptionDefaults(environment, OptionDefaults.load(configFile(args, environment)));
        } catch (ConfigurationError e) {
            errorLine.accept(e.getMessage());
            return EXIT_USAGE;
        }
        cli.setDefaultValueProvider(defaults);
        cli.setParameterExceptionHandler((ex, badArgs) -> {
            errorLine.accept(ex.getMessage() + fromWhere(ex, args, defaults));
            hintLine.accept("Try '" + processName + " --help' for the options.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            log.debug("{} failed", processName, ex);
            errorLine.accept(oneLine(ex) + (ex instanceof ConfigurationError
                    ? fromWhere(firstOptionNamed(ex.getMessage(), commandLine.getCommandSpec()), args, defaults)
                    : ""));
            return ex instanceof ConfigurationError || ConfigurationError.refusedByKafka(ex) ? EXIT_USAGE
                    : EXIT_FAILURE;
        });
        try {
            return cli.execute(args);
        } catch (LinkageError e) {
            // A class of the build missing or of another version (a jar built without a dependency, files of two
            // releases mixed): picocli lets an Error through, and the JVM printed its stack trace; no restart mends it.
            log.debug("{} failed", processName, e);
            errorLine.accept("this installation is broken (" + e + "): install the release again, or build it again "
                    + "whole (mvn package)");
            return EXIT_USAGE;
        }
    }

    /**
     * Where a bad option value came from when not from the command line: {@code (from DWB_X)}. The error named the
     * option alone ("Invalid value for option '--heartbeat-alerts'"), which its reader had not written.
     */
    private static String fromWhere(CommandLine.ParameterException ex, String[] args, OptionDefaults defaults) {
        return ex.getArgSpec() instanceof OptionSpec option ? fromWhere(option, args, defaults) : "";
    }

    /**
     * The option a refusal of the command's own names first ({@code --wazuh-queue must not be empty}), if the command
     * has it; null otherwise. Its value came from the environment as often as from the command line.
     */
    private static OptionSpec firstOptionNamed(String message, CommandSpec spec) {
        Matcher named = OPTION_NAME.matcher(message == null ? "" : message);
        return named.find() ? spec.findOption(named.group()) : null;
    }

    private static String fromWhere(OptionSpec option, String[] args, OptionDefaults defaults) {
        if (option == null) {
            return "";
        }
        for (String arg : args) {
            for (String name : option.names()) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return ""; // the command line's
                }
            }
        }
        String source = defaults.source(option);
        return source == null ? "" : " (from " + source + ")";
    }

    private static Path configFile(String[] args, Map<String, String> environment) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(CONFIG_OPTION) && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith(CONFIG_OPTION + "=")) {
                return Path.of(args[i].substring(CONFIG_OPTION.length() + 1));
            }
        }
        String fromEnvironment = environment.get("DWB_CONFIG");
        return fromEnvironment == null || fromEnvironment.isBlank() ? null : Path.of(fromEnvironment);
    }

    /**
     * The exception's own message, or its cause's, then its root cause's when Kafka's client failed and says more, on
     * one line: what a person needs to fix the problem. A Kafka client's own failure ({@code Failed to construct kafka
     * producer}) says why only in its root cause: Kafka's words ({@code : reason}), or what Kafka's client met (a
     * {@code sasl.jaas.config} it cannot parse, a keystore file missing: {@code  (NoSuchFileException: /x)}).
     */
    static String oneLine(Throwable ex) {
        Throwable t = ex;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        Throwable rootCause = Causes.root(ex);
        String root = Causes.message(rootCause);
        // The bridge's own words are whole (a cause of its own adds nothing); Kafka's client says why only there.
        if (root != null && !message.contains(root)) {
            if (rootCause instanceof KafkaException) {
                message = message + ": " + root;
            } else if (Causes.find(ex, KafkaException.class::isInstance) != null) {
                message = message + " (" + rootCause.getClass().getSimpleName() + ": " + root + ")";
            }
        }
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

}
