package dev.converge.bench;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A benchmark graph: nodes in a topological order (every parent precedes its children).
 *
 * @param name  the graph name, also used for file names
 * @param nodes the nodes, parents first
 */
public record Dag(String name, List<Node> nodes) {

    public Dag {
        nodes = List.copyOf(nodes);
        Set<String> seen = new HashSet<>();
        for (Node node : nodes) {
            for (String parent : node.parents()) {
                if (!seen.contains(parent)) {
                    throw new IllegalArgumentException(node.name() + ": parent " + parent + " is not an earlier node");
                }
            }
            if (!seen.add(node.name())) {
                throw new IllegalArgumentException("duplicate node " + node.name());
            }
        }
    }

    /** The number of parent-to-child edges. */
    public int edgeCount() {
        return nodes.stream().mapToInt(node -> node.parents().size()).sum();
    }

    /** Names of the nodes no other node depends on: what make's and ninja's default target builds. */
    public List<String> sinks() {
        Set<String> parents = new HashSet<>();
        nodes.forEach(node -> parents.addAll(node.parents()));
        return nodes.stream().map(Node::name).filter(name -> !parents.contains(name)).toList();
    }
}
