package dev.converge.agent.engine;

import java.time.Duration;

/**
 * What a vertex's watch thread runs: the resource's watch, restarted after an error as its
 * {@link RetryPolicy} says, or instead a poll tick every {@code meta.poll} seconds. A watch that
 * fails with no retry left records the error on the vertex and wakes its worker, which fails the
 * resource; it is then no longer watched.
 *
 * <p>Runs on the vertex's watch thread only; ends when that thread is interrupted (the vertex is
 * retired, failed for good, or the engine stops).
 */
final class WatchLoop {

    private final Engine engine;
    private final Vertex v;

    WatchLoop(Engine engine, Vertex v) {
        this.engine = engine;
        this.v = v;
    }

    void watch() {
        RetryPolicy policy = RetryPolicy.of(v.spec.meta());
        RetryPolicy.Failures failures = policy.failures();
        while (true) {
            String error;
            try {
                v.resource.watch(v.context);
                error = "watch ended unexpectedly";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                error = "watch failed: " + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
            v.watchUp.countDown();
            if (engine.stopping()) {
                return;
            }
            if (v.watchCameUp) {
                failures.succeeded();
            }
            v.watchCameUp = false;
            if (!failures.failed()) {
                v.watchError = error;
                engine.watchFailed(v);
                return;
            }
            engine.emit(new EngineEvent.Message(v.id, true, error + "; restarting the watch in "
                    + policy.delayMillis() + " ms (" + failures.describe() + ")"));
            try {
                Thread.sleep(policy.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Instead of watching ({@code meta.poll}): asks for a check without apply every {@code every}. */
    void poll(Duration every) {
        engine.emit(new EngineEvent.Message(v.id, false, "polling every " + every.toSeconds() + " s"));
        try {
            while (!engine.stopping()) {
                Thread.sleep(every);
                v.pollTick();
                v.wake();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
