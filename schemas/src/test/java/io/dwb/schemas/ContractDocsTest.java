package io.dwb.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/contract.md's table of gap reasons is {@link GapReason}'s, in its order. */
class ContractDocsTest {
    private static final Path DOC = Path.of("..", "docs", "contract.md");

    @Test
    void theDocsListExactlyTheGapReasons() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int at = 0;
        while (!lines.get(at).startsWith("| reason | when |")) {
            at++;
        }
        List<String> documented = new ArrayList<>();
        for (at += 2; at < lines.size() && lines.get(at).startsWith("| `"); at++) {
            String cell = lines.get(at).split("\\|")[1].trim();
            documented.add(cell.substring(1, cell.length() - 1));
        }

        assertThat(documented).containsExactlyElementsOf(Arrays.stream(GapReason.values()).map(GapReason::code)
                .toList());
    }
}
