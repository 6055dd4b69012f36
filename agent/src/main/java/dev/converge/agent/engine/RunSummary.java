package dev.converge.agent.engine;

import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Collects what a run did, from the engine's events: per resource its number of applies and
 * total time spent in checkApply. Thread-safe; fed as a listener.
 */
public final class RunSummary implements Consumer<EngineEvent> {

    /** Per-resource figures. */
    public record Line(int checks, Duration busy) {}

    private final long startNanos = System.nanoTime();
    private final Map<ResourceId, Line> lines = new ConcurrentHashMap<>();
    private final Set<ResourceId> changed = ConcurrentHashMap.newKeySet();

    @Override
    public void accept(EngineEvent event) {
        Duration took = switch (event) {
            case EngineEvent.Finished f -> f.took();
            case EngineEvent.Failed f -> f.took();
            default -> null;
        };
        if (event instanceof EngineEvent.Finished f && f.status() == Status.CHANGED) {
            changed.add(f.id());
        }
        if (took != null) {
            lines.merge(event.id(), new Line(1, took),
                    (a, b) -> new Line(a.checks() + b.checks(), a.busy().plus(b.busy())));
        }
    }

    public Map<ResourceId, Line> lines() {
        return Map.copyOf(lines);
    }

    /** Time since this summary was created. */
    public Duration wall() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /**
     * What the run did to each resource: its current status, except that a resource found right
     * now but changed earlier in the run (say, before the echo of its own write was checked)
     * counts as CHANGED.
     */
    public Map<ResourceId, Status> outcome(Map<ResourceId, Status> statuses) {
        var result = new LinkedHashMap<ResourceId, Status>();
        statuses.forEach((id, s) -> result.put(id, s == Status.OK && changed.contains(id) ? Status.CHANGED : s));
        return result;
    }

    /** Counts by status, every status present (zero where none). */
    public static Map<Status, Integer> counts(Map<ResourceId, Status> statuses) {
        var counts = new EnumMap<Status, Integer>(Status.class);
        for (Status s : Status.values()) {
            counts.put(s, 0);
        }
        statuses.values().forEach(s -> counts.merge(s, 1, Integer::sum));
        return counts;
    }

    /**
     * One line such as {@code 4 resources: 0 ok, 4 changed, 0 failed, 0 skipped in 30.04 s}; unfinished
     * (pending, running) resources are counted only when there are some.
     */
    public String render(Map<ResourceId, Status> statuses) {
        Map<Status, Integer> c = counts(statuses);
        var text = new StringBuilder()
                .append(statuses.size()).append(statuses.size() == 1 ? " resource: " : " resources: ")
                .append(c.get(Status.OK)).append(" ok, ")
                .append(c.get(Status.CHANGED)).append(" changed, ")
                .append(c.get(Status.FAILED)).append(" failed, ")
                .append(c.get(Status.SKIPPED)).append(" skipped");
        int unfinished = c.get(Status.PENDING) + c.get(Status.RUNNING);
        if (unfinished > 0) {
            text.append(", ").append(unfinished).append(" unfinished");
        }
        return text.append(" in ").append(seconds(wall())).toString();
    }

    /** A duration as seconds with two decimals, e.g. {@code 0.20 s}. */
    public static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
    }
}
