package dev.converge.agent.engine;

import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes the engine's events to the log, one line each, every line starting with the
 * resource's id: start, result with duration, the reason of a skip, and each line a command
 * printed ({@code exec[x] > line} for stdout, {@code exec[x] 2> line} for stderr).
 */
public final class LogReporter implements Consumer<EngineEvent> {

    private static final Logger LOG = LogManager.getLogger("converge");

    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.Started s -> LOG.info("{} {}{}", s.id(), s.apply() ? "start" : "check (noop)",
                    s.attempt() > 1 ? " (attempt " + s.attempt() + ")" : "");
            case EngineEvent.Waiting w -> LOG.info("{} waiting for permit {}", w.id(), w.permit());
            case EngineEvent.Finished f -> {
                String took = RunSummary.seconds(f.took());
                if (f.result().isOk()) {
                    LOG.info("{} ok in {}", f.id(), took);
                } else {
                    LOG.info("{} {} in {}: {}", f.id(), f.apply() ? "changed" : "would change", took,
                            String.join(", ", f.result().changes()));
                }
            }
            case EngineEvent.Failed f -> {
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
