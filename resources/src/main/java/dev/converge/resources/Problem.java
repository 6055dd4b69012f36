package dev.converge.resources;

import java.util.Objects;

/**
 * One thing wrong (or doubtful) with a resource's parameters, found by
 * {@link ResourceKind#validate}. {@code field} names the parameter it is about, or is null
 * when it is about the resource as a whole; the loader turns it into a file, line and column.
 */
public record Problem(Severity severity, String field, String message) {

    public enum Severity { ERROR, WARNING, INFO }

    public Problem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    public static Problem error(String field, String message) {
        return new Problem(Severity.ERROR, field, message);
    }

    public static Problem warning(String field, String message) {
        return new Problem(Severity.WARNING, field, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }
}
