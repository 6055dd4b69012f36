package dev.converge.agent.engine;

/** Where a vertex stands in the current graph generation. */
public enum Status {
    /** Not yet checked: waiting for its parents, or for a permit. */
    PENDING,
    /** Being checked or applied right now. */
    RUNNING,
    /** Checked and found right; nothing changed. */
    OK,
    /** Checked and changed (or, in noop mode, would have changed). */
    CHANGED,
    /** checkApply failed, after its retries. */
    FAILED,
    /** Not checked because an ancestor failed or was skipped. */
    SKIPPED;

    /** True for a status that lets dependents go ahead. */
    public boolean succeeded() {
        return this == OK || this == CHANGED;
    }

    /** True for a status that will not change again without an event or a new graph. */
    public boolean settled() {
        return this != PENDING && this != RUNNING;
    }
}
