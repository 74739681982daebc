package io.dwb.forwarder.wazuh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A generated part of a Markdown file, between {@code <!-- name:begin -->} and {@code <!-- name:end -->}. With
 * {@code -Ddwb.wazuh.rewrite=true} a check writes the generated text into the file instead of failing on it.
 */
public record DocSection(Path file, String name) {
    /** docs/wazuh.md, from the forwarder module's directory (where surefire runs the tests). */
    public static final Path WAZUH_MD = Path.of("../docs/wazuh.md");
    public static final String REWRITE = "dwb.wazuh.rewrite";

    private String begin() {
        return "<!-- " + name + ":begin -->\n";
    }

    private String end() {
        return "<!-- " + name + ":end -->";
    }

    public String current() {
        String text = read();
        int from = text.indexOf(begin());
        int to = text.indexOf(end());
        if (from < 0 || to < from) {
            throw new AssertionError(file + " has no section " + begin().trim() + " ... " + end());
        }
        return text.substring(from + begin().length(), to);
    }

    /** Fails unless the section is exactly {@code generated}; rewrites it first when asked to. */
    public void check(String generated) {
        if (Boolean.getBoolean(REWRITE)) {
            current(); // fails when the markers are missing, before anything is written
            String text = read();
            int from = text.indexOf(begin()) + begin().length();
            try {
                Files.writeString(file, text.substring(0, from) + generated + text.substring(text.indexOf(end())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(current()).as("%s section %s is not what the rules give (rerun with -D%s=true to rewrite it);"
                + " it should be:%n%s", file, name, REWRITE, generated).isEqualTo(generated);
    }

    private String read() {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
