package io.dwb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResultsReportTest {
    @Test
    void aSectionIsReplacedInPlaceOrAppendedAndTheRestKept() {
        String md = "# Benchmark results\n\n| a |\n\n## Fleet\n\nold\n";
        assertThat(ResultsReport.section(md, "Fleet")).isEqualTo("## Fleet\n\nold\n");
        assertThat(ResultsReport.replaceSection(md, "Fleet", "## Fleet\n\nnew\n"))
                .isEqualTo("# Benchmark results\n\n| a |\n\n## Fleet\n\nnew\n");
        assertThat(ResultsReport.replaceSection("# Benchmark results\n", "Fleet", "## Fleet\n\nnew\n"))
                .isEqualTo("# Benchmark results\n\n## Fleet\n\nnew\n");
        assertThat(ResultsReport.section("# x\n## Fleetwood\n", "Fleet")).isEmpty();
    }
}
