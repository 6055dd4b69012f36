package dev.converge.agent.graph;

import dev.converge.resources.ResourceId;
import java.util.Objects;

/**
 * A dependency: {@code to} is checked and applied only after {@code from} succeeded. With
 * {@code notifies} (YAML {@code notify: true}), a change made by {@code from} sends a refresh to {@code to}. {@code auto} marks
 * edges the engine added rather than the user. Immutable.
 */
public record EdgeSpec(
        String name, ResourceId from, ResourceId to, boolean notifies, boolean auto, SourceLocation location) {

    public EdgeSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(location, "location");
    }

    @Override
    public String toString() {
        return name + ": " + from + " -> " + to + (notifies ? " (notify)" : "");
    }
}
