package dev.converge.agent.engine;

/**
 * How the engine runs a graph.
 *
 * @param noop     check every resource, apply none
 * @param parallel the most checkApply calls at once across the graph; 0 is unbounded
 * @param watch    whether resources watch for drift after their first check
 * @param failFast after the first permanent failure, start no new checkApply; running ones finish
 * @param diff     ask every resource for the diff of its content changes
 *                 ({@code ResourceContext.diffs()}), in noop and real runs alike
 */
public record EngineOptions(boolean noop, int parallel, boolean watch, boolean failFast, boolean diff) {

    public static final EngineOptions DEFAULTS = new EngineOptions(false, 0, true, false, false);

    public EngineOptions {
        if (parallel < 0) {
            throw new IllegalArgumentException("parallel must be >= 0, got " + parallel);
        }
    }

    /** Keep-going options: a failure skips its descendants and everything else runs. */
    public EngineOptions(boolean noop, int parallel, boolean watch) {
        this(noop, parallel, watch, false);
    }

    /** Options without diffs. */
    public EngineOptions(boolean noop, int parallel, boolean watch, boolean failFast) {
        this(noop, parallel, watch, failFast, false);
    }
}
