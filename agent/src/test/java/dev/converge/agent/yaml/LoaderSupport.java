package dev.converge.agent.yaml;

import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.resources.Kinds;
import java.util.List;

/** Shared helpers: load inline YAML named {@code g.yaml} with the built-in kinds. */
final class LoaderSupport {

    static final String SOURCE = "g.yaml";

    private LoaderSupport() {
    }

    static GraphLoader loader() {
        return new GraphLoader(Kinds.builtIn());
    }

    static LoadedGraph load(String yaml) throws InvalidGraphException {
        return loader().parse(SOURCE, yaml);
    }

    /** The exception a graph must be rejected with. */
    static InvalidGraphException rejected(GraphLoader loader, String yaml) {
        try {
            LoadedGraph loaded = loader.parse(SOURCE, yaml);
            throw new AssertionError("expected the graph to be rejected, but it loaded: " + loaded);
        } catch (InvalidGraphException e) {
            return e;
        }
    }

    /** Every diagnostic of a rejected graph, rendered {@code g.yaml:L:C: error: message}. */
    static List<String> problems(String yaml) {
        return rejected(loader(), yaml).diagnostics().stream().map(Diagnostic::toString).toList();
    }
}
