package dev.converge.resources;

import java.util.List;

/**
 * The answer of {@link Resource#checkApply}: whether the state was already right and, if not,
 * what was changed (or, when not applying, what would be).
 *
 * <p>Invariant: {@code ok()} is true exactly when {@code changes} is empty.
 */
public record CheckResult(List<String> changes) {

    private static final CheckResult OK = new CheckResult(List.of());

    public CheckResult {
        changes = List.copyOf(changes);
    }

    /** The state was already right; nothing changed. */
    public static CheckResult ok() {
        return OK;
    }

    /** The state was not right; each argument describes one change, e.g. {@code "content"}. */
    public static CheckResult changed(String change, String... more) {
        var all = new java.util.ArrayList<String>(1 + more.length);
        all.add(change);
        all.addAll(List.of(more));
        return new CheckResult(all);
    }

    public boolean isOk() {
        return changes.isEmpty();
    }

    @Override
    public String toString() {
        return isOk() ? "ok" : "changed: " + String.join(", ", changes);
    }
}
