package dev.converge.agent.graph;

import dev.converge.resources.MetaParams;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.Objects;

/**
 * A validated declaration of one resource: its id, kind, parameters and metaparameters, and
 * where it was declared. Immutable.
 *
 * <p>Two specs with the same id are {@linkplain #sameDeclaration the same declaration} when
 * their kind, parameters and metaparameters are equal; where they were written does not count.
 */
public record ResourceSpec(
        ResourceId id, ResourceKind<?> kind, Record params, MetaParams meta, SourceLocation location) {

    public ResourceSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(location, "location");
        if (!kind.name().equals(id.kind())) {
            throw new IllegalArgumentException(id + " declared with kind " + kind.name());
        }
        if (!kind.paramsType().isInstance(params)) {
            throw new IllegalArgumentException(id + " has parameters of type " + params.getClass().getName());
        }
    }

    /** True when {@code other} declares the same resource identically (location aside). */
    public boolean sameDeclaration(ResourceSpec other) {
        return id.equals(other.id) && kind.name().equals(other.kind.name())
                && params.equals(other.params) && meta.equals(other.meta);
    }

    /** A new resource instance for this declaration. */
    public Resource newResource() {
        return kind.createFrom(id.name(), params);
    }
}
