package dev.converge.agent.graph;

import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds small snapshots for tests: resources of one kind, edges written {@code "a->b"}. */
public final class TestGraphs {

    private final ResourceKind<?> kind;
    private final Map<String, ResourceSpec> resources = new LinkedHashMap<>();
    private final List<EdgeSpec> edges = new ArrayList<>();

    private TestGraphs(ResourceKind<?> kind) {
        this.kind = kind;
    }

    public static TestGraphs of(ResourceKind<?> kind) {
        return new TestGraphs(kind);
    }

    public TestGraphs add(String name, Record params) {
        return add(name, params, MetaParams.DEFAULTS);
    }

    public TestGraphs add(String name, Record params, MetaParams meta) {
        resources.put(name, new ResourceSpec(ResourceId.of(kind.name(), name), kind, params, meta,
                new SourceLocation("test", resources.size() + 1, 1)));
        return this;
    }

    /** Adds edges such as {@code "a->b"}; a resource named but not added gets the kind's defaults. */
    public TestGraphs edges(String... arrows) {
        return edges(false, arrows);
    }

    /** Adds notify edges such as {@code "a->b"}: a change of {@code a} refreshes {@code b}. */
    public TestGraphs notifies(String... arrows) {
        return edges(true, arrows);
    }

    private TestGraphs edges(boolean notify, String... arrows) {
        for (String arrow : arrows) {
            String[] ends = arrow.split("->");
            for (String end : ends) {
                if (!resources.containsKey(end)) {
                    add(end, kind.defaults());
                }
            }
            edges.add(new EdgeSpec("e" + (edges.size() + 1), ResourceId.of(kind.name(), ends[0]),
                    ResourceId.of(kind.name(), ends[1]), notify, false, new SourceLocation("test", 100 + edges.size(), 1)));
        }
        return this;
    }

    public GraphSnapshot build() {
        try {
            return GraphSnapshot.of("test", resources.values(), edges);
        } catch (InvalidGraphException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    public InvalidGraphException buildInvalid() {
        try {
            GraphSnapshot.of("test", resources.values(), edges);
        } catch (InvalidGraphException e) {
            return e;
        }
        throw new AssertionError("graph was accepted");
    }

    public static ResourceId id(ResourceKind<?> kind, String name) {
        return ResourceId.of(kind.name(), name);
    }
}
