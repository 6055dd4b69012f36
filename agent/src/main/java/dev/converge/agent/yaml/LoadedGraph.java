package dev.converge.agent.yaml;

import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.GraphSnapshot;
import java.util.List;
import java.util.Objects;

/**
 * A graph file that loaded: its snapshot and the warnings and notes found on the way, in source
 * order. Invariant: {@code diagnostics} holds no error. Immutable.
 */
public record LoadedGraph(GraphSnapshot snapshot, List<Diagnostic> diagnostics) {

    public LoadedGraph {
        Objects.requireNonNull(snapshot, "snapshot");
        diagnostics = List.copyOf(diagnostics);
        if (diagnostics.stream().anyMatch(Diagnostic::isError)) {
            throw new IllegalArgumentException("a loaded graph carries no errors");
        }
    }
}
