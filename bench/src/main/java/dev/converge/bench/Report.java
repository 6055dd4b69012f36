package dev.converge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Formats results as a Markdown table (also what is printed) and as CSV.
 *
 * <p>Both forms have one row per result, in the results' order, and the same figures with the same
 * precision: the CSV's columns are the table's (an absent figure is {@code -} in the table and
 * empty in the CSV), with the ratio's base split into {@code ratio_to} and {@code ideal_s}.
 */
public final class Report {

    private static final List<String> HEADER = List.of("workload", "tool", "runs", "median s", "min s", "max s",
            "peak RSS MiB", "ratio", "ratio to", "in-process s", "in-process best s", "in-process best / ninja best",
            "in-process best / cfengine best", "best µs/spawn");

    /** The index of the "ratio to" column, which the CSV splits in two. */
    private static final int RATIO_TO = HEADER.indexOf("ratio to");

    private static final String CSV_HEADER = "workload,tool,runs,median_s,min_s,max_s,peak_rss_mib,ratio,ratio_to,"
            + "ideal_s,in_process_s,in_process_best_s,in_process_best_to_ninja_best,in_process_best_to_cfengine_best,"
            + "best_us_per_spawn\n";

    private Report() {
    }

    /**
     * One row of cells per result, in {@link #HEADER}'s order. The ratio is to the ideal, else to the
     * workload's fastest median; "in-process best / ninja best" is the converge row's best in-process
     * time over the best ninja wall time on the same workload, "-" on other rows and where ninja did
     * not run; "in-process best / cfengine best" the same against cfengine's best wall time.
     */
    static List<List<String>> rows(List<Result> results) {
        List<List<String>> rows = new ArrayList<>();
        for (Result result : results) {
            List<Result> sameWorkload = results.stream()
                    .filter(other -> other.workload().equals(result.workload())).toList();
            double fastest = sameWorkload.stream().mapToDouble(Result::medianSeconds).min().orElseThrow();
            double base = result.idealSeconds().orElse(fastest);
            double ninjaBest = bestWall(sameWorkload, Tool.NINJA);
            double cfengineBest = bestWall(sameWorkload, Tool.CFENGINE);
            rows.add(List.of(result.workload(), result.tool().label(), Integer.toString(result.samples().size()),
                    fmt("%.3f", result.medianSeconds()), fmt("%.3f", result.minSeconds()),
                    fmt("%.3f", result.maxSeconds()), fmt("%.1f", result.peakRssMib()),
                    fmt("%.2f", result.medianSeconds() / base),
                    result.idealSeconds().isPresent() ? fmt("ideal %.1f s", base) : "fastest",
                    orDash("%.3f", result.medianInProcessSeconds()), orDash("%.3f", result.minInProcessSeconds()),
                    orDash("%.2f", result.minInProcessSeconds() / ninjaBest),
                    orDash("%.2f", result.minInProcessSeconds() / cfengineBest),
                    orDash("%.0f", result.bestMicrosPerSpawn())));
        }
        return rows;
    }

    /** The best wall time of {@code tool} among {@code results}; NaN when it has no result there. */
    private static double bestWall(List<Result> results, Tool tool) {
        return results.stream().filter(result -> result.tool() == tool).mapToDouble(Result::minSeconds)
                .findFirst().orElse(Double.NaN);
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

    /**
     * CSV with a header: the table's cells, but the table's "ratio to" is split into ratio_to
     * ("ideal" or "fastest") and ideal_s (empty without an ideal), and a figure the row does not
     * have is empty instead of "-".
     */
    public static String csv(List<Result> results) {
        StringBuilder out = new StringBuilder(CSV_HEADER);
        List<List<String>> rows = rows(results);
        for (int i = 0; i < results.size(); i++) {
            List<String> row = rows.get(i);
            Result result = results.get(i);
            List<String> cells = new ArrayList<>(row.subList(0, RATIO_TO));
            cells.add(result.idealSeconds().isPresent() ? "ideal" : "fastest");
            cells.add(result.idealSeconds().isPresent() ? fmt("%.3f", result.idealSeconds().getAsDouble()) : "");
            row.subList(RATIO_TO + 1, row.size()).forEach(cell -> cells.add(cell.equals("-") ? "" : cell));
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    private static String orDash(String format, double value) {
        return Double.isNaN(value) ? "-" : fmt(format, value);
    }

    private static String fmt(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }
}
