package dev.converge.agent.graph;

import dev.converge.resources.ResourceId;
import java.util.Objects;
import java.util.Set;

/**
 * A dependency: {@code to} is checked and applied only after {@code from} succeeded. With
 * {@code notifies} (YAML {@code notify: true}), a change made by {@code from} sends a refresh to {@code to}. {@code auto} marks
 * edges the engine added rather than the user. Immutable.
 *
 * @param fromMembers when {@code from} is a merged vertex (autogroup) and the edge was declared
 *     from some of its members: those members, whose failure alone skips {@code to}; empty when
 *     the edge leaves {@code from} as a whole
 */
public record EdgeSpec(
        String name, ResourceId from, ResourceId to, boolean notifies, boolean auto, SourceLocation location,
        Set<ResourceId> fromMembers) {

    public EdgeSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(location, "location");
        fromMembers = Set.copyOf(fromMembers);
    }

    /** An edge that leaves {@code from} as a whole. */
    public EdgeSpec(
            String name, ResourceId from, ResourceId to, boolean notifies, boolean auto, SourceLocation location) {
        this(name, from, to, notifies, auto, location, Set.of());
    }

    @Override
    public String toString() {
        return name + ": " + from + " -> " + to + (notifies ? " (notify)" : "");
    }
}
