package dev.converge.resources;

import dev.converge.resources.account.GroupKind;
import dev.converge.resources.account.UserKind;
import dev.converge.resources.exec.ExecKind;
import dev.converge.resources.file.FileKind;
import dev.converge.resources.noop.NoopKind;
import dev.converge.resources.pkg.PkgKind;
import dev.converge.resources.svc.SvcKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** The registry of resource kinds, by the name graph files use. Immutable. */
public final class Kinds {

    private static final Kinds BUILT_IN = of(new ExecKind(), new FileKind(), new GroupKind(), new NoopKind(),
            new PkgKind(), new SvcKind(), new UserKind());

    private final SortedMap<String, ResourceKind<?>> byName;

    private Kinds(SortedMap<String, ResourceKind<?>> byName) {
        this.byName = byName;
    }

    /** The kinds shipped with converge. */
    public static Kinds builtIn() {
        return BUILT_IN;
    }

    /** A registry of the given kinds; their names must differ. */
    public static Kinds of(ResourceKind<?>... kinds) {
        var map = new TreeMap<String, ResourceKind<?>>();
        for (ResourceKind<?> k : kinds) {
            if (map.put(k.name(), k) != null) {
                throw new IllegalArgumentException("two kinds named " + k.name());
            }
        }
        return new Kinds(Collections.unmodifiableSortedMap(map));
    }

    /** This registry plus {@code more}; used by tests to add fake kinds. */
    public Kinds with(ResourceKind<?>... more) {
        var all = new ArrayList<ResourceKind<?>>(byName.values());
        all.addAll(List.of(more));
        return of(all.toArray(ResourceKind<?>[]::new));
    }

    public Optional<ResourceKind<?>> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Kind names in alphabetical order. */
    public Set<String> names() {
        return byName.keySet();
    }

    public Map<String, ResourceKind<?>> asMap() {
        return byName;
    }
}
