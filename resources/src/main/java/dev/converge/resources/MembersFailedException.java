package dev.converge.resources;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Some members of a resource could not be put in their state; every other member was (or, in
 * noop, would be). For a group ({@code kind[autogroup:(a,b,c)]}) the members are the grouped
 * resources by name, so the engine skips only the dependents of the failed members. The message
 * has one line {@code NAME: ERROR} per failed member, in the resource's order.
 *
 * <p>Invariant: {@link #failures()} is non-empty. Immutable.
 */
public class MembersFailedException extends ResourceException {

    private final SequencedMap<String, String> failures;
    private final List<String> othersChanged;

    /**
     * @param failures      member name to its error, at least one
     * @param othersChanged what was changed for the other members; empty when nothing was
     * @throws IllegalArgumentException when {@code failures} is empty
     */
    public MembersFailedException(ResourceId id, SequencedMap<String, String> failures, List<String> othersChanged) {
        super(id, message(failures));
        this.failures = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(failures));
        this.othersChanged = List.copyOf(othersChanged);
    }

    /** Each failed member's name and its own error, in the resource's order. */
    public SequencedMap<String, String> failures() {
        return failures;
    }

    /** The changes made for the members that did not fail, as a {@link CheckResult} would list them. */
    public List<String> othersChanged() {
        return othersChanged;
    }

    private static String message(SequencedMap<String, String> failures) {
        if (failures.isEmpty()) {
            throw new IllegalArgumentException("no member failed");
        }
        var lines = new ArrayList<String>();
        failures.forEach((name, error) -> lines.add(name + ": " + error));
        return String.join("\n", lines);
    }
}
