package dev.converge.resources;

import java.nio.file.Path;
import java.util.Set;

/**
 * What a resource says about the paths it touches, so the engine can add the edges a user
 * would otherwise write (autoedges).
 *
 * <p>Rule: a resource that {@code needs} a path comes after the other resource that
 * {@code provides} that path or, when none does, the path's nearest ancestor that some other
 * resource provides.
 *
 * @param provides absolute paths this resource creates or manages
 * @param needs    absolute paths that must be in place before this resource runs
 */
public record PathHints(Set<Path> provides, Set<Path> needs) {

    public static final PathHints NONE = new PathHints(Set.of(), Set.of());

    public PathHints {
        provides = Set.copyOf(provides);
        needs = Set.copyOf(needs);
    }
}
