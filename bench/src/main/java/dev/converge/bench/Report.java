package dev.converge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Formats results as a Markdown table (also what is printed) and as CSV. */
public final class Report {

    private static final List<String> HEADER = List.of("workload", "tool", "runs", "median s", "min s", "max s",
            "peak RSS MiB", "ratio", "ratio to", "in-process s");

    private Report() {
    }

    /** One row of cells per result; the ratio is to the ideal, else to the workload's fastest median. */
    static List<List<String>> rows(List<Result> results) {
        List<List<String>> rows = new ArrayList<>();
        for (Result result : results) {
            double fastest = results.stream().filter(other -> other.workload().equals(result.workload()))
                    .mapToDouble(Result::medianSeconds).min().orElseThrow();
            boolean ideal = result.idealSeconds().isPresent();
            double base = ideal ? result.idealSeconds().getAsDouble() : fastest;
            rows.add(List.of(result.workload(), result.tool().label(), Integer.toString(result.samples().size()),
                    fmt("%.3f", result.medianSeconds()), fmt("%.3f", result.minSeconds()),
                    fmt("%.3f", result.maxSeconds()), fmt("%.1f", result.peakRssMib()),
                    fmt("%.2f", result.medianSeconds() / base),
                    ideal ? fmt("ideal %.1f s", base) : "fastest",
                    Double.isNaN(result.medianInProcessSeconds()) ? "-" : fmt("%.3f", result.medianInProcessSeconds())));
        }
        return rows;
    }

    /** A Markdown table with padded columns, readable as plain text too. */
    public static String markdown(List<Result> results) {
        List<List<String>> rows = rows(results);
        int[] widths = HEADER.stream().mapToInt(String::length).toArray();
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, HEADER, widths);
        List<String> rule = new ArrayList<>();
        for (int width : widths) {
            rule.add("-".repeat(width));
        }
        line(out, rule, widths);
        rows.forEach(row -> line(out, row, widths));
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] widths) {
        out.append('|');
        for (int i = 0; i < cells.size(); i++) {
            out.append(' ').append(String.format(Locale.ROOT, "%-" + widths[i] + "s", cells.get(i))).append(" |");
        }
        out.append('\n');
    }

    /** CSV with a header; ratio_to is "ideal" or "fastest", ideal_s is empty without an ideal. */
    public static String csv(List<Result> results) {
        StringBuilder out = new StringBuilder(
                "workload,tool,runs,median_s,min_s,max_s,peak_rss_mib,ratio,ratio_to,ideal_s,in_process_s\n");
        List<List<String>> rows = rows(results);
        for (int i = 0; i < results.size(); i++) {
            List<String> row = rows.get(i);
            Result result = results.get(i);
            out.append(String.join(",", row.subList(0, 8))).append(',')
                    .append(result.idealSeconds().isPresent() ? "ideal" : "fastest").append(',')
                    .append(result.idealSeconds().isPresent() ? fmt("%.3f", result.idealSeconds().getAsDouble()) : "")
                    .append(',').append(Double.isNaN(result.medianInProcessSeconds()) ? ""
                            : fmt("%.3f", result.medianInProcessSeconds()))
                    .append('\n');
        }
        return out.toString();
    }

    private static String fmt(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }
}
