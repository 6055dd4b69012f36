package dev.converge.agent.report;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The chain of resources that bounded a run's wall time, as recorded by a {@link RunSummary}.
 *
 * <p>Definition: start from the check that ended last (ties go to the resource later in
 * topological order); then, repeatedly, go to the check of a parent (in the graph snapshot) that
 * ended last at or before the current check began; stop at a check no parent's check ended
 * before. A step's duration is the apply time of its check (time in checkApply, retries
 * included, waits and retry delays not). Each resource offers its first check and its latest one
 * (see {@link RunSummary.Activity#checks()}), so the chain can follow a refresh as well as the
 * initial applies. A check still running counts as ending at the snapshot.
 *
 * <p>Invariants: consecutive steps are joined by an edge of the graph, parent first; the sum of
 * the steps is at most {@link #wall()}, because the checks along the chain do not overlap.
 *
 * @param steps the chain in the order it ran, empty when nothing was checked
 * @param wall  the run's wall time up to the snapshot, {@link RunSummary.Snapshot#wall()}
 */
public record CriticalPath(List<Step> steps, Duration wall) {

    /** One resource of the chain: the apply time of its check, and whether that check still runs. */
    public record Step(ResourceId id, Duration took, boolean running) {}

    public CriticalPath {
        steps = List.copyOf(steps);
    }

    /** The critical path of what {@code snapshot} recorded; ids not in {@code graph} are ignored. */
    public static CriticalPath of(GraphSnapshot graph, RunSummary.Snapshot snapshot) {
        var position = new HashMap<ResourceId, Integer>();
        for (ResourceId id : graph.topologicalOrder()) {
            position.put(id, position.size());
        }
        Map<ResourceId, RunSummary.Activity> activities = snapshot.activities();
        Candidate current = latest(position.keySet().stream().toList(), activities, Long.MAX_VALUE, position);
        var steps = new ArrayList<Step>();
        while (current != null) {
            steps.addFirst(new Step(current.id, current.span.busy(), current.span.running()));
            current = latest(List.copyOf(graph.parents(current.id)), activities, current.span.start(), position);
        }
        return new CriticalPath(steps, snapshot.wall());
    }

    private record Candidate(ResourceId id, RunSummary.Span span) {}

    /** Among the checks of {@code ids} that ended at or before {@code before}, the one that ended last. */
    private static Candidate latest(List<ResourceId> ids, Map<ResourceId, RunSummary.Activity> activities,
            long before, Map<ResourceId, Integer> position) {
        Candidate best = null;
        for (ResourceId id : ids) {
            RunSummary.Activity a = activities.get(id);
            if (a == null) {
                continue;
            }
            for (RunSummary.Span span : a.checks()) {
                if (span.end() > before) {
                    continue;
                }
                if (best == null || span.end() > best.span.end()
                        || span.end() == best.span.end() && position.get(id) > position.get(best.id)) {
                    best = new Candidate(id, span);
                }
            }
        }
        return best;
    }

    /** The resources of the chain, in order. */
    public List<ResourceId> ids() {
        return steps.stream().map(Step::id).toList();
    }

    /** The sum of the steps' durations. */
    public Duration total() {
        return steps.stream().map(Step::took).reduce(Duration.ZERO, Duration::plus);
    }

    /**
     * One line: {@code critical path: exec[a] 0.20 s -> exec[b] 0.60 s = 0.80 s of 0.83 s wall}, a
     * running step marked {@code (running)}; {@code critical path: none} when nothing was checked.
     */
    public String render() {
        if (steps.isEmpty()) {
            return "critical path: none";
        }
        return "critical path: " + steps.stream()
                .map(s -> s.id() + " " + RunSummary.seconds(s.took()) + (s.running() ? " (running)" : ""))
                .collect(Collectors.joining(" -> "))
                + " = " + RunSummary.seconds(total()) + " of " + RunSummary.seconds(wall) + " wall";
    }
}
