package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.forwarder.ForwarderCommand;
import io.dwb.listener.ListenerCommand;
import io.dwb.runtime.Launcher;
import io.dwb.schemas.testing.JavaProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command's {@code --help} agrees with the README's configuration reference: the options it lists are exactly
 * the options of the tables under the {@code ###} headings of that section that name the command in their closing
 * parentheses, e.g. {@code ### Delivery (forwarder, standalone)} (rows whose first cell is the option, e.g.
 * {@code | `--topic NAME` | ...}). The options {@code Launcher} adds to every command ({@code --help},
 * {@code --version}, {@code --config}) are left out of the comparison: they are documented once, for all commands.
 */
class HelpMatchesDocsTest {
    /** An option line of picocli's usage: the option starts in column 2 or 6; wrapped descriptions go deeper. */
    private static final Pattern HELP_OPTION = Pattern.compile("^ {2,6}(?:-\\w, )?(--[a-z][a-z0-9-]*)");
    /** A table row whose first cell is an option, backticked or not. */
    private static final Pattern DOC_OPTION = Pattern.compile("^\\|\\s*`?(--[a-z][a-z0-9-]*)");
    private static final Set<String> STANDARD = Set.of("--help", "--version", "--config");
    /** A heading of the reference naming the commands its tables apply to: {@code ### Title (listener, forwarder)}. */
    private static final Pattern SECTION = Pattern.compile("^###\\s.*\\(([a-z, ]+)\\)\\s*$");
    private static final String REFERENCE = "## Configuration reference";

    static Stream<Arguments> processes() {
        return Stream.of(
                Arguments.of("standalone", new StandaloneCommand()),
                Arguments.of("listener", new ListenerCommand()),
                Arguments.of("forwarder", new ForwarderCommand()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("processes")
    void helpListsExactlyTheDocumentedOptions(String process, Callable<Integer> command) throws IOException {
        Set<String> documented = documentedOptions(readme(), process);
        assertThat(documented).as("options of %s in the README's configuration reference", process).isNotEmpty();
        assertThat(helpOptions(process, command))
                .as("options of `%s --help` against the README's configuration reference", process)
                .isEqualTo(documented);
    }

    /**
     * picocli reads each description as a format string: a lone {@code %} ("90% of") made {@code --help} print
     * {@code [picocli WARN] Could not format ...} on standard error. Each process as users run it, stderr kept.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("mains")
    void helpPrintsNoWarnings(String process, Class<?> main) throws Exception {
        try (JavaProcess p = JavaProcess.start(main, Map.of(), "--help")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isZero();
            assertThat(p.output()).contains("Usage: " + process).doesNotContain("[picocli WARN]");
        }
    }

    static Stream<Arguments> mains() {
        return Stream.of(
                Arguments.of("standalone", Main.class),
                Arguments.of("listener", io.dwb.listener.Main.class),
                Arguments.of("forwarder", ForwarderCommand.class));
    }

    private static Set<String> helpOptions(String process, Callable<Integer> command) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Launcher.execute(process, command, new String[] {"--help"}, Map.of());
        } finally {
            System.setOut(original);
        }
        assertThat(code).isZero();
        Set<String> options = new TreeSet<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\\R")) {
            if (line.isBlank() && !options.isEmpty()) {
                break; // the option list ends; the footer's examples are not options
            }
            Matcher m = HELP_OPTION.matcher(line);
            if (m.find() && !STANDARD.contains(m.group(1))) {
                options.add(m.group(1));
            }
        }
        return options;
    }

    /** The options of the reference tables that apply to {@code process}. */
    static Set<String> documentedOptions(Path readme, String process) throws IOException {
        Set<String> options = new TreeSet<>();
        boolean inReference = false;
        boolean applies = false;
        for (String line : Files.readAllLines(readme, StandardCharsets.UTF_8)) {
            if (line.startsWith("## ")) {
                inReference = line.strip().equals(REFERENCE);
                applies = false;
                continue;
            }
            if (!inReference) {
                continue;
            }
            if (line.startsWith("### ")) {
                Matcher section = SECTION.matcher(line);
                applies = section.matches() && Arrays.stream(section.group(1).split(","))
                        .map(String::strip).anyMatch(process::equals);
                continue;
            }
            Matcher m = DOC_OPTION.matcher(line);
            if (applies && m.find() && !STANDARD.contains(m.group(1))) {
                options.add(m.group(1));
            }
        }
        return options;
    }

    /** The repository's README.md (tests run in standalone/). */
    private static Path readme() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a README.md above %s", Path.of("").toAbsolutePath()).isNotNull();
        return dir.resolve("README.md");
    }
}
