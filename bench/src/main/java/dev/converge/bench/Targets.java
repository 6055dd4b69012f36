package dev.converge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The speed targets the project's issues set, and whether a run of the benchmark met them: each
 * is one of converge's best in-process figures (its own time, without JVM start and exit) or its
 * ratio to another tool's best whole-process wall time on the same workload. A target whose rows
 * were not run (not in {@code --only}, another {@code --files} size, the tool missing) is left out.
 */
final class Targets {

    /** What a target measures on its workload's results. */
    private enum Figure {
        IN_PROCESS_BEST("converge in-process best, s"),
        TO_NINJA("converge in-process best / ninja best"),
        TO_CFENGINE("converge in-process best / cfengine best"),
        /** The workload's in-process best against the same workload's without its last '-' part (-http). */
        TO_PLAIN("converge in-process best / the same without the flag");

        final String label;

        Figure(String label) {
            this.label = label;
        }

        OptionalDouble of(List<Result> results, String workload) {
            Optional<Result> converge = find(results, workload, Tool.CONVERGE);
            if (converge.isEmpty()) {
                return OptionalDouble.empty();
            }
            double own = converge.get().minInProcessSeconds();
            if (this == TO_PLAIN) {
                return find(results, workload.substring(0, workload.lastIndexOf('-')), Tool.CONVERGE)
                        .map(r -> OptionalDouble.of(own / r.minInProcessSeconds())).orElse(OptionalDouble.empty());
            }
            Tool other = switch (this) {
                case IN_PROCESS_BEST, TO_PLAIN -> null;
                case TO_NINJA -> Tool.NINJA;
                case TO_CFENGINE -> Tool.CFENGINE;
            };
            if (other == null) {
                return OptionalDouble.of(own);
            }
            return find(results, workload, other).map(r -> OptionalDouble.of(own / r.minSeconds()))
                    .orElse(OptionalDouble.empty());
        }
    }

    /** A target: {@code figure} on {@code workload} at most ({@code inclusive}) or under {@code limit}. */
    private record Target(String workload, Figure figure, double limit, boolean inclusive, String source) {
        boolean met(double value) {
            return inclusive ? value <= limit : value < limit;
        }
    }

    private static final List<Target> TARGETS = List.of(
            new Target("seed", Figure.IN_PROCESS_BEST, 3.03, true, "issue 11"),
            new Target("chains", Figure.TO_NINJA, 1.05, true, "issue 11"),
            new Target("diamond", Figure.TO_NINJA, 1.10, true, "issue 11"),
            new Target("many-true", Figure.TO_NINJA, 1.5, true, "issue 11"),
            new Target("files-10000", Figure.IN_PROCESS_BEST, 1.5, false, "issue 12"),
            new Target("files-10000", Figure.TO_CFENGINE, 1.0, false, "issue 12"),
            new Target("files-10000-converged", Figure.IN_PROCESS_BEST, 0.5, false, "issue 12"),
            new Target("files-10000-converged", Figure.TO_CFENGINE, 1.0, false, "issue 12"),
            new Target("noop-dag-10000-http", Figure.TO_PLAIN, 1.05, true, "issue 15"));

    private Targets() {
    }

    /** A markdown table of the targets whose rows ran, with the figure and met or missed; empty when none ran. */
    static String markdown(List<Result> results) {
        var rows = new ArrayList<String>();
        for (Target t : TARGETS) {
            OptionalDouble value = t.figure().of(results, t.workload());
            if (value.isEmpty()) {
                continue;
            }
            double v = value.getAsDouble();
            rows.add(String.format(Locale.ROOT, "| %s | %s | %.3f | %s %.2f | %s | %s |", t.workload(), t.figure().label,
                    v, t.inclusive() ? "<=" : "<", t.limit(), t.met(v) ? "met" : "missed", t.source()));
        }
        if (rows.isEmpty()) {
            return "";
        }
        return "| workload | figure | value | target | | set by |\n|---|---|---:|---|---|---|\n"
                + String.join("\n", rows) + "\n";
    }

    private static Optional<Result> find(List<Result> results, String workload, Tool tool) {
        return results.stream().filter(r -> r.workload().equals(workload) && r.tool() == tool).findFirst();
    }
}
