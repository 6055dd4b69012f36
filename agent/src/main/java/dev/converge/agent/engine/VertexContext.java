package dev.converge.agent.engine;

import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceId;

/** The {@link ResourceContext} the engine gives one vertex's resource. */
final class VertexContext implements ResourceContext {

    private final Vertex vertex;
    private final Engine engine;

    VertexContext(Vertex vertex, Engine engine) {
        this.vertex = vertex;
        this.engine = engine;
    }

    @Override
    public ResourceId id() {
        return vertex.id;
    }

    @Override
    public void log(String message) {
        engine.emit(new EngineEvent.Message(vertex.id, false, message));
    }

    @Override
    public void warn(String message) {
        engine.emit(new EngineEvent.Message(vertex.id, true, message));
    }

    @Override
    public void output(String stream, String line) {
        engine.emit(new EngineEvent.Output(vertex.id, stream, line));
    }

    @Override
    public void running() {
        engine.watchRunning(vertex);
    }

    @Override
    public void event() {
        engine.event(vertex);
    }

    @Override
    public PathWatcher paths() {
        return engine.paths();
    }

    @Override
    public boolean refreshing() {
        return vertex.refreshing;
    }

    @Override
    public boolean parentsWouldChange() {
        return !vertex.parentsThatWouldChange().isEmpty();
    }

    @Override
    public boolean diffs() {
        return engine.diffs();
    }
}
