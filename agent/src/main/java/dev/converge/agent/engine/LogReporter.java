package dev.converge.agent.engine;

import dev.converge.resources.ResourceId;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes the engine's events to the log, one line each, every line starting with the
 * resource's id: start, result with duration, the reason of a skip, and each line a command
 * printed ({@code exec[x] > line} for stdout, {@code exec[x] 2> line} for stderr).
 *
 * <p>A resource's first check is logged in full. Later checks, after a watch event or a
 * refresh, are logged only when they change something or fail: a re-check that finds the state
 * right (often the echo of the resource's own write) makes no line.
 */
public final class LogReporter implements Consumer<EngineEvent> {

    private static final Logger LOG = LogManager.getLogger("converge");

    /** Resources whose first check has finished. */
    private final Set<ResourceId> checkedOnce = ConcurrentHashMap.newKeySet();

    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.Started s -> {
                if (!checkedOnce.contains(s.id())) {
                    LOG.info("{} {}{}", s.id(), s.apply() ? "start" : "check (noop)",
                            s.attempt() > 1 ? " (attempt " + s.attempt() + ")" : "");
                }
            }
            case EngineEvent.Waiting w -> LOG.info("{} waiting for permit {}", w.id(), w.permit());
            case EngineEvent.Finished f -> {
                String took = RunSummary.seconds(f.took());
                boolean first = checkedOnce.add(f.id());
                if (f.result().isOk()) {
                    if (first) {
                        LOG.info("{} ok in {}", f.id(), took);
                    }
                } else if (f.apply()) {
                    LOG.info("{} changed in {}: {}", f.id(), took, String.join(", ", f.result().changes()));
                } else {
                    LOG.info("{}: would change: {}", f.id(), String.join(", ", f.result().changes()));
                }
            }
            case EngineEvent.Failed f -> {
                checkedOnce.add(f.id());
                if (f.permanent()) {
                    LOG.error("{} failed in {}: {}", f.id(), RunSummary.seconds(f.took()), f.message());
                } else {
                    LOG.warn("{} failed in {} (attempt {}), retrying in {} ms: {}", f.id(),
                            RunSummary.seconds(f.took()), f.attempt(), f.retryIn().toMillis(), f.message());
                }
            }
            case EngineEvent.Skipped s -> LOG.warn("{} skipped: {}", s.id(), s.reason());
            case EngineEvent.Message m -> {
                if (m.warning()) {
                    LOG.warn("{} {}", m.id(), m.text());
                } else {
                    LOG.info("{} {}", m.id(), m.text());
                }
            }
            case EngineEvent.Output o -> LOG.info("{} {} {}", o.id(), o.stream().equals("stderr") ? "2>" : ">", o.line());
        }
    }
}
