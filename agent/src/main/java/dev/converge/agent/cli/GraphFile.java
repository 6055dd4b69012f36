package dev.converge.agent.cli;

import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.agent.graph.Planner;
import dev.converge.agent.yaml.GraphLoader;
import dev.converge.agent.yaml.LoadedGraph;
import dev.converge.resources.Kinds;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --file} option shared by the commands, and loading it with every problem reported. */
final class GraphFile {

    @Option(names = {"-f", "--file"}, paramLabel = "PATH", description = "The graph file (YAML).")
    Path file;

    /**
     * What reading, validating and planning the file gave.
     *
     * <p>Invariant: {@code graph} is present exactly when {@code diagnostics} holds no error.
     *
     * @param graph       the planned graph, empty when it is invalid
     * @param diagnostics every error, warning and note, the loader's first (in source order), then the planner's
     */
    record Checked(Optional<LoadedGraph> graph, List<Diagnostic> diagnostics) {

        Checked {
            diagnostics = List.copyOf(diagnostics);
        }

        List<Diagnostic> errors() {
            return diagnostics.stream().filter(Diagnostic::isError).toList();
        }
    }

    /**
     * Loads the graph and plans it (autoedges, autogroup), printing every diagnostic to
     * {@code err} as {@code file:line:col: severity: message}.
     *
     * @return the graph to run, or empty when it is invalid or unreadable (the errors are printed)
     */
    Optional<LoadedGraph> load(PrintWriter err) {
        if (!required(err)) {
            return Optional.empty();
        }
        try {
            Checked checked = check();
            checked.diagnostics().forEach(err::println);
            if (checked.graph().isEmpty()) {
                long errors = checked.errors().size();
                err.println(file + ": invalid graph, " + errors + (errors == 1 ? " error" : " errors")
                        + "; nothing applied");
            }
            return checked.graph();
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            return Optional.empty();
        } finally {
            err.flush();
        }
    }

    /**
     * Whether {@code --file} was given; when not, says so on {@code err}.
     */
    boolean required(PrintWriter err) {
        if (file == null) {
            err.println("--file=PATH is required");
            err.flush();
        }
        return file != null;
    }

    /**
     * Loads and plans the graph as {@link #load} does, printing nothing. Call only once
     * {@code --file} is known to be given.
     *
     * @throws IOException when the file cannot be read
     */
    Checked check() throws IOException {
        LoadedGraph declared;
        try {
            declared = new GraphLoader(Kinds.builtIn()).load(file);
        } catch (InvalidGraphException e) {
            return new Checked(Optional.empty(), e.diagnostics());
        }
        try {
            return new Checked(Optional.of(declared.withSnapshot(Planner.plan(declared.snapshot()))),
                    declared.diagnostics());
        } catch (InvalidGraphException e) {
            var all = new ArrayList<>(declared.diagnostics());
            all.addAll(e.diagnostics());
            return new Checked(Optional.empty(), all);
        }
    }
}
