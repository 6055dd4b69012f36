package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.resources.ResourceId;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What a live view shows of each resource beyond its status: the permit it waits for, if any,
 * and its last {@link #LINES} events (starts, results, messages, command output), kept as the
 * events themselves and worded only when read, so recording one costs a queue append.
 *
 * <p>Threads: {@link #accept} on any thread, for any resource (the agent calls it from its
 * {@link EventRelay}, off the engine's threads); each resource's record is its own lock, held
 * only to append or copy, so a writer never waits for a reader.
 * {@link #waitingFor} and {@link #lines} on any thread.
 */
public final class ResourceTrail implements Consumer<EngineEvent> {

    /** Events kept per resource. */
    public static final int LINES = 40;

    private static final class Trail {
        /** Small at first: most resources have a start and a result, and 10,000 of them must stay cheap. */
        final ArrayDeque<EngineEvent> events = new ArrayDeque<>(4);
        String waitingFor;
    }

    private final Map<ResourceId, Trail> trails = new ConcurrentHashMap<>();

    @Override
    public void accept(EngineEvent event) {
        if (event instanceof EngineEvent.Added) {
            return;
        }
        Trail r = trails.computeIfAbsent(event.id(), id -> new Trail());
        synchronized (r) {
            switch (event) {
                case EngineEvent.Waiting w -> r.waitingFor = w.permit();
                case EngineEvent.Stopped s -> r.waitingFor = null;
                default -> {
                    if (event instanceof EngineEvent.Started) {
                        r.waitingFor = null;
                    }
                    if (r.events.size() == LINES) {
                        r.events.removeFirst();
                    }
                    r.events.addLast(event);
                }
            }
        }
    }

    /** The permit {@code id} waits for now ({@code --parallel} or a semaphore's name), if any. */
    public Optional<String> waitingFor(ResourceId id) {
        Trail r = trails.get(id);
        if (r == null) {
            return Optional.empty();
        }
        synchronized (r) {
            return Optional.ofNullable(r.waitingFor);
        }
    }

    /** The last lines of {@code id}, oldest first, worded as the log words them (without the resource). */
    public List<String> lines(ResourceId id) {
        Trail r = trails.get(id);
        if (r == null) {
            return List.of();
        }
        List<EngineEvent> events;
        synchronized (r) {
            events = List.copyOf(r.events);
        }
        return events.stream().map(ResourceTrail::line).toList();
    }

    private static String line(EngineEvent event) {
        return switch (event) {
            case EngineEvent.Started s -> "start" + (s.attempt() > 1 ? " (attempt " + s.attempt() + ")" : "");
            case EngineEvent.Finished f -> f.status().toString().toLowerCase(Locale.ROOT) + " in "
                    + RunSummary.seconds(f.took())
                    + (f.result().changes().isEmpty() ? "" : ": " + String.join(", ", f.result().changes()));
            case EngineEvent.Failed f -> (f.permanent() ? "failed: " : "failed, will retry: ") + f.message();
            case EngineEvent.Skipped s -> "skipped: " + s.reason();
            case EngineEvent.Message m -> (m.warning() ? "warning: " : "") + m.text();
            case EngineEvent.Output o -> (o.stream().equals("stderr") ? "2> " : "> ") + o.line();
            case EngineEvent.Waiting w -> "waiting for " + w.permit();
            case EngineEvent.Added a -> "added";
            case EngineEvent.Stopped s -> "stopped";
        };
    }
}
