package dev.converge.agent.http;

import dev.converge.agent.converger.HostState;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.agent.report.CriticalPath;
import dev.converge.agent.report.ResourceTrail;
import dev.converge.agent.report.RunSummary;
import dev.converge.resources.ResourceId;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The running agent's state as {@code /api/status} serves it (and the page draws it): the
 * documented JSON shape, as immutable records. Built on the HTTP server's threads from what the
 * engine and the reports already keep; building it never blocks the engine.
 *
 * @param graph        the running graph's name
 * @param generation   1 for the first graph, one more per swap (0 before a graph from etcd)
 * @param converged    every resource applied, nothing to do
 * @param phase        applying, converged or failed (idle with failures)
 * @param status       the one-line summary systemd's STATUS= shows
 * @param elapsed      seconds since the run started
 * @param counts       resources by state
 * @param criticalPath the critical path so far: its resources in order and its total seconds
 * @param resources    every resource, in declaration order
 */
public record LiveStatus(String graph, int generation, boolean converged, String phase, String status,
        double elapsed, Map<String, Integer> counts, Path criticalPath, List<Resource> resources) {

    /** The critical path so far. */
    public record Path(List<String> resources, double seconds) {}

    /**
     * One resource.
     *
     * @param state    pending, waiting (for a permit), running, ok, changed, would-change,
     *                 deferred, failed or skipped
     * @param duration seconds of its latest check (so far, while it runs), null before its first
     * @param checks   checks so far
     * @param waitingFor the permit it waits for, when waiting
     * @param error    why it failed or was skipped, when it did
     */
    public record Resource(String id, String kind, String name, String state, Double duration, int checks,
            String waitingFor, String error) {}

    /** One resource in detail ({@code /api/resource?id=...}): its parameters and its last lines. */
    public record Detail(String id, String kind, String declaredAt, Map<String, Object> params, List<String> lines) {}

    /** The states the page and the API use, in this order. */
    public static final List<String> STATES = List.of("pending", "waiting", "running", "ok", "changed",
            "would-change", "deferred", "failed", "skipped");

    /** The status of {@code graph} now. */
    public static LiveStatus of(GraphSnapshot graph, Map<ResourceId, Status> statuses, HostState host,
            RunSummary summary, ResourceTrail trail) {
        RunSummary.Snapshot recorded = summary.snapshot();
        var counts = new LinkedHashMap<String, Integer>();
        STATES.forEach(s -> counts.put(s, 0));
        var resources = new ArrayList<Resource>(statuses.size());
        statuses.forEach((id, status) -> {
            Optional<String> waiting = status == Status.PENDING ? trail.waitingFor(id) : Optional.empty();
            String state = waiting.isPresent() ? "waiting" : status.toString().toLowerCase(Locale.ROOT);
            counts.merge(state, 1, Integer::sum);
            RunSummary.Activity a = recorded.activities().get(id);
            Duration d = a == null || a.spans().isEmpty() ? null : a.spans().getLast().busy();
            String error = status == Status.FAILED || status == Status.SKIPPED ? summary.problem(id).orElse(null) : null;
            resources.add(new Resource(id.toString(), id.kind(), id.name(), state, d == null ? null : seconds(d),
                    a == null ? 0 : a.checks(), waiting.orElse(null), error));
        });
        CriticalPath path = CriticalPath.of(graph, recorded);
        return new LiveStatus(graph.name(), host.generation(), host.phase() == HostState.Phase.CONVERGED,
                host.phase().name().toLowerCase(Locale.ROOT), host.describe(), seconds(recorded.elapsed()), counts,
                new Path(path.ids().stream().map(ResourceId::toString).toList(), seconds(path.total())),
                List.copyOf(resources));
    }

    /** {@code spec} in detail; a file's content is hidden when it is declared {@code sensitive}. */
    public static Detail detail(ResourceSpec spec, ResourceTrail trail) {
        return new Detail(spec.id().toString(), spec.id().kind(), spec.location().toString(), params(spec.params()),
                trail.lines(spec.id()));
    }

    /** The text shown in place of sensitive content. */
    static final String HIDDEN = "(sensitive: hidden)";

    private static Map<String, Object> params(Record params) {
        var values = new LinkedHashMap<String, Object>();
        boolean sensitive = false;
        for (RecordComponent c : params.getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(params);
            } catch (ReflectiveOperationException e) {
                value = "(unreadable)";
            }
            if (c.getName().equals("sensitive") && Boolean.TRUE.equals(value)) {
                sensitive = true;
            }
            values.put(c.getName(), plain(value));
        }
        if (sensitive && values.get("content") != null) {
            values.put("content", HIDDEN);
        }
        return values;
    }

    /** A parameter's value as JSON shows it: strings, numbers, booleans and lists of them as they are. */
    private static Object plain(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Number n -> n;
            case Boolean b -> b;
            case Optional<?> o -> o.map(LiveStatus::plain).orElse(null);
            case Collection<?> c -> c.stream().map(LiveStatus::plain).toList();
            case Map<?, ?> m -> {
                var copy = new LinkedHashMap<String, Object>();
                m.forEach((k, v) -> copy.put(String.valueOf(k), plain(v)));
                yield copy;
            }
            default -> value.toString();
        };
    }

    private static double seconds(Duration d) {
        return Math.round(d.toNanos() / 1e6) / 1e3;
    }
}
