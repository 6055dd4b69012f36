package dev.converge.resources.pkg;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * A package transaction ({@code apt-get install}, {@code dnf remove}, ...) ran and exited
 * non-zero. When the package manager said which arguments it could not find, {@link #unknown()}
 * maps each of them, as given on the command line ({@code hello}, {@code hello=2.10-3},
 * {@code hello-2.12.1-2.fc40}), to the line that said so; it is empty when the failure named
 * no argument. Immutable.
 */
final class TransactionFailedException extends ResourceException {

    private final SequencedMap<String, String> unknown;

    TransactionFailedException(ResourceId id, String message, SequencedMap<String, String> unknown) {
        super(id, message);
        this.unknown = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(unknown));
    }

    /** Argument to the package manager's line that named it as not found, in the order printed. */
    SequencedMap<String, String> unknown() {
        return unknown;
    }
}
