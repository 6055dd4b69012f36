package dev.converge.resources.pkg;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * Some packages of a pkg resource cannot be put in their state. After an apply every other
 * package of the resource was; in noop (dnf's check finding a package its repositories lack)
 * nothing was changed. For a group ({@code pkg[autogroup:(a,b,c)]}) this names only the members
 * at fault, each with its own error. The message has one line {@code NAME: ERROR} per failed
 * package, in the resource's order (an error may itself span lines, e.g. a stderr tail).
 *
 * <p>Invariant: {@link #failures()} is non-empty. Immutable.
 */
public final class PackagesFailedException extends ResourceException {

    private final SequencedMap<String, String> failures;

    /**
     * @param failures package name to its error, at least one
     * @throws IllegalArgumentException when {@code failures} is empty
     */
    PackagesFailedException(ResourceId id, SequencedMap<String, String> failures) {
        super(id, message(failures));
        this.failures = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(failures));
    }

    /** Each failed package's name and its own error, in the resource's order. */
    public SequencedMap<String, String> failures() {
        return failures;
    }

    private static String message(SequencedMap<String, String> failures) {
        if (failures.isEmpty()) {
            throw new IllegalArgumentException("no package failed");
        }
        var lines = new ArrayList<String>();
        failures.forEach((name, error) -> lines.add(name + ": " + error));
        return String.join("\n", lines);
    }
}
