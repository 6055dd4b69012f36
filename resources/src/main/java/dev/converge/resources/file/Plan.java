package dev.converge.resources.file;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a check found to change: the descriptions a {@code CheckResult} reports, the diff of the
 * content change when one was asked for, and the steps that make the changes, in order.
 * Planning reads the disk and never writes it; only {@link #run()} does. Not thread-safe; one
 * plan serves one checkApply call.
 */
final class Plan {

    /** One change on disk. */
    @FunctionalInterface
    interface Step {
        void run() throws IOException;
    }

    private final List<String> changes = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private List<String> diff = List.of();

    /** Reports {@code change}, made by {@code step}. */
    void add(String change, Step step) {
        changes.add(change);
        steps.add(step);
    }

    /** Reports {@code change}, made by steps added on their own. */
    void describe(String change) {
        changes.add(change);
    }

    /** Adds a step whose change is described on its own. */
    void step(Step step) {
        steps.add(step);
    }

    List<String> changes() {
        return List.copyOf(changes);
    }

    /** Sets the diff of the content change, reported with a change described on its own. */
    void diff(List<String> lines) {
        diff = List.copyOf(lines);
    }

    /** The diff of the content change; empty when none was set. */
    List<String> diff() {
        return diff;
    }

    /**
     * Runs the steps in order, stopping at the first failure.
     *
     * @throws InterruptedException when the thread is interrupted between two steps
     */
    void run() throws IOException, InterruptedException {
        for (Step step : steps) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while applying");
            }
            step.run();
        }
    }
}
