package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Streamed output: writes each of the engine's events to the log as it happens, one line each
 * (see {@link EventLines} for which events make a line).
 *
 * <p>Each line is one log event, and log4j's appenders write an event whole under their lock,
 * so lines of concurrently running resources interleave but never share a line.
 */
public final class LogReporter implements Reporter {

    private static final Logger LOG = LogManager.getLogger("converge");

    private final EventLines lines = new EventLines();

    @Override
    public void accept(EngineEvent event) {
        lines.line(event).ifPresent(line -> line.log(LOG));
    }

    @Override
    public void flush() {
        // Nothing is held back.
    }
}
