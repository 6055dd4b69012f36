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
        Numbered numbered = Numbered.of(network, byId.keySet());
        errors.addAll(cycles(network, numbered));
        if (!errors.isEmpty()) {
            throw new InvalidGraphException(errors);
        }
        return new GraphSnapshot(name, ImmutableMap.copyOf(byId), network, topologicalOrder(numbered));
    }

    private static String similar(ResourceId missing, Set<ResourceId> declared) {
        List<String> sameName = declared.stream()
                .filter(id -> id.name().equals(missing.name()))
                .map(ResourceId::toString)
                .toList();
        return sameName.isEmpty() ? "" : " (did you mean " + String.join(" or ", sameName) + "?)";
    }

    /**
     * The nodes numbered in declaration order, each with the distinct numbers of its successors:
     * the graph algorithms below run on arrays instead of hashing ids at every step.
     */
    private record Numbered(List<ResourceId> ids, int[][] successors) {

        static Numbered of(ImmutableNetwork<ResourceId, EdgeSpec> network, Set<ResourceId> order) {
            List<ResourceId> ids = List.copyOf(order);
            var number = new HashMap<ResourceId, Integer>(ids.size() * 2);
            for (ResourceId id : ids) {
                number.put(id, number.size());
            }
            int[][] successors = new int[ids.size()][];
            for (int v = 0; v < ids.size(); v++) {
                successors[v] = network.successors(ids.get(v)).stream().mapToInt(number::get).toArray();
            }
            return new Numbered(ids, successors);
        }
    }

    /** One diagnostic per strongly connected component that contains a cycle (iterative Tarjan). */
    private static List<Diagnostic> cycles(ImmutableNetwork<ResourceId, EdgeSpec> network, Numbered graph) {
        int n = graph.ids().size();
        int[][] successors = graph.successors();
        int[] index = new int[n];
        int[] low = new int[n];
        java.util.Arrays.fill(index, -1);
        boolean[] onStack = new boolean[n];
        int[] stack = new int[n];
        int stackSize = 0;
        // The depth-first path: a node and how many of its successors were visited.
        int[] frameNode = new int[n];
        int[] frameNext = new int[n];
        int counter = 0;
        var found = new ArrayList<Diagnostic>();
        for (int start = 0; start < n; start++) {
            if (index[start] >= 0) {
                continue;
            }
            index[start] = low[start] = counter++;
            stack[stackSize++] = start;
            onStack[start] = true;
            frameNode[0] = start;
            frameNext[0] = 0;
            int depth = 1;
            while (depth > 0) {
                int v = frameNode[depth - 1];
                if (frameNext[depth - 1] < successors[v].length) {
                    int w = successors[v][frameNext[depth - 1]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = counter++;
                        stack[stackSize++] = w;
                        onStack[w] = true;
                        frameNode[depth] = w;
                        frameNext[depth] = 0;
                        depth++;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                depth--;
                if (depth > 0) {
                    int parent = frameNode[depth - 1];
                    low[parent] = Math.min(low[parent], low[v]);
                }
                if (low[v] == index[v]) {
                    var component = new java.util.HashSet<ResourceId>();
                    int w;
                    do {
                        w = stack[--stackSize];
                        onStack[w] = false;
                        component.add(graph.ids().get(w));
                    } while (w != v);
                    boolean selfLoop = java.util.Arrays.stream(successors[v]).anyMatch(x -> x == v);
                    if (component.size() > 1 || selfLoop) {
                        found.add(describeCycle(network, component, graph.ids()));
                    }
                }
            }
        }
        return found;
    }

    /** Spells one cycle inside a cyclic component, starting at its first-declared member. */
    private static Diagnostic describeCycle(
            ImmutableNetwork<ResourceId, EdgeSpec> network, Set<ResourceId> component, List<ResourceId> order) {
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
    private static ImmutableList<ResourceId> topologicalOrder(Numbered graph) {
        int n = graph.ids().size();
        int[][] successors = graph.successors();
        int[] remaining = new int[n];
        for (int[] children : successors) {
            for (int child : children) {
                remaining[child]++;
            }
        }
        var ready = new java.util.PriorityQueue<Integer>(Math.max(1, n));
        for (int v = 0; v < n; v++) {
            if (remaining[v] == 0) {
                ready.add(v);
            }
        }
        var result = ImmutableList.<ResourceId>builderWithExpectedSize(n);
        while (!ready.isEmpty()) {
            int v = ready.poll();
            result.add(graph.ids().get(v));
            for (int child : successors[v]) {
                if (--remaining[child] == 0) {
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

    /** The edges from {@code from} to {@code to}: a plain one, a notify one, or both. */
    public Set<EdgeSpec> edgesConnecting(ResourceId from, ResourceId to) {
        return network.edgesConnecting(from, to);
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
