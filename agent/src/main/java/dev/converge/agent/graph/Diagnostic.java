package dev.converge.agent.graph;

import dev.converge.resources.Problem.Severity;
import java.util.Objects;

/** One problem found in a graph, with where it was found. Rendered {@code file:line:col: error: message}. */
public record Diagnostic(Severity severity, SourceLocation where, String message) {

    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(where, "where");
        Objects.requireNonNull(message, "message");
    }

    public static Diagnostic error(SourceLocation where, String message) {
        return new Diagnostic(Severity.ERROR, where, message);
    }

    public static Diagnostic warning(SourceLocation where, String message) {
        return new Diagnostic(Severity.WARNING, where, message);
    }

    public static Diagnostic info(SourceLocation where, String message) {
        return new Diagnostic(Severity.INFO, where, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        return where + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
