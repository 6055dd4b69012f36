package dev.converge.bench.micro;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.agent.graph.Planner;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.agent.graph.SourceLocation;
import dev.converge.agent.yaml.GraphLoader;
import dev.converge.agent.yaml.LoadedGraph;
import dev.converge.bench.DagGenerator;
import dev.converge.bench.Emitters;
import dev.converge.resources.Kinds;
import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceId;
import dev.converge.resources.noop.NoopKind;
import dev.converge.resources.noop.NoopParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The graphs the micro-benchmarks work on: the random noop DAG of {@code make bench}
 * ({@link DagGenerator#noopDag}, fan-in up to {@value #MAX_FAN_IN}) as converge YAML, loaded and
 * planned the way {@code agent run --file} does it, and an edited copy for graph swaps.
 */
public final class MicroGraphs {

    /** The fan-in bound of {@code make bench}'s noop-dag workloads. */
    public static final int MAX_FAN_IN = 3;
    /** Name of the resource {@link #edited} adds. */
    public static final String ADDED = "added-by-edit";

    private MicroGraphs() {
    }

    /** The name the YAML of a {@code size}-vertex noop DAG is loaded under. */
    public static String sourceName(int size) {
        return "noop-dag-" + size + ".yaml";
    }

    /** The converge YAML of the random noop DAG of {@code size} vertices. */
    public static String yaml(int size) {
        return Emitters.yaml(DagGenerator.noopDag(size, MAX_FAN_IN));
    }

    /** {@code yaml} loaded with the built-in kinds, as declared (not planned). */
    public static LoadedGraph load(String sourceName, String yaml) {
        try {
            return new GraphLoader(Kinds.builtIn()).parse(sourceName, yaml);
        } catch (InvalidGraphException e) {
            throw new IllegalStateException("the generated graph does not load: " + e.diagnostics(), e);
        }
    }

    /** The random noop DAG of {@code size} vertices, loaded and planned: what the engine runs. */
    public static GraphSnapshot planned(int size) {
        try {
            return Planner.plan(load(sourceName(size), yaml(size)).snapshot());
        } catch (InvalidGraphException e) {
            throw new IllegalStateException("the generated graph does not plan: " + e.diagnostics(), e);
        }
    }

    /**
     * {@code base} edited the way a small change to a graph file edits it: {@code changes}
     * resources spread over the graph get a new comment (so each is a changed declaration), the
     * last-declared resource nothing depends on is removed with its edges, and a new resource
     * {@value #ADDED} is added after the first one. Swapping between {@code base} and the result
     * therefore changes {@code changes}, adds one and removes one resource either way.
     */
    public static GraphSnapshot edited(GraphSnapshot base, int changes) {
        List<ResourceSpec> all = List.copyOf(base.resources().values());
        if (changes < 1 || changes + 2 > all.size()) {
            throw new IllegalArgumentException("cannot change " + changes + " of " + all.size() + " resources");
        }
        ResourceId removed = null;
        for (int i = all.size() - 1; i > 0 && removed == null; i--) {
            if (base.children(all.get(i).id()).isEmpty()) {
                removed = all.get(i).id();
            }
        }
        if (removed == null) {
            throw new IllegalArgumentException("no resource of " + base.name() + " is free to remove");
        }
        Set<ResourceId> changed = new HashSet<>();
        int stride = all.size() / changes;
        for (int i = 0; changed.size() < changes; i++) {
            ResourceId id = all.get((i * stride + stride / 2) % all.size()).id();
            if (!id.equals(removed)) {
                changed.add(id);
            }
        }
        var specs = new ArrayList<ResourceSpec>(all.size());
        for (ResourceSpec spec : all) {
            if (spec.id().equals(removed)) {
                continue;
            }
            specs.add(changed.contains(spec.id())
                    ? new ResourceSpec(spec.id(), spec.kind(), new NoopParams("edited"), spec.meta(), spec.location())
                    : spec);
        }
        ResourceId added = ResourceId.of(NoopKind.NAME, ADDED);
        specs.add(new ResourceSpec(added, new NoopKind(), NoopParams.DEFAULTS, MetaParams.DEFAULTS,
                SourceLocation.UNKNOWN));
        final ResourceId gone = removed;
        var edges = new ArrayList<EdgeSpec>(base.edges().stream()
                .filter(e -> !e.from().equals(gone) && !e.to().equals(gone)).toList());
        edges.add(new EdgeSpec("edit", all.getFirst().id(), added, false, false, SourceLocation.UNKNOWN));
        try {
            return GraphSnapshot.of(base.name(), specs, edges);
        } catch (InvalidGraphException e) {
            throw new IllegalStateException("the edited graph is invalid: " + e.diagnostics(), e);
        }
    }

    /**
     * Waits until the converger sees every resource idle.
     *
     * @throws IllegalStateException when that takes longer than {@code limit}
     */
    public static void awaitIdle(Converger converger, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!converger.isIdle()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the engine did not settle within " + limit);
            }
            Thread.sleep(0, 100_000);
        }
    }
}
