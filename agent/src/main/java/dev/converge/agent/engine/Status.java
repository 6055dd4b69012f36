package dev.converge.agent.engine;

/** Where a resource stands in a run. Shown with '-' for '_' ({@code WOULD-CHANGE}). */
public enum Status {
    /** Not yet checked: waiting for its parents, or for a permit. */
    PENDING,
    /** Being checked or applied right now. */
    RUNNING,
    /** Checked and found right; nothing changed. */
    OK,
    /** Checked and changed. */
    CHANGED,
    /** In noop mode: checked, and would have changed (or would run, when a parent would notify it). */
    WOULD_CHANGE,
    /**
     * In noop mode: its check failed, but a parent would change first (say, create the directory
     * it is in), so what it would do can only be known after that parent has been applied.
     */
    DEFERRED,
    /** checkApply failed, after its retries. */
    FAILED,
    /** Not checked because an ancestor failed or was skipped. */
    SKIPPED;

    /** True for a status that lets dependents go ahead. */
    public boolean succeeded() {
        return this == OK || this == CHANGED || this == WOULD_CHANGE || this == DEFERRED;
    }

    /** True for a status that will not change again without an event or a new graph. */
    public boolean settled() {
        return this != PENDING && this != RUNNING;
    }

    /** True for a status that says something changed or, in noop mode, would. */
    public boolean changes() {
        return this == CHANGED || this == WOULD_CHANGE || this == DEFERRED;
    }

    /** The name as shown: {@code WOULD-CHANGE}. */
    @Override
    public String toString() {
        return name().replace('_', '-');
    }
}
