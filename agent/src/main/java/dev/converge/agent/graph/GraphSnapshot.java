package dev.converge.agent.graph;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.graph.ImmutableNetwork;
import com.google.common.graph.NetworkBuilder;
import dev.converge.resources.ResourceId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One immutable generation of the resource graph: the resources by id (in declaration order)
 * and the edges between them.
 *
 * <p>Invariants, established by {@link #of}: every edge joins two resources of the snapshot; the
 * graph is acyclic; ids are unique. The engine owns one snapshot at a time and replaces it with
 * another by diff, never by mutation.
 */
public final class GraphSnapshot {

    private final String name;
    private final ImmutableMap<ResourceId, ResourceSpec> resources;
    private final ImmutableNetwork<ResourceId, EdgeSpec> network;
    private final ImmutableList<ResourceId> topologicalOrder;

    private GraphSnapshot(
            String name,
            ImmutableMap<ResourceId, ResourceSpec> resources,
            ImmutableNetwork<ResourceId, EdgeSpec> network,
            ImmutableList<ResourceId> topologicalOrder) {
        this.name = name;
        this.resources = resources;
        this.network = network;
        this.topologicalOrder = topologicalOrder;
    }

    /**
     * Builds a snapshot, or reports every edge whose end is missing and every cycle.
     *
     * @param resources declarations with distinct ids, in declaration order
     * @param edges     edges between them; identical edges collapse into one
     * @throws InvalidGraphException listing each missing endpoint and each cycle, spelled out
     *     as {@code exec[a] -> exec[b] -> exec[a]}
     */
    public static GraphSnapshot of(String name, Collection<ResourceSpec> resources, Collection<EdgeSpec> edges)
            throws InvalidGraphException {
        var byId = new LinkedHashMap<ResourceId, ResourceSpec>();
        for (ResourceSpec spec : resources) {
            if (byId.putIfAbsent(spec.id(), spec) != null) {
                throw new IllegalArgumentException("duplicate resource " + spec.id());
            }
        }
        var errors = new ArrayList<Diagnostic>();
        var builder = NetworkBuilder.directed()
                .allowsParallelEdges(true)
                .allowsSelfLoops(true)
                .expectedNodeCount(byId.size())
                .<ResourceId, EdgeSpec>immutable();
        byId.keySet().forEach(builder::addNode);
        for (EdgeSpec edge : edges) {
            boolean ok = true;
            for (ResourceId end : List.of(edge.from(), edge.to())) {
                if (!byId.containsKey(end)) {
                    errors.add(Diagnostic.error(edge.location(),
                            "edge '" + edge.name() + "' refers to " + end + ", which is not declared"
                                    + similar(end, byId.keySet())));
                    ok = false;
                }
            }
            if (ok) {
                builder.addEdge(edge.from(), edge.to(), edge);
            }
        }
        ImmutableNetwork<ResourceId, EdgeSpec> network = builder.build();
        errors.addAll(cycles(network, byId.keySet()));
        if (!errors.isEmpty()) {
            throw new InvalidGraphException(errors);
        }
        return new GraphSnapshot(name, ImmutableMap.copyOf(byId), network, topologicalOrder(network, byId.keySet()));
    }

    private static String similar(ResourceId missing, Set<ResourceId> declared) {
        List<String> sameName = declared.stream()
                .filter(id -> id.name().equals(missing.name()))
                .map(ResourceId::toString)
                .toList();
        return sameName.isEmpty() ? "" : " (did you mean " + String.join(" or ", sameName) + "?)";
    }

    /** One diagnostic per strongly connected component that contains a cycle (Tarjan). */
    private static List<Diagnostic> cycles(ImmutableNetwork<ResourceId, EdgeSpec> network, Set<ResourceId> order) {
        var index = new HashMap<ResourceId, Integer>();
        var low = new HashMap<ResourceId, Integer>();
        var onStack = new java.util.HashSet<ResourceId>();
        var stack = new ArrayDeque<ResourceId>();
        var found = new ArrayList<Diagnostic>();
        int[] counter = {0};
        for (ResourceId start : order) {
            if (index.containsKey(start)) {
                continue;
            }
            // Iterative Tarjan: each frame is a node and an iterator over its successors.
            var frames = new ArrayDeque<Map.Entry<ResourceId, java.util.Iterator<ResourceId>>>();
            visit(start, index, low, stack, onStack, counter, frames, network);
            while (!frames.isEmpty()) {
                var frame = frames.peek();
                ResourceId v = frame.getKey();
                if (frame.getValue().hasNext()) {
                    ResourceId w = frame.getValue().next();
                    if (!index.containsKey(w)) {
                        visit(w, index, low, stack, onStack, counter, frames, network);
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                frames.pop();
                if (!frames.isEmpty()) {
                    ResourceId parent = frames.peek().getKey();
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    var component = new java.util.HashSet<ResourceId>();
                    ResourceId w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        component.add(w);
                    } while (!w.equals(v));
                    if (component.size() > 1 || network.successors(v).contains(v)) {
                        found.add(describeCycle(network, component, order));
                    }
                }
            }
        }
        return found;
    }

    private static void visit(
            ResourceId v,
            Map<ResourceId, Integer> index,
            Map<ResourceId, Integer> low,
            ArrayDeque<ResourceId> stack,
            Set<ResourceId> onStack,
            int[] counter,
            ArrayDeque<Map.Entry<ResourceId, java.util.Iterator<ResourceId>>> frames,
            ImmutableNetwork<ResourceId, EdgeSpec> network) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        frames.push(Map.entry(v, network.successors(v).iterator()));
    }

    /** Spells one cycle inside a cyclic component, starting at its first-declared member. */
    private static Diagnostic describeCycle(
            ImmutableNetwork<ResourceId, EdgeSpec> network, Set<ResourceId> component, Set<ResourceId> order) {
        ResourceId start = order.stream().filter(component::contains).findFirst().orElseThrow();
        // Breadth-first search inside the component for the shortest way back to start.
        var cameFrom = new HashMap<ResourceId, EdgeSpec>();
        var queue = new ArrayDeque<ResourceId>(List.of(start));
        EdgeSpec closing = null;
        while (!queue.isEmpty() && closing == null) {
            ResourceId v = queue.poll();
            for (EdgeSpec e : sorted(network.outEdges(v))) {
                if (e.to().equals(start)) {
                    closing = e;
                    break;
                }
                if (component.contains(e.to()) && !cameFrom.containsKey(e.to())) {
                    cameFrom.put(e.to(), e);
                    queue.add(e.to());
                }
            }
        }
        var path = new ArrayList<EdgeSpec>();
        for (EdgeSpec e = closing; ; e = cameFrom.get(e.from())) {
            path.addFirst(e);
            if (e.from().equals(start)) {
                break;
            }
        }
        String spelled = start + path.stream().map(e -> " -> " + e.to()).collect(Collectors.joining());
        String via = path.stream().map(e -> e.auto() ? e.name() + " (automatic)" : e.name())
                .collect(Collectors.joining(", "));
        return Diagnostic.error(path.getFirst().location(), "cycle: " + spelled + " (edges " + via + ")");
    }

    private static List<EdgeSpec> sorted(Set<EdgeSpec> edges) {
        return edges.stream()
                .sorted(java.util.Comparator.comparing(EdgeSpec::to).thenComparing(EdgeSpec::name))
                .toList();
    }

    /** Kahn's algorithm; ties are broken by declaration order so the result is deterministic. */
    private static ImmutableList<ResourceId> topologicalOrder(
            ImmutableNetwork<ResourceId, EdgeSpec> network, Set<ResourceId> order) {
        var position = new HashMap<ResourceId, Integer>();
        for (ResourceId id : order) {
            position.put(id, position.size());
        }
        var remaining = new HashMap<ResourceId, Integer>();
        var ready = new java.util.PriorityQueue<ResourceId>(java.util.Comparator.comparing(position::get));
        for (ResourceId id : order) {
            int parents = network.predecessors(id).size();
            remaining.put(id, parents);
            if (parents == 0) {
                ready.add(id);
            }
        }
        var result = ImmutableList.<ResourceId>builderWithExpectedSize(order.size());
        while (!ready.isEmpty()) {
            ResourceId v = ready.poll();
            result.add(v);
            for (ResourceId child : network.successors(v)) {
                if (remaining.merge(child, -1, Integer::sum) == 0) {
                    ready.add(child);
                }
            }
        }
        return result.build();
    }

    public String name() {
        return name;
    }

    /** Resources by id, in declaration order. */
    public ImmutableMap<ResourceId, ResourceSpec> resources() {
        return resources;
    }

    public ResourceSpec resource(ResourceId id) {
        ResourceSpec spec = resources.get(id);
        if (spec == null) {
            throw new IllegalArgumentException(id + " is not in graph " + name);
        }
        return spec;
    }

    /** Every edge, in the order of {@link #resources()} of their source, then by target. */
    public List<EdgeSpec> edges() {
        var all = new ArrayList<EdgeSpec>(network.edges().size());
        for (ResourceId id : resources.keySet()) {
            all.addAll(sorted(network.outEdges(id)));
        }
        return all;
    }

    /** Resources that must succeed before {@code id} runs. */
    public Set<ResourceId> parents(ResourceId id) {
        return network.predecessors(id);
    }

    /** Resources that wait for {@code id}. */
    public Set<ResourceId> children(ResourceId id) {
        return network.successors(id);
    }

    public Set<EdgeSpec> inEdges(ResourceId id) {
        return network.inEdges(id);
    }

    public Set<EdgeSpec> outEdges(ResourceId id) {
        return network.outEdges(id);
    }

    /** Every resource, each after all of its parents; ties in declaration order. */
    public ImmutableList<ResourceId> topologicalOrder() {
        return topologicalOrder;
    }

    /** All resources reachable from {@code id} along edges, {@code id} excluded. */
    public Set<ResourceId> descendants(ResourceId id) {
        var seen = new java.util.LinkedHashSet<ResourceId>();
        var queue = new ArrayDeque<>(network.successors(id));
        while (!queue.isEmpty()) {
            ResourceId v = queue.poll();
            if (seen.add(v)) {
                queue.addAll(network.successors(v));
            }
        }
        return seen;
    }

    public int size() {
        return resources.size();
    }

    @Override
    public String toString() {
        return "graph " + name + " (" + resources.size() + " resources, " + network.edges().size() + " edges)";
    }
}
