package dev.converge.resources;

import java.util.Comparator;
import java.util.Objects;

/**
 * Identity of a resource in a graph: its kind and its name, written {@code kind[name]}.
 *
 * <p>Invariant: two resources with equal ids are the same vertex; a graph never holds two
 * different declarations under one id.
 */
public record ResourceId(String kind, String name) implements Comparable<ResourceId> {

    private static final Comparator<ResourceId> ORDER =
            Comparator.comparing(ResourceId::kind).thenComparing(ResourceId::name);

    public ResourceId {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public static ResourceId of(String kind, String name) {
        return new ResourceId(kind, name);
    }

    @Override
    public int compareTo(ResourceId other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return kind + "[" + name + "]";
    }
}
