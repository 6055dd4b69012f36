package dev.converge.resources;

import java.util.List;

/**
 * The answer of {@link Resource#checkApply}: whether the state was already right and, if not,
 * what was changed (or, when not applying, what would be), and the diff of that change when the
 * engine asked for one.
 *
 * <p>Invariants: {@code ok()} is true exactly when {@code changes} is empty. {@code diff} is
 * empty unless {@link ResourceContext#diffs()} was true for the call and the resource has
 * content to compare; it is never set on an ok result. Its lines are those of a unified diff
 * ({@code --- old}, {@code +++ new}, {@code @@ ... @@} hunks) or, when the content is not shown,
 * one line saying why (see {@link ContentDiff}); no line holds a {@code '\n'}. Both lists
 * are immutable.
 *
 * @param changes one description per change, e.g. {@code "content (12 -> 40 bytes)"}
 * @param diff    the unified diff of the content changed, one element per line; empty when none
 */
public record CheckResult(List<String> changes, List<String> diff) {

    private static final CheckResult OK = new CheckResult(List.of());

    public CheckResult {
        changes = List.copyOf(changes);
        diff = List.copyOf(diff);
        if (changes.isEmpty() && !diff.isEmpty()) {
            throw new IllegalArgumentException("a diff without a change: " + diff.size() + " lines");
        }
        for (String line : diff) {
            if (line.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a diff line holds a line break: " + line.length() + " chars");
            }
        }
    }

    /** The changes, without a diff. */
    public CheckResult(List<String> changes) {
        this(changes, List.of());
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

    /**
     * These changes with {@code diff} as their diff.
     *
     * @throws IllegalArgumentException when this result is ok and {@code diff} is not empty
     */
    public CheckResult withDiff(List<String> diff) {
        return new CheckResult(changes, diff);
    }
}
