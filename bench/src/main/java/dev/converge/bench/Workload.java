package dev.converge.bench;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * One row group of the table: a graph, the tools that run it, and what "ideal" means for it.
 *
 * @param name       the workload's name in the table and in {@code --only}
 * @param dag        the graph every tool runs
 * @param idealSeconds the critical path of the commands, when there is one; ratios are to it,
 *                   else to the fastest tool's median
 * @param tools      the tools to run, in table order
 * @param beforeEach run before every run, timed or not, outside the timing
 * @param prime      whether one untimed converge run must precede the timed ones even with no
 *                   warm-up (the files workload on an already converged tree)
 * @param perSpawn   whether the table gives its time per spawned command: only for a graph of exec
 *                   nodes, each of which runs one command, so a run spawns one process per node
 */
public record Workload(String name, Dag dag, OptionalDouble idealSeconds, List<Tool> tools,
                       Step beforeEach, boolean prime, boolean perSpawn, List<String> convergeFlags) {

    public Workload {
        tools = List.copyOf(tools);
        convergeFlags = List.copyOf(convergeFlags);
        if (!convergeFlags.isEmpty() && (name.indexOf('-') < 0 || !tools.equals(List.of(Tool.CONVERGE)))) {
            throw new IllegalArgumentException(name + ": a workload with converge flags runs converge alone and is"
                    + " named after its baseline plus '-' and a suffix");
        }
        if (perSpawn && !dag.nodes().stream().allMatch(node -> node.kind() == Node.Kind.EXEC)) {
            throw new IllegalArgumentException(name + ": a per-spawn figure needs a graph of exec nodes only");
        }
    }

    /** A workload whose converge runs take no flags beyond the usual ones. */
    public Workload(String name, Dag dag, OptionalDouble idealSeconds, List<Tool> tools, Step beforeEach, boolean prime,
            boolean perSpawn) {
        this(name, dag, idealSeconds, tools, beforeEach, prime, perSpawn, List.of());
    }

    /** The number of commands one run spawns when the table gives a per-spawn figure; empty otherwise. */
    public OptionalInt spawns() {
        return perSpawn ? OptionalInt.of(dag.nodes().size()) : OptionalInt.empty();
    }

    /** Setup work that may fail with an I/O error. */
    @FunctionalInterface
    public interface Step {
        void run() throws IOException;
    }

    /**
     * The workload this one is the same as but for its converge flags, by name: its own name
     * without the last '-' part ({@code noop-dag-10000} for {@code noop-dag-10000-http}); empty
     * for a workload without flags. The two are timed in alternation, so they share the machine's
     * moods.
     */
    public Optional<String> baseline() {
        return convergeFlags.isEmpty() ? Optional.empty() : Optional.of(name.substring(0, name.lastIndexOf('-')));
    }

    /** Whether a {@code --only} token selects this workload: equal to its name, or a prefix ending at a '-'. */
    public boolean matches(String token) {
        return name.equals(token) || name.startsWith(token + "-");
    }
}
