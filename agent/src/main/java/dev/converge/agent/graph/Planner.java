package dev.converge.agent.graph;

import com.google.common.graph.GraphBuilder;
import com.google.common.graph.Graphs;
import com.google.common.graph.MutableGraph;
import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.PathHints;
import dev.converge.resources.ResourceId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the graph a user declared into the graph the engine runs: first the automatic edges
 * (autoedges), then merged vertices (autogroup). Both are skipped for a resource whose
 * {@code meta.autoedge} / {@code meta.autogroup} is false.
 *
 * <p>Autoedges follow {@link PathHints}: a resource that needs a path comes after the other
 * resource providing that path or, failing that, its nearest provided ancestor. They also follow
 * {@link AccountHints}: a resource that needs an account (an exec's {@code user}, a file's
 * {@code owner}, a user's {@code group}) comes after every other resource that provides it (the
 * user or group resource to exist); a resource that removes an account comes after every other
 * resource that releases it, so a user is removed before the group it is in. Both hold only
 * between resources whose {@code meta.autoedge} is true. An automatic edge is named after the
 * first need that made it, {@code auto: /etc} or {@code auto: group web}, and one pair of
 * resources gets one edge. A cycle they create is reported like any other.
 *
 * <p>Autogroup merges resources of one kind with equal {@linkplain
 * dev.converge.resources.ResourceKind#groupKey group keys} and equal metaparameters when no
 * path joins any two of them, so merging never creates a cycle. The merged vertex is named
 * {@code kind[autogroup:(a,b,c)]}; the members' edges move to it.
 */
public final class Planner {

    private Planner() {
    }

    /** The graph to run for {@code declared}. */
    public static GraphSnapshot plan(GraphSnapshot declared) throws InvalidGraphException {
        return group(withAutoEdges(declared));
    }

    /** {@code graph} plus its automatic edges. */
    public static GraphSnapshot withAutoEdges(GraphSnapshot graph) throws InvalidGraphException {
        var hints = new LinkedHashMap<ResourceId, PathHints>();
        var providers = new HashMap<Path, List<ResourceId>>();
        for (ResourceSpec spec : graph.resources().values()) {
            if (!spec.meta().autoedge()) {
                continue;
            }
            PathHints h = spec.kind().pathHintsOf(spec.id().name(), spec.params());
            hints.put(spec.id(), h);
            h.provides().forEach(p -> providers.computeIfAbsent(p.normalize(), k -> new ArrayList<>()).add(spec.id()));
        }
        var added = new LinkedHashSet<EdgeSpec>();
        hints.forEach((id, h) -> {
            for (Path need : h.needs().stream().sorted().toList()) {
                for (ResourceId provider : nearestProviders(id, need.normalize(), providers)) {
                    addEdge(graph, added, "auto: " + need, provider, id);
                }
            }
        });
        accountEdges(graph, added);
        if (added.isEmpty()) {
            return graph;
        }
        var edges = new ArrayList<>(graph.edges());
        edges.addAll(dedupe(added));
        return GraphSnapshot.of(graph.name(), graph.resources().values(), edges);
    }

    /**
     * Adds to {@code added} the edges {@link AccountHints} ask for among the resources whose
     * {@code meta.autoedge} is true: provider before needer, releaser before remover.
     */
    private static void accountEdges(GraphSnapshot graph, Set<EdgeSpec> added) {
        var hints = new LinkedHashMap<ResourceId, AccountHints>();
        var providers = new HashMap<Account, List<ResourceId>>();
        var releasers = new HashMap<Account, List<ResourceId>>();
        for (ResourceSpec spec : graph.resources().values()) {
            if (!spec.meta().autoedge()) {
                continue;
            }
            AccountHints h = spec.kind().accountHintsOf(spec.id().name(), spec.params());
            if (h.isEmpty()) {
                continue;
            }
            hints.put(spec.id(), h);
            h.provides().forEach(a -> providers.computeIfAbsent(a, k -> new ArrayList<>()).add(spec.id()));
            h.releases().forEach(a -> releasers.computeIfAbsent(a, k -> new ArrayList<>()).add(spec.id()));
        }
        hints.forEach((id, h) -> {
            for (Account need : h.needs().stream().sorted().toList()) {
                for (ResourceId provider : providers.getOrDefault(need, List.of())) {
                    addEdge(graph, added, "auto: " + need, provider, id);
                }
            }
            for (Account removed : h.removes().stream().sorted().toList()) {
                for (ResourceId releaser : releasers.getOrDefault(removed, List.of())) {
                    addEdge(graph, added, "auto: " + removed, releaser, id);
                }
            }
        });
    }

    /** Adds the automatic edge {@code from -> to} unless it would be a self-loop or the user declared it. */
    private static void addEdge(GraphSnapshot graph, Set<EdgeSpec> added, String name, ResourceId from,
            ResourceId to) {
        if (!from.equals(to) && !graph.parents(to).contains(from)) {
            added.add(new EdgeSpec(name, from, to, false, true, graph.resource(to).location()));
        }
    }

    private static List<ResourceId> nearestProviders(ResourceId self, Path need, Map<Path, List<ResourceId>> providers) {
        for (Path p = need; p != null; p = p.getParent()) {
            List<ResourceId> found = providers.getOrDefault(p, List.of()).stream()
                    .filter(r -> !r.equals(self))
                    .toList();
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    /** One automatic edge per pair of resources, the first need naming it. */
    private static List<EdgeSpec> dedupe(Set<EdgeSpec> edges) {
        var byPair = new LinkedHashMap<List<ResourceId>, EdgeSpec>();
        edges.forEach(e -> byPair.putIfAbsent(List.of(e.from(), e.to()), e));
        return List.copyOf(byPair.values());
    }

    /** {@code graph} with its groupable resources merged. */
    public static GraphSnapshot group(GraphSnapshot graph) throws InvalidGraphException {
        MutableGraph<ResourceId> contracted = GraphBuilder.directed().allowsSelfLoops(false).build();
        graph.resources().keySet().forEach(contracted::addNode);
        graph.edges().forEach(e -> contracted.putEdge(e.from(), e.to()));

        var groups = new LinkedHashMap<ResourceId, List<ResourceSpec>>();
        var candidatesByKey = new LinkedHashMap<List<Object>, List<ResourceId>>();
        for (ResourceSpec spec : graph.resources().values()) {
            if (!spec.meta().autogroup() || spec.isGroup()) {
                continue;
            }
            Optional<String> key = spec.kind().groupKeyOf(spec.id().name(), spec.params());
            key.ifPresent(k -> candidatesByKey
                    .computeIfAbsent(List.of(spec.kind().name(), k, spec.meta()), x -> new ArrayList<>())
                    .add(spec.id()));
        }
        for (List<ResourceId> candidates : candidatesByKey.values()) {
            var open = new ArrayList<ResourceId>();
            for (ResourceId c : candidates) {
                ResourceId joined = null;
                for (ResourceId leader : open) {
                    if (!Graphs.reachableNodes(contracted, leader).contains(c)
                            && !Graphs.reachableNodes(contracted, c).contains(leader)) {
                        contract(contracted, leader, c);
                        groups.get(leader).add(graph.resource(c));
                        joined = leader;
                        break;
                    }
                }
                if (joined == null) {
                    open.add(c);
                    groups.put(c, new ArrayList<>(List.of(graph.resource(c))));
                }
            }
        }
        groups.values().removeIf(members -> members.size() < 2);
        if (groups.isEmpty()) {
            return graph;
        }
        var vertexOf = new HashMap<ResourceId, ResourceId>();
        var mergedSpecs = new LinkedHashMap<ResourceId, ResourceSpec>();
        for (List<ResourceSpec> members : groups.values()) {
            ResourceSpec first = members.getFirst();
            ResourceId id = ResourceId.of(first.kind().name(), "autogroup:(" + String.join(",",
                    members.stream().map(m -> m.id().name()).toList()) + ")");
            mergedSpecs.put(first.id(), ResourceSpec.group(id, members));
            members.forEach(m -> vertexOf.put(m.id(), id));
        }
        var specs = new ArrayList<ResourceSpec>();
        for (ResourceSpec spec : graph.resources().values()) {
            if (mergedSpecs.containsKey(spec.id())) {
                specs.add(mergedSpecs.get(spec.id()));
            } else if (!vertexOf.containsKey(spec.id())) {
                specs.add(spec);
            }
        }
        var edges = new LinkedHashMap<List<Object>, EdgeSpec>();
        for (EdgeSpec e : graph.edges()) {
            ResourceId from = vertexOf.getOrDefault(e.from(), e.from());
            ResourceId to = vertexOf.getOrDefault(e.to(), e.to());
            Set<ResourceId> members = from.equals(e.from()) ? e.fromMembers() : Set.of(e.from());
            var moved = new EdgeSpec(e.name(), from, to, e.notifies(), e.auto(), e.location(), members);
            edges.merge(List.of(from, to, e.notifies()), moved, Planner::mergeEdges);
        }
        return GraphSnapshot.of(graph.name(), specs, edges.values());
    }

    /**
     * One edge for two that now join the same vertices: a declared one before an automatic one,
     * leaving the members of both (or the whole vertex, when either leaves it whole).
     */
    private static EdgeSpec mergeEdges(EdgeSpec a, EdgeSpec b) {
        EdgeSpec kept = a.auto() && !b.auto() ? b : a;
        var members = new HashSet<ResourceId>(a.fromMembers());
        members.addAll(b.fromMembers());
        if (a.fromMembers().isEmpty() || b.fromMembers().isEmpty()) {
            members.clear();
        }
        return new EdgeSpec(kept.name(), kept.from(), kept.to(), kept.notifies(), kept.auto(), kept.location(),
                members);
    }

    /** Merges node {@code other} into {@code into}, keeping every edge of both. */
    private static void contract(MutableGraph<ResourceId> g, ResourceId into, ResourceId other) {
        for (ResourceId p : Set.copyOf(g.predecessors(other))) {
            g.putEdge(p, into);
        }
        for (ResourceId s : Set.copyOf(g.successors(other))) {
            g.putEdge(into, s);
        }
        g.removeNode(other);
    }
}
