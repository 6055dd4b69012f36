package dev.converge.agent.yaml;

import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.resources.ResourceId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A graph file that loaded: its snapshot, the warnings and notes found on the way in source
 * order, and how many identical declarations were merged into each resource beyond its first.
 * Invariant: {@code diagnostics} holds no error. Immutable.
 */
public record LoadedGraph(GraphSnapshot snapshot, List<Diagnostic> diagnostics, Map<ResourceId, Integer> merged) {

    public LoadedGraph {
        Objects.requireNonNull(snapshot, "snapshot");
        diagnostics = List.copyOf(diagnostics);
        merged = Collections.unmodifiableMap(new LinkedHashMap<>(merged));
        if (diagnostics.stream().anyMatch(Diagnostic::isError)) {
            throw new IllegalArgumentException("a loaded graph carries no errors");
        }
    }

    /** The same load, with its snapshot replaced (by the planned one, say). */
    public LoadedGraph withSnapshot(GraphSnapshot planned) {
        return new LoadedGraph(planned, diagnostics, merged);
    }
}
