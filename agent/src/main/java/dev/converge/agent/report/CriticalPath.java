package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The chain of resources that bounded a run's wall time, as recorded by a {@link RunSummary}.
 *
 * <p>Definition: start from the check that ended last (ties go to the resource later in
 * topological order). Then, repeatedly, go to the <em>gate</em> of the current check, the check
 * it waited for last, and stop at a check with none:
 * <ul>
 *   <li>when it waited for permits: the <em>holder</em>, the check whose release let it run.
 *       Among the checks of the other resources that take one of those permits
 *       ({@code --parallel}: every resource; a semaphore: those whose
 *       {@link ResourceSpec#semaphores()} name it, a kind's implicit ones included) that began
 *       before it, the one whose end is nearest its start. Nearest, not last before: a holder's
 *       end is taken after it released the permit, and when the machine is busy that can be
 *       measured a few milliseconds after the waiter began;
 *   <li>otherwise, among the checks of its parents (in the graph snapshot), the one that ended
 *       last at or before it began.
 * </ul>
 * A step's duration is the apply time of its check (time in checkApply, retries included, waits
 * and retry delays not). Each resource offers its first check and its latest one (see
 * {@link RunSummary.Activity#spans()}), so the chain can follow a refresh as well as the initial
 * applies. A check still running counts as ending at the snapshot.
 *
 * <p>Invariants: consecutive steps are joined by an edge of the graph, parent first, or by a
 * permit the later one waited for ({@link Step#permit()}) and the earlier one takes; each step
 * began before the next. Checks joined by an edge do not overlap, and those joined by a permit
 * overlap only by that measuring delay, so the sum of the steps is at most {@link #wall()} up to
 * those delays.
 *
 * @param steps the chain in the order it ran, empty when nothing was checked
 * @param wall  the run's wall time up to the snapshot, {@link RunSummary.Snapshot#wall()}
 */
public record CriticalPath(List<Step> steps, Duration wall) {

    /**
     * One resource of the chain: the apply time of its check, and whether that check still runs.
     *
     * @param permit the permit this step waited for while the previous step held it; null when
     *     the previous step is its parent, or for the first step
     */
    public record Step(ResourceId id, Duration took, boolean running, String permit) {

        /** A step reached along an edge of the graph, or the first one. */
        public Step(ResourceId id, Duration took, boolean running) {
            this(id, took, running, null);
        }
    }

    /** The permit every resource takes under {@code --parallel}, as {@link EngineEvent.Waiting} names it. */
    private static final String PARALLEL_PERMIT = "--parallel";

    public CriticalPath {
        steps = List.copyOf(steps);
    }

    /** The critical path of what {@code snapshot} recorded; ids not in {@code graph} are ignored. */
    public static CriticalPath of(GraphSnapshot graph, RunSummary.Snapshot snapshot) {
        List<ResourceId> all = graph.topologicalOrder();
        var position = new HashMap<ResourceId, Integer>();
        for (ResourceId id : all) {
            position.put(id, position.size());
        }
        Map<ResourceId, RunSummary.Activity> activities = snapshot.activities();
        var takers = new HashMap<String, List<ResourceId>>();
        var steps = new ArrayList<Step>();
        Candidate current = null;
        for (ResourceId id : all) {
            current = later(current, id, activities, Long.MAX_VALUE, position);
        }
        while (current != null) {
            long began = current.span.start();
            Candidate gate = null;
            for (ResourceId parent : graph.parents(current.id)) {
                gate = later(gate, parent, activities, began, position);
            }
            Candidate holder = null;
            for (String permit : current.span.permits()) {
                for (ResourceId taker : takers.computeIfAbsent(permit, p -> takersOf(graph, p))) {
                    if (!taker.equals(current.id)) {
                        holder = nearer(holder, taker, permit, activities, began, position);
                    }
                }
            }
            // A check asks for permits only once its parents are done: a permit it waited for came last.
            gate = holder != null ? holder : gate;
            steps.addFirst(new Step(current.id, current.span.busy(), current.span.running(),
                    gate == null ? null : gate.permit));
            current = gate;
        }
        return new CriticalPath(steps, snapshot.wall());
    }

    /**
     * A check of {@code id} and how it was reached: through {@code permit}, or along an edge
     * when null.
     */
    private record Candidate(ResourceId id, RunSummary.Span span, String permit) {}

    /**
     * {@code best}, or the check of {@code id} that ended last at or before {@code before} when
     * that one ended later (on a tie, when {@code id} comes later in topological order).
     */
    private static Candidate later(Candidate best, ResourceId id, Map<ResourceId, RunSummary.Activity> activities,
            long before, Map<ResourceId, Integer> position) {
        RunSummary.Activity a = activities.get(id);
        if (a == null) {
            return best;
        }
        for (RunSummary.Span span : a.spans()) {
            if (span.end() > before) {
                continue;
            }
            if (best == null || span.end() > best.span.end()
                    || span.end() == best.span.end() && position.get(id) > position.get(best.id)) {
                best = new Candidate(id, span, null);
            }
        }
        return best;
    }

    /**
     * {@code best}, or the check of {@code id} begun before {@code began} whose end is nearest
     * {@code began} when it is nearer (on a tie, when {@code id} comes later in topological order).
     */
    private static Candidate nearer(Candidate best, ResourceId id, String permit,
            Map<ResourceId, RunSummary.Activity> activities, long began, Map<ResourceId, Integer> position) {
        RunSummary.Activity a = activities.get(id);
        if (a == null) {
            return best;
        }
        for (RunSummary.Span span : a.spans()) {
            if (span.start() >= began) {
                continue;
            }
            long distance = Math.abs(span.end() - began);
            long bestDistance = best == null ? Long.MAX_VALUE : Math.abs(best.span.end() - began);
            if (distance < bestDistance
                    || distance == bestDistance && position.get(id) > position.get(best.id)) {
                best = new Candidate(id, span, permit);
            }
        }
        return best;
    }

    /** The resources of {@code graph} that take {@code permit}, in topological order. */
    private static List<ResourceId> takersOf(GraphSnapshot graph, String permit) {
        List<ResourceId> all = graph.topologicalOrder();
        if (permit.equals(PARALLEL_PERMIT)) {
            return all;
        }
        return all.stream()
                .filter(id -> graph.resources().get(id).semaphores().stream()
                        .map(MetaParams.Semaphore::name)
                        .anyMatch(permit::equals))
                .toList();
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
     * One line: {@code critical path: exec[a] 0.20 s -> exec[b] 0.60 s -[dpkg]-> exec[c] 0.30 s =
     * 1.10 s of 1.13 s wall}, an arrow naming the permit where a step waited for the one before
     * it to release it, a running step marked {@code (running)}; {@code critical path: none} when
     * nothing was checked.
     */
    public String render() {
        if (steps.isEmpty()) {
            return "critical path: none";
        }
        var text = new StringBuilder("critical path: ");
        for (Step s : steps) {
            if (s != steps.getFirst()) {
                text.append(s.permit() == null ? " -> " : " -[" + s.permit() + "]-> ");
            }
            text.append(s.id()).append(' ').append(RunSummary.seconds(s.took())).append(s.running() ? " (running)" : "");
        }
        return text.append(" = ").append(RunSummary.seconds(total())).append(" of ").append(RunSummary.seconds(wall))
                .append(" wall").toString();
    }
}
