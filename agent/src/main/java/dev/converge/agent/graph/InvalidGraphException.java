package dev.converge.agent.graph;

import java.util.List;

/** A graph was rejected. Holds every error found (at least one) and any warnings. */
public class InvalidGraphException extends Exception {

    private final List<Diagnostic> diagnostics;

    public InvalidGraphException(List<Diagnostic> diagnostics) {
        super(summary(diagnostics));
        this.diagnostics = List.copyOf(diagnostics);
    }

    private static String summary(List<Diagnostic> diagnostics) {
        long errors = diagnostics.stream().filter(Diagnostic::isError).count();
        String first = diagnostics.stream().filter(Diagnostic::isError).findFirst()
                .map(Diagnostic::toString).orElse("invalid graph");
        return errors <= 1 ? first : first + " (and " + (errors - 1) + " more errors)";
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }
}
