package dev.converge.agent.engine;

import dev.converge.resources.ResourceId;
import java.util.List;

/**
 * What one graph swap changed: resources added, changed (stopped and started anew), removed
 * (stopped, left on the host as they are) and kept running untouched. Immutable.
 *
 * @param generation the engine's graph generation after the swap (the first graph is 0)
 */
public record GraphDiff(
        int generation, List<ResourceId> added, List<ResourceId> changed, List<ResourceId> removed,
        List<ResourceId> kept) {

    public GraphDiff {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
        kept = List.copyOf(kept);
    }

    /** E.g. {@code generation 2: 1 added, 1 changed, 0 removed, 4 unchanged}. */
    @Override
    public String toString() {
        return "generation " + generation + ": " + added.size() + " added, " + changed.size() + " changed, "
                + removed.size() + " removed, " + kept.size() + " unchanged";
    }
}
