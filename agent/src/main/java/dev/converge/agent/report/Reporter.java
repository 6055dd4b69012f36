package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import java.util.function.Consumer;

/** An engine listener that writes what happens to the log, in one of the {@link OutputMode}s. */
public interface Reporter extends Consumer<EngineEvent> {

    /** Writes whatever is still held back; called once the engine has stopped. */
    void flush();
}
