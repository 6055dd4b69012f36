package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Streamed output: writes each of the engine's events to the log as it happens, one line each,
 * or a check's result and the lines of its diff (see {@link EventLines} for which events make a
 * line).
 *
 * <p>Each line is one log event, and log4j's appenders write an event whole under their lock,
 * so lines of concurrently running resources interleave but never share a line. An engine
 * event's lines are queued under this reporter's lock, so a result and its diff stay together.
 * Thread-safe.
 */
public final class LogReporter implements Reporter {

    private static final Logger LOG = LogManager.getLogger("converge");

    private final EventLines lines = new EventLines();

    @Override
    public void accept(EngineEvent event) {
        List<LogLine> made = lines.lines(event);
        if (made.isEmpty()) {
            return;
        }
        synchronized (this) {
            made.forEach(line -> line.log(LOG));
        }
    }

    @Override
    public void flush() {
        // Nothing is held back.
    }
}
