package io.dwb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** bench/RESULTS.md: the machine, the date, the commit, then one table row per number. */
public final class ResultsReport {
    /** One row: what was measured, its result, what it is compared with, and the goal. */
    public record Row(String measurement, String result, String reference, String ratio, String goal, String met) {}

    private final List<Row> rows = new ArrayList<>();
    private final List<String> micro = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public void add(Row row) {
        rows.add(row);
    }

    public void micro(String benchmark, double score, double error, String unit) {
        micro.add("| " + benchmark + " | " + String.format(Locale.ROOT, "%,.0f ± %,.0f", score, error) + " | "
                + unit + " |");
    }

    public void note(String note) {
        notes.add(note);
    }

    public static String rate(double eventsPerSecond) {
        return String.format(Locale.ROOT, "%,.0f events/s", eventsPerSecond);
    }

    public static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f×", value);
    }

    public static String mb(long kb) {
        return String.format(Locale.ROOT, "%.0f MB", kb / 1024.0);
    }

    public static String yesNo(boolean met) {
        return met ? "yes" : "**no**";
    }

    public void write(Path file, Machine machine, String date, String commit, String listenerOpts,
                      String forwarderOpts, long seconds)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append("Written by `bin/bench` (").append(seconds).append(" s); what each number means and how it is ")
                .append("measured: [docs/benchmarks.md](../docs/benchmarks.md).\n\n");
        md.append("- Date: ").append(date).append("\n");
        md.append("- Commit: `").append(commit).append("`\n");
        md.append("- Machine: ").append(machine.cpuModel()).append(", ").append(machine.cores()).append(" cores, ")
                .append(String.format(Locale.ROOT, "%,d", machine.memoryMb())).append(" MB memory\n");
        md.append("- Load average before the run (1, 5, 15 min): ").append(machine.loadAverage()).append("\n");
        md.append("- JVM flags (launch.sh) of the listener: `").append(listenerOpts.trim())
                .append("`; of the forwarder and the JMH fork: `").append(forwarderOpts.trim()).append("`\n\n");
        md.append("| Measurement | Result | Compared with | Ratio | Goal | Met |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(r.measurement()).append(" | ").append(r.result()).append(" | ")
                    .append(r.reference()).append(" | ").append(r.ratio()).append(" | ").append(r.goal())
                    .append(" | ").append(r.met()).append(" |\n");
        }
        if (!micro.isEmpty()) {
            md.append("\nJMH microbenchmarks (1 fork, 2 warm-up and 3 measurement iterations of 1 s, average time "
                    + "per event, ± 99.9 % confidence):\n\n| Benchmark | Time | Unit |\n|---|---|---|\n");
            micro.forEach(line -> md.append(line).append("\n"));
        }
        if (!notes.isEmpty()) {
            md.append("\nNotes:\n\n");
            notes.forEach(n -> md.append("- ").append(n).append("\n"));
        }
        // The fleet run (bin/bench fleet) is separate and long: its section stays until it runs again.
        String kept = Files.exists(file) ? section(Files.readString(file), FLEET) : "";
        Files.writeString(file, md + (kept.isEmpty() ? "" : "\n" + kept));
    }

    /** The heading of the section bin/bench fleet writes. */
    public static final String FLEET = "Fleet";

    /**
     * Writes this report's rows and notes as the section {@code ## title} of {@code file}, after {@code intro},
     * replacing that section if the file has it and keeping the rest of the file.
     */
    public void writeSection(Path file, String title, String intro) throws IOException {
        StringBuilder md = new StringBuilder("## ").append(title).append("\n\n").append(intro).append("\n\n");
        md.append("| Measurement | Result | Compared with | Ratio | Goal | Met |\n|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(r.measurement()).append(" | ").append(r.result()).append(" | ")
                    .append(r.reference()).append(" | ").append(r.ratio()).append(" | ").append(r.goal())
                    .append(" | ").append(r.met()).append(" |\n");
        }
        if (!notes.isEmpty()) {
            md.append("\nNotes:\n\n");
            notes.forEach(n -> md.append("- ").append(n).append("\n"));
        }
        String existing = Files.exists(file) ? Files.readString(file) : "# Benchmark results\n";
        Files.writeString(file, replaceSection(existing, title, md.toString()));
    }

    /** The section {@code ## title} of a Markdown text, up to the next {@code ## } heading; "" when absent. */
    static String section(String md, String title) {
        int start = sectionStart(md, title);
        if (start < 0) {
            return "";
        }
        int next = md.indexOf("\n## ", start + 1);
        return md.substring(start, next < 0 ? md.length() : next + 1);
    }

    /** {@code md} with its section {@code ## title} replaced by {@code section}, or with it appended. */
    static String replaceSection(String md, String title, String section) {
        String old = section(md, title);
        if (old.isEmpty()) {
            return md + (md.endsWith("\n\n") ? "" : md.endsWith("\n") ? "\n" : "\n\n") + section;
        }
        int start = sectionStart(md, title);
        return md.substring(0, start) + section + md.substring(start + old.length());
    }

    private static int sectionStart(String md, String title) {
        String heading = "## " + title + "\n";
        if (md.startsWith(heading)) {
            return 0;
        }
        int at = md.indexOf("\n" + heading);
        return at < 0 ? -1 : at + 1;
    }
}
