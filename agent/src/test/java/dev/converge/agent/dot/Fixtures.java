package dev.converge.agent.dot;

import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.agent.graph.SourceLocation;
import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceId;
import dev.converge.resources.noop.NoopKind;
import dev.converge.resources.noop.NoopParams;
import java.util.List;

/** Small graphs of {@code noop} resources for the drawing tests. */
final class Fixtures {

    static final MetaParams HIDDEN = new MetaParams(
            false, 0, false, 0, 0, 0, Double.POSITIVE_INFINITY, 0, List.of(), true, true, true);

    private Fixtures() {}

    static ResourceId id(String name) {
        return ResourceId.of(NoopKind.NAME, name);
    }

    static ResourceSpec noop(String name) {
        return noop(name, MetaParams.DEFAULTS);
    }

    static ResourceSpec noop(String name, MetaParams meta) {
        return new ResourceSpec(id(name), new NoopKind(), NoopParams.DEFAULTS, meta, SourceLocation.UNKNOWN);
    }

    static EdgeSpec edge(String name, String from, String to) {
        return new EdgeSpec(name, id(from), id(to), false, false, SourceLocation.UNKNOWN);
    }

    static EdgeSpec notifyEdge(String name, String from, String to) {
        return new EdgeSpec(name, id(from), id(to), true, false, SourceLocation.UNKNOWN);
    }

    static EdgeSpec autoEdge(String name, String from, String to) {
        return new EdgeSpec(name, id(from), id(to), false, true, SourceLocation.UNKNOWN);
    }

    static GraphSnapshot graph(String name, List<ResourceSpec> resources, List<EdgeSpec> edges) {
        try {
            return GraphSnapshot.of(name, resources, edges);
        } catch (InvalidGraphException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /**
     * {@code install -> configure -> start} (the second edge notifies), an automatic edge
     * {@code install -> start}, and {@code motd} on its own, declared second.
     */
    static GraphSnapshot demo() {
        return graph("demo",
                List.of(noop("install"), noop("motd"), noop("configure"), noop("start")),
                List.of(edge("install-configure", "install", "configure"),
                        notifyEdge("configure-start", "configure", "start"),
                        autoEdge("install-start", "install", "start")));
    }
}
