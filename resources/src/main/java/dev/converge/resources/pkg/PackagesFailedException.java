package dev.converge.resources.pkg;

import dev.converge.resources.MembersFailedException;
import dev.converge.resources.ResourceId;
import java.util.List;
import java.util.SequencedMap;

/**
 * Some packages of a pkg resource cannot be put in their state. After an apply every other
 * package of the resource was; in noop (dnf's check finding a package its repositories lack)
 * nothing was changed. For a group ({@code pkg[autogroup:(a,b,c)]}) this names only the members
 * at fault, each with its own error (a package's member is the resource of its name), so only
 * their dependents are skipped. An error may itself span lines, e.g. a stderr tail.
 *
 * <p>Invariant: {@link #failures()} is non-empty. Immutable.
 */
public final class PackagesFailedException extends MembersFailedException {

    /**
     * @param failures package name to its error, at least one
     * @param done     the changes made to the other packages
     * @throws IllegalArgumentException when {@code failures} is empty
     */
    PackagesFailedException(ResourceId id, SequencedMap<String, String> failures, List<String> done) {
        super(id, failures, done);
    }
}
