package dev.converge.agent.engine;

import java.util.function.Consumer;

/** An engine listener that writes what happens to the log, in one of the {@link OutputMode}s. */
public interface Reporter extends Consumer<EngineEvent> {

    /** Writes whatever is still held back; called once the engine has stopped. */
    void flush();
}
