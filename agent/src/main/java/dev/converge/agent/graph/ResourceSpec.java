package dev.converge.agent.graph;

import dev.converge.resources.MetaParams;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * A validated declaration of one resource: its id, kind, parameters and metaparameters, and
 * where it was declared. Immutable.
 *
 * <p>Two specs with the same id are {@linkplain #sameDeclaration the same declaration} when
 * their kind, parameters, metaparameters and members are equal; where they were written does
 * not count.
 *
 * <p>A merged vertex (autogroup) has two or more {@code members}, the declarations it stands
 * for; its {@code params} and {@code meta} are those of the first. A plain declaration has none.
 */
public record ResourceSpec(
        ResourceId id, ResourceKind<?> kind, Record params, MetaParams meta, SourceLocation location,
        List<ResourceSpec> members) {

    public ResourceSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(location, "location");
        members = List.copyOf(members);
        if (members.size() == 1) {
            throw new IllegalArgumentException(id + ": a group needs at least two members");
        }
        if (!kind.name().equals(id.kind())) {
            throw new IllegalArgumentException(id + " declared with kind " + kind.name());
        }
        if (!kind.paramsType().isInstance(params)) {
            throw new IllegalArgumentException(id + " has parameters of type " + params.getClass().getName());
        }
    }

    /** A plain declaration. */
    public ResourceSpec(ResourceId id, ResourceKind<?> kind, Record params, MetaParams meta, SourceLocation location) {
        this(id, kind, params, meta, location, List.of());
    }

    /** A merged vertex standing for {@code members} (two or more, of one kind). */
    public static ResourceSpec group(ResourceId id, List<ResourceSpec> members) {
        ResourceSpec first = members.getFirst();
        return new ResourceSpec(id, first.kind, first.params, first.meta, first.location, members);
    }

    public boolean isGroup() {
        return !members.isEmpty();
    }

    /**
     * The named semaphores this resource holds while applying: its {@code meta.sema} and its
     * kind's implicit ones (of every member, for a group), one per name, the first declaration
     * of a name winning.
     */
    public List<MetaParams.Semaphore> semaphores() {
        var byName = new LinkedHashMap<String, MetaParams.Semaphore>();
        for (ResourceSpec s : isGroup() ? members : List.of(this)) {
            s.meta.semaphores().forEach(sem -> byName.putIfAbsent(sem.name(), sem));
        }
        kind.implicitSemaphores().stream().map(MetaParams.Semaphore::parse)
                .forEach(sem -> byName.putIfAbsent(sem.name(), sem));
        return List.copyOf(byName.values());
    }

    /** True when {@code other} declares the same resource identically (location aside). */
    public boolean sameDeclaration(ResourceSpec other) {
        if (!(id.equals(other.id) && kind.name().equals(other.kind.name())
                && params.equals(other.params) && meta.equals(other.meta)
                && members.size() == other.members.size())) {
            return false;
        }
        for (int i = 0; i < members.size(); i++) {
            if (!members.get(i).sameDeclaration(other.members.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** A new resource instance for this declaration, or for all members of a group at once. */
    public Resource newResource() {
        if (!isGroup()) {
            return kind.createFrom(id.name(), params);
        }
        var byName = new LinkedHashMap<String, Record>();
        members.forEach(m -> byName.put(m.id.name(), m.params));
        return kind.createGroupFrom(byName);
    }
}
