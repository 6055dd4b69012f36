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
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --file} option shared by the commands, and loading it with every problem reported. */
final class GraphFile {

    @Option(names = {"-f", "--file"}, paramLabel = "PATH", description = "The graph file (YAML).")
    Path file;

    /**
     * Loads the graph and plans it (autoedges, autogroup), printing every diagnostic to
     * {@code err} as {@code file:line:col: severity: message}.
     *
     * @return the graph to run, or empty when it is invalid or unreadable (the errors are printed)
     */
    Optional<LoadedGraph> load(PrintWriter err) {
        if (file == null) {
            err.println("--file=PATH is required");
            err.flush();
            return Optional.empty();
        }
        try {
            LoadedGraph declared = new GraphLoader(Kinds.builtIn()).load(file);
            print(declared.diagnostics(), err);
            return Optional.of(declared.withSnapshot(Planner.plan(declared.snapshot())));
        } catch (InvalidGraphException e) {
            print(e.diagnostics(), err);
            long errors = e.errors().size();
            err.println(file + ": invalid graph, " + errors + (errors == 1 ? " error" : " errors")
                    + "; nothing applied");
            err.flush();
            return Optional.empty();
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            err.flush();
            return Optional.empty();
        }
    }

    private static void print(List<Diagnostic> diagnostics, PrintWriter err) {
        diagnostics.forEach(err::println);
        err.flush();
    }
}
