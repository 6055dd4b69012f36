package dev.converge.agent.engine;

import dev.converge.agent.graph.ResourceSpec;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * One resource of the running graph and the state its worker keeps about it.
 *
 * <p>Invariants: only the vertex's own worker thread calls checkApply and writes
 * {@link #status}; the mailbox holds at most one wake-up, so any number of wake-ups sent while
 * the worker is busy coalesce into one.
 */
final class Vertex {

    private static final Object WAKE = new Object();

    final ResourceSpec spec;
    final Resource resource;
    final ResourceId id;
    final VertexContext context;
    /** Replaced as a whole when the graph is swapped. */
    volatile List<Vertex> parents = List.of();
    /** Replaced as a whole when the graph is swapped. */
    volatile List<Vertex> children = List.of();
    /** Set when a graph swap removed or replaced this vertex: its worker and watch end. */
    volatile boolean retired;

    volatile Status status = Status.PENDING;
    /** When SKIPPED: the failed resource at the root of it. */
    volatile ResourceId skipCause;
    /** Whether the resource needs a check: initially, and after every event. */
    volatile boolean dirty = true;
    /** Whether the current checkApply answers a refresh; read by the resource through its context. */
    volatile boolean refreshing;
    /**
     * Parents that changed something and notified this vertex since its last checkApply; they
     * coalesce into one refresh. Guarded by {@code this}.
     */
    final java.util.Set<ResourceId> notifiedBy = new java.util.LinkedHashSet<>();
    /** Failed checkApply calls counted against {@code meta.retry}; a success resets it only with {@code meta.retryreset}. Worker only. */
    int checkFailures;
    /** Whether a checkApply has finished once; later checks are rate limited. Worker only. */
    boolean checkedOnce;
    /** Limits re-checks to {@code meta.limit} per second; null when unlimited. */
    final EventLimiter limiter;
    /**
     * Open once the watch is in place (or has failed, or there is none): the first checkApply
     * waits for it, so no drift between the first check and the watch goes unseen.
     */
    final java.util.concurrent.CountDownLatch watchUp = new java.util.concurrent.CountDownLatch(1);
    /** Set when the watch reports running; with {@code meta.retryreset} it resets the watch's failure count. */
    volatile boolean watchCameUp;
    /** A poll tick asks for a check without apply. */
    volatile boolean pollDue;
    /** Why the watch ended with an error; the worker turns it into a failure. */
    volatile String watchError;
    /** When the vertex became ready to run, for the time it waited on its parents. */
    final long createdNanos = System.nanoTime();

    private final ArrayBlockingQueue<Object> mailbox = new ArrayBlockingQueue<>(1);
    volatile Thread worker;
    volatile Thread watcher;

    Vertex(ResourceSpec spec, Engine engine) {
        this.spec = spec;
        this.id = spec.id();
        this.resource = spec.newResource();
        this.context = new VertexContext(this, engine);
        this.limiter = EventLimiter.of(spec.meta().limit(), spec.meta().burst());
    }

    /** Asks the worker to look at this vertex again. Never blocks. */
    void wake() {
        mailbox.offer(WAKE);
    }

    void awaitWake() throws InterruptedException {
        mailbox.take();
    }

    @Override
    public String toString() {
        return id + " " + status;
    }
}
