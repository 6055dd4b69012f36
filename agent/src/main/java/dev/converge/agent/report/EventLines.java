package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.resources.ResourceId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.Level;

/**
 * Turns the engine's events into log lines, every line starting with the resource's id: start,
 * result with duration, the reason of a skip, and each line a command printed
 * ({@code exec[x] > line} for stdout, {@code exec[x] 2> line} for stderr).
 *
 * <p>A resource's first check is logged in full. Later checks, after a watch event or a
 * refresh, are logged only when they change something or fail: a re-check that finds the state
 * right (often the echo of the resource's own write) makes no line. A check retried after a
 * failure is still the first one, so its next attempt's start is logged.
 *
 * <p>A check that carried a diff ({@code agent run --diff}) is followed by one line per diff
 * line, {@code file[motd] | -old line}: the {@code " | "} after the id tells them from a
 * command's output ({@code " > "}, {@code " 2> "}). Its changed or would-change line carries the
 * whole diff as well, for the {@code diff} field of JSON, whose configuration leaves the
 * per-line events (event {@code diff}) out. Thread-safe.
 */
final class EventLines {

    /** Resources whose first check has finished. */
    private final Set<ResourceId> checkedOnce = ConcurrentHashMap.newKeySet();

    /** The line for {@code event}, or empty when it is not logged. */
    Optional<LogLine> line(EngineEvent event) {
        ResourceId id = event.id();
        return Optional.ofNullable(switch (event) {
            case EngineEvent.Started s -> checkedOnce.contains(id) ? null
                    : LogLine.of(Level.INFO, id, "start", null, null, id + " " + (s.apply() ? "start" : "check (noop)")
                            + (s.attempt() > 1 ? " (attempt " + s.attempt() + ")" : ""));
            case EngineEvent.Waiting w ->
                    LogLine.of(Level.INFO, id, "waiting", w.permit(), null, id + " waiting for permit " + w.permit());
            case EngineEvent.Finished f -> finished(f);
            case EngineEvent.Failed f -> {
                if (f.permanent()) {
                    checkedOnce.add(id);
                }
                String took = RunSummary.seconds(f.took());
                yield f.permanent()
                        ? LogLine.of(Level.ERROR, id, "failed", f.message(), f.took(),
                                id + " failed in " + took + ": " + f.message())
                        : LogLine.of(Level.WARN, id, "retry", f.message(), f.took(), id + " failed in " + took
                                + " (attempt " + f.attempt() + "), retrying in " + f.retryIn().toMillis() + " ms: "
                                + f.message());
            }
            case EngineEvent.Skipped s ->
                    LogLine.of(Level.WARN, id, "skipped", s.reason(), null, id + " skipped: " + s.reason());
            case EngineEvent.Added a -> null;
            case EngineEvent.Stopped s -> null;
            case EngineEvent.Message m ->
                    LogLine.of(m.warning() ? Level.WARN : Level.INFO, id, "message", null, null, id + " " + m.text());
            case EngineEvent.Output o -> new LogLine(Instant.now(), Level.INFO, id, "output", null, null,
                    o.stream(), id + (o.stream().equals("stderr") ? " 2> " : " > ") + o.line());
        });
    }

    private LogLine finished(EngineEvent.Finished f) {
        ResourceId id = f.id();
        boolean first = checkedOnce.add(id);
        if (f.result().isOk()) {
            return first ? LogLine.of(Level.INFO, id, "ok", null, f.took(), id + " ok in " + RunSummary.seconds(f.took()))
                    : null;
        }
        String changes = String.join(", ", f.result().changes());
        if (f.status() == Status.DEFERRED) {
            return LogLine.of(Level.INFO, id, "deferred", changes, f.took(), id + " " + changes);
        }
        return f.apply()
                ? LogLine.of(Level.INFO, id, "changed", changes, f.took(),
                        id + " changed in " + RunSummary.seconds(f.took()) + ": " + changes)
                : LogLine.of(Level.INFO, id, "would-change", changes, f.took(), id + ": would change: " + changes);
    }

    /**
     * The lines for {@code event}, in order: {@link #line}'s, and after a check's changed or
     * would-change line one line per line of its diff.
     */
    List<LogLine> lines(EngineEvent event) {
        Optional<LogLine> line = line(event);
        if (line.isEmpty()) {
            return List.of();
        }
        if (!(event instanceof EngineEvent.Finished f) || f.result().diff().isEmpty()) {
            return List.of(line.get());
        }
        List<String> diff = f.result().diff();
        var all = new ArrayList<LogLine>(1 + diff.size());
        LogLine result = line.get().withDiff(diff);
        all.add(result);
        for (String d : diff) {
            all.add(new LogLine(result.time(), Level.INFO, f.id(), "diff", null, null, null, f.id() + " | " + d));
        }
        return all;
    }
}
