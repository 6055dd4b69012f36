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
            } catch (Exception | LinkageError | AssertionError e) {
                // A linkage error (a runtime without a module the watch's library needs, say) fails
                // the resource like any other; errors of the JVM itself are left to end the thread.
                error = "watch failed: " + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
            if (engine.stopping()) {
                v.watchUp.countDown();
                return;
            }
            if (v.watchCameUp) {
                failures.succeeded();
            }
            v.watchCameUp = false;
            if (!failures.failed()) {
                // Set before the latch opens: a first check waiting for the watch must see it.
                v.watchError = error;
                v.watchUp.countDown();
                engine.watchFailed(v);
                return;
            }
            v.watchUp.countDown();
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
