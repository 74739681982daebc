package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/forwarder.md's table of dead-letter codes is the enum's, code for code, with each one's stage. */
class DeadLetterDocsTest {
    private static final Path DOC = Path.of("..", "docs", "forwarder.md");
    private static final Pattern CODE = Pattern.compile("`([a-z0-9-]+)`");

    @Test
    void theDocsListExactlyTheDeadLetterReasonsWithTheirStages() throws IOException {
        Map<String, String> documented = documentedCodes();

        Map<String, String> declared = Arrays.stream(DeadLetterReason.values()).collect(Collectors.toMap(
                DeadLetterReason::code, r -> r.stage().code(), (a, b) -> a, TreeMap::new));
        assertThat(documented).isEqualTo(declared);
    }

    /** Code to stage, from the rows of the table after "Codes (`DeadLetterReason`". */
    private static Map<String, String> documentedCodes() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int at = 0;
        while (!lines.get(at).contains("Codes (`DeadLetterReason`")) {
            at++;
        }
        while (!lines.get(at).startsWith("| code | stage |")) {
            at++;
        }
        Map<String, String> codes = new TreeMap<>();
        for (at += 2; at < lines.size() && lines.get(at).startsWith("|"); at++) {
            String[] cells = lines.get(at).split("\\|");
            Matcher m = CODE.matcher(cells[1]);
            while (m.find()) {
                assertThat(codes.put(m.group(1), cells[2].trim())).as("listed once: " + m.group(1)).isNull();
            }
        }
        return codes;
    }
}
