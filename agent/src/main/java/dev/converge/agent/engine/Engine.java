package dev.converge.agent.engine;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.resources.CheckResult;
import dev.converge.resources.MetaParams;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.watch.DirectoryWatchHub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs a graph snapshot: one worker per vertex on a virtual thread, no central dispatcher.
 *
 * <p>A worker checks its resource once every parent has succeeded in this generation, so
 * independent parts of the graph and siblings whose parents are done run at the same time. A
 * failed resource makes every descendant SKIPPED with the failed id as the cause; the rest of
 * the graph goes on. When a vertex settles it wakes its children, which look at their parents'
 * statuses themselves.
 *
 * <p>A resource that changed something marks its children for a new check; along a notify
 * edge it also sends a refresh. Refreshes coalesce: a child runs once, after all its parents
 * are done, however many of them notified it. In noop mode nothing is refreshed and the child
 * reports what would have been.
 *
 * <p>Permits ({@code --parallel}, the named semaphores of {@code meta.sema} and a kind's implicit
 * ones) are held only
 * around one checkApply call, taken in one fixed order (the global permit, then semaphores by
 * name), so waiting for parents never holds a permit and no two workers can deadlock.
 */
public final class Engine implements AutoCloseable {

    private static final String PARALLEL_PERMIT = "--parallel";

    private final EngineOptions options;
    private final Consumer<EngineEvent> listener;
    private final Converger converger;
    private final Semaphore parallel;
    private final Map<String, Semaphore> semaphores = new ConcurrentHashMap<>();
    private volatile GraphSnapshot snapshot;
    private volatile Map<ResourceId, Vertex> vertices = Map.of();
    private volatile boolean stopping;
    /** With {@code --fail-fast}: set by the first permanent failure; no checkApply starts after it. */
    private volatile boolean halted;
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.CompletableFuture<Void> haltedAndIdle = new java.util.concurrent.CompletableFuture<>();
    private DirectoryWatchHub paths;
    /** Guarded by {@code this}. */
    private int generation;

    /**
     * @param listener  receives every {@link EngineEvent}; must be thread-safe and must not block
     * @param converger told when each resource is busy or idle
     */
    public Engine(EngineOptions options, Consumer<EngineEvent> listener, Converger converger) {
        this.options = options;
        this.listener = listener;
        this.converger = converger;
        this.parallel = options.parallel() > 0 ? new Semaphore(options.parallel(), true) : null;
    }

    /** Starts running {@code graph}. Call once. */
    public synchronized void start(GraphSnapshot graph) {
        if (snapshot != null) {
            throw new IllegalStateException("engine already started");
        }
        try {
            paths = new DirectoryWatchHub();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the file watcher", e);
        }
        var byId = new LinkedHashMap<ResourceId, Vertex>();
        for (ResourceSpec spec : graph.resources().values()) {
            byId.put(spec.id(), new Vertex(spec, this));
        }
        install(graph, byId, List.copyOf(byId.values()));
    }

    /**
     * Replaces the running graph with {@code next} by diff, without a restart. A resource whose
     * declaration is unchanged ({@link ResourceSpec#sameDeclaration}) keeps its vertex: no new
     * check, no watch restart, its status kept. A removed resource stops (its running check is
     * interrupted, its watch ends) and is left on the host as it is. A changed resource is
     * stopped and starts anew; an added one starts. Edges are rewired for all.
     *
     * @return what changed
     */
    public synchronized GraphDiff swap(GraphSnapshot next) throws InterruptedException {
        if (snapshot == null) {
            throw new IllegalStateException("engine not started");
        }
        Map<ResourceId, Vertex> current = vertices;
        var byId = new LinkedHashMap<ResourceId, Vertex>();
        var fresh = new ArrayList<Vertex>();
        var retired = new ArrayList<Vertex>();
        var added = new ArrayList<ResourceId>();
        var changed = new ArrayList<ResourceId>();
        var kept = new ArrayList<ResourceId>();
        for (ResourceSpec spec : next.resources().values()) {
            Vertex old = current.get(spec.id());
            if (old != null && old.spec.sameDeclaration(spec)) {
                byId.put(spec.id(), old);
                kept.add(spec.id());
                continue;
            }
            Vertex v = new Vertex(spec, this);
            byId.put(spec.id(), v);
            fresh.add(v);
            (old == null ? added : changed).add(spec.id());
            if (old != null) {
                retired.add(old);
            }
        }
        var removed = new ArrayList<ResourceId>();
        current.forEach((id, v) -> {
            if (!next.resources().containsKey(id)) {
                retired.add(v);
                removed.add(id);
            }
        });
        for (Vertex v : retired) {
            retire(v);
        }
        removed.forEach(converger::unregister);
        generation++;
        install(next, byId, fresh);
        return new GraphDiff(generation, added, changed, removed, kept);
    }

    /** Makes {@code graph} current with {@code byId} as its vertices, wires them, and starts {@code fresh}. */
    private void install(GraphSnapshot graph, Map<ResourceId, Vertex> byId, List<Vertex> fresh) {
        fresh.forEach(v -> declareSemaphores(v.spec));
        for (Vertex v : byId.values()) {
            v.parents = graph.parents(v.id).stream().map(byId::get).toList();
            v.children = graph.children(v.id).stream().map(byId::get).toList();
        }
        snapshot = graph;
        vertices = java.util.Collections.unmodifiableMap(byId);
        converger.register(fresh.stream().map(v -> v.id).toList());
        for (Vertex v : fresh) {
            launch(v);
        }
    }

    private void launch(Vertex v) {
        emit(new EngineEvent.Added(v.id));
        v.worker = Thread.ofVirtual().name("worker " + v.id).unstarted(() -> work(v));
        v.wake();
        v.worker.start();
        long poll = v.spec.meta().poll();
        if (!options.watch() || poll > 0) {
            v.watchUp.countDown();
        }
        if (options.watch()) {
            v.watcher = Thread.ofVirtual().name((poll > 0 ? "poll " : "watch ") + v.id)
                    .start(poll > 0 ? () -> poll(v, Duration.ofSeconds(poll)) : () -> watch(v));
        }
    }

    /** Stops a vertex that leaves the graph: its check is interrupted and waited for, its watch ends. */
    private void retire(Vertex v) throws InterruptedException {
        v.retired = true;
        for (Thread t : new Thread[] {v.worker, v.watcher}) {
            if (t != null) {
                t.interrupt();
            }
        }
        for (Thread t : new Thread[] {v.worker, v.watcher}) {
            if (t != null) {
                t.join();
            }
        }
    }

    /** How many times the graph was swapped since {@link #start}. */
    public synchronized int generation() {
        return generation;
    }

    /**
     * Runs the resource's watch, restarting it after an error as {@code meta.retry} and
     * {@code meta.delay} say; an error with no retry left fails the resource, which is then no
     * longer watched.
     */
    private void watch(Vertex v) {
        MetaParams meta = v.spec.meta();
        int failures = 0;
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
            if (stopping) {
                return;
            }
            if (meta.retryreset() && v.watchCameUp) {
                failures = 0;
            }
            v.watchCameUp = false;
            failures++;
            if (meta.retry() >= 0 && failures > meta.retry()) {
                v.watchError = error;
                converger.busy(v.id);
                v.wake();
                return;
            }
            emit(new EngineEvent.Message(v.id, true, error + "; restarting the watch in " + meta.delay()
                    + " ms (retry " + failures + (meta.retry() < 0 ? "" : " of " + meta.retry()) + ")"));
            try {
                Thread.sleep(meta.delay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Instead of watching ({@code meta.poll}): asks for a check without apply every {@code every}. */
    private void poll(Vertex v, Duration every) {
        emit(new EngineEvent.Message(v.id, false, "polling every " + every.toSeconds() + " s"));
        try {
            while (!stopping) {
                Thread.sleep(every);
                v.pollDue = true;
                v.wake();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    PathWatcher paths() {
        return paths;
    }

    private void declareSemaphores(ResourceSpec spec) {
        for (MetaParams.Semaphore s : spec.semaphores()) {
            Semaphore existing = semaphores.putIfAbsent(s.name(), new Semaphore(s.permits(), true));
            if (existing != null && existing.availablePermits() != s.permits()) {
                emit(new EngineEvent.Message(spec.id(), true, "semaphore '" + s.name() + "' is declared with "
                        + s.permits() + " permits here but with " + existing.availablePermits()
                        + " elsewhere; the first declaration counts"));
            }
        }
    }

    /**
     * Completes once {@code --fail-fast} has stopped the run: a resource failed for good and
     * every checkApply that was running then has returned. Never completes without fail-fast.
     */
    public java.util.concurrent.CompletableFuture<Void> failedFast() {
        return haltedAndIdle;
    }

    /** A resource failed for good: it is no longer watched, and with fail-fast the run halts. */
    private void failedPermanently(Vertex v) {
        Thread watcher = v.watcher;
        if (watcher != null && watcher != Thread.currentThread()) {
            watcher.interrupt();
        }
        if (options.failFast() && !halted) {
            halted = true;
            emit(new EngineEvent.Message(v.id, true, "fail-fast: starting nothing new; "
                    + running.get() + " running check(s) may finish"));
        }
        completeHaltIfIdle();
    }

    private void completeHaltIfIdle() {
        if (halted && running.get() == 0) {
            haltedAndIdle.complete(null);
        }
    }

    /** The graph being run. */
    public GraphSnapshot snapshot() {
        return snapshot;
    }

    /** Current status of every resource, in declaration order. */
    public Map<ResourceId, Status> statuses() {
        var result = new LinkedHashMap<ResourceId, Status>();
        vertices.forEach((id, v) -> result.put(id, v.status));
        return result;
    }

    private void work(Vertex v) {
        try {
            while (!stopping && !v.retired) {
                v.awaitWake();
                step(v);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        emit(new EngineEvent.Stopped(v.id));
    }

    /** Decides, from the parents' statuses, whether {@code v} is skipped, waits, or runs. */
    private void step(Vertex v) throws InterruptedException {
        String watchError = v.watchError;
        if (watchError != null && v.status != Status.FAILED) {
            v.status = Status.FAILED;
            emit(new EngineEvent.Failed(v.id, watchError, 1, Duration.ZERO, null));
            failedPermanently(v);
            settled(v);
            return;
        }
        if (v.status == Status.FAILED && watchError != null) {
            converger.idle(v.id);
            return;
        }
        Vertex blocker = null;
        boolean waiting = false;
        for (Vertex p : v.parents) {
            Status s = p.status;
            if (s == Status.FAILED || s == Status.SKIPPED) {
                blocker = p;
                break;
            }
            waiting |= !s.succeeded();
        }
        if (blocker != null) {
            if (v.status != Status.SKIPPED) {
                ResourceId cause = blocker.status == Status.FAILED ? blocker.id : blocker.skipCause;
                v.skipCause = cause;
                v.status = Status.SKIPPED;
                emit(new EngineEvent.Skipped(v.id, blocker.id, cause));
                v.children.forEach(Vertex::wake);
            }
            // A skipped vertex keeps its dirty flag for when the parent recovers, but never holds up convergence.
            converger.idle(v.id);
            return;
        }
        if (waiting) {
            return;
        }
        if (!v.dirty && v.pollDue && v.status.settled()) {
            v.pollDue = false;
            pollCheck(v);
        }
        if (!v.dirty) {
            if (v.status.settled()) {
                converger.idle(v.id);
            }
            return;
        }
        if (halted) {
            converger.idle(v.id);
            return;
        }
        if (!v.checkedOnce) {
            v.watchUp.await();
            if (v.watchError != null) {
                v.wake();
                return;
            }
        } else if (v.limiter != null) {
            v.limiter.acquire();
        }
        v.dirty = false;
        checkApply(v);
        v.checkedOnce = true;
        settled(v);
    }

    /**
     * A poll tick: checkApply without apply, quietly. Drift found makes the vertex dirty for a
     * normal check; a state found right is no activity for the converger.
     */
    private void pollCheck(Vertex v) throws InterruptedException {
        List<Semaphore> held = acquirePermits(v);
        CheckResult result;
        try {
            result = call(v, false, v.spec.meta().timeout());
        } catch (ResourceException e) {
            result = null;
            emit(new EngineEvent.Message(v.id, true, "poll check failed: " + e.getMessage()));
        } finally {
            held.reversed().forEach(Semaphore::release);
        }
        if (result == null || !result.isOk()) {
            if (result != null) {
                emit(new EngineEvent.Message(v.id, false, "poll found drift: " + String.join(", ", result.changes())));
            }
            converger.busy(v.id);
            v.dirty = true;
        }
    }

    /** Wakes the children (marking those with work busy first, so convergence cannot slip in between), then idles. */
    private void settled(Vertex v) {
        for (Vertex child : v.children) {
            if (child.dirty) {
                converger.busy(child.id);
            }
            child.wake();
        }
        if (!v.dirty) {
            converger.idle(v.id);
        }
    }

    private void checkApply(Vertex v) throws InterruptedException {
        MetaParams meta = v.spec.meta();
        boolean apply = !(options.noop() || meta.noop());
        List<ResourceId> notifiedBy;
        synchronized (v) {
            notifiedBy = List.copyOf(v.notifiedBy);
            v.notifiedBy.clear();
        }
        if (!notifiedBy.isEmpty()) {
            emit(new EngineEvent.Message(v.id, false, (apply ? "refresh" : "would refresh")
                    + " (notified by " + notifiedBy.stream().map(ResourceId::toString)
                    .collect(java.util.stream.Collectors.joining(", ")) + ")"));
        }
        v.refreshing = apply && !notifiedBy.isEmpty();
        try {
            checkApplyWithRetries(v, meta, apply);
        } finally {
            v.refreshing = false;
        }
        if (v.status == Status.CHANGED) {
            GraphSnapshot graph = snapshot;
            Map<ResourceId, Vertex> current = vertices;
            if (v.retired || current.get(v.id) != v) {
                return;
            }
            for (EdgeSpec edge : graph.outEdges(v.id)) {
                Vertex child = current.get(edge.to());
                if (child == null) {
                    continue;
                }
                if (edge.notifies()) {
                    synchronized (child) {
                        child.notifiedBy.add(v.id);
                    }
                }
                if (apply) {
                    child.dirty = true;
                }
            }
        }
    }

    private void checkApplyWithRetries(Vertex v, MetaParams meta, boolean apply) throws InterruptedException {
        long waitedNanos = System.nanoTime() - v.createdNanos;
        for (int attempt = 1; ; attempt++) {
            long beforePermits = System.nanoTime();
            List<Semaphore> held = acquirePermits(v);
            // Counted before the check, so a fail-fast halt either sees this call or stops it.
            running.incrementAndGet();
            if (halted) {
                held.reversed().forEach(Semaphore::release);
                running.decrementAndGet();
                completeHaltIfIdle();
                return;
            }
            emit(new EngineEvent.Started(v.id, apply, attempt));
            long start = System.nanoTime();
            waitedNanos += start - beforePermits;
            v.status = Status.RUNNING;
            CheckResult result = null;
            String error = null;
            try {
                result = call(v, apply, meta.timeout());
            } catch (ResourceException e) {
                error = e.getMessage();
            } catch (RuntimeException e) {
                error = "internal error: " + e;
            } finally {
                held.reversed().forEach(Semaphore::release);
                running.decrementAndGet();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            if (result != null) {
                if (meta.retryreset()) {
                    v.checkFailures = 0;
                }
                v.status = result.isOk() ? Status.OK : Status.CHANGED;
                emit(new EngineEvent.Finished(v.id, v.status, result, apply, took, Duration.ofNanos(waitedNanos)));
                completeHaltIfIdle();
                return;
            }
            v.checkFailures++;
            boolean retry = meta.retry() < 0 || v.checkFailures <= meta.retry();
            if (v.retired) {
                return;
            }
            if (!retry || halted) {
                v.status = Status.FAILED;
                emit(new EngineEvent.Failed(v.id, error, attempt, took, null));
                failedPermanently(v);
                return;
            }
            v.status = Status.PENDING;
            emit(new EngineEvent.Failed(v.id, error, attempt, took, Duration.ofMillis(meta.delay())));
            Thread.sleep(meta.delay());
        }
    }

    /** Runs one checkApply, bounded by {@code meta.timeout} milliseconds when it is set. */
    private CheckResult call(Vertex v, boolean apply, long timeoutMillis)
            throws ResourceException, InterruptedException {
        if (timeoutMillis <= 0) {
            return v.resource.checkApply(v.context, apply);
        }
        var task = new FutureTask<CheckResult>(() -> v.resource.checkApply(v.context, apply));
        Thread runner = Thread.ofVirtual().name("checkApply " + v.id).start(task);
        try {
            return task.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            runner.join();
            throw new ResourceException(v.id, "checkApply timed out after " + timeoutMillis + " ms (meta.timeout)");
        } catch (InterruptedException e) {
            task.cancel(true);
            runner.join();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ResourceException re) {
                throw re;
            }
            if (cause instanceof InterruptedException ie) {
                throw ie;
            }
            throw new ResourceException(v.id, "internal error: " + cause, cause);
        }
    }

    /** Takes the global permit, then the vertex's semaphores by name; reports each wait. */
    private List<Semaphore> acquirePermits(Vertex v) throws InterruptedException {
        var names = new ArrayList<String>();
        var permits = new ArrayList<Semaphore>();
        if (parallel != null) {
            names.add(PARALLEL_PERMIT);
            permits.add(parallel);
        }
        v.spec.semaphores().stream()
                .map(MetaParams.Semaphore::name)
                .distinct()
                .sorted(Comparator.naturalOrder())
                .forEach(name -> {
                    names.add(name);
                    permits.add(semaphores.get(name));
                });
        var held = new ArrayList<Semaphore>(permits.size());
        try {
            for (int i = 0; i < permits.size(); i++) {
                Semaphore s = permits.get(i);
                if (!s.tryAcquire()) {
                    emit(new EngineEvent.Waiting(v.id, names.get(i)));
                    s.acquire();
                }
                held.add(s);
            }
        } catch (InterruptedException e) {
            held.reversed().forEach(Semaphore::release);
            throw e;
        }
        return held;
    }

    /** From a watch: the resource may have drifted. */
    void event(Vertex v) {
        if (stopping || v.retired || v.status == Status.FAILED) {
            return;
        }
        converger.busy(v.id);
        v.dirty = true;
        v.wake();
    }

    void watchRunning(Vertex v) {
        v.watchCameUp = true;
        v.watchUp.countDown();
        emit(new EngineEvent.Message(v.id, false, "watching"));
    }

    void emit(EngineEvent event) {
        listener.accept(event);
    }

    /**
     * Stops every worker: running checkApply calls are interrupted (an exec's process group is
     * killed) and waited for, up to {@code grace}.
     *
     * @return true when every worker ended within the grace period
     */
    public boolean stop(Duration grace) throws InterruptedException {
        stopping = true;
        Map<ResourceId, Vertex> all = vertices;
        for (Vertex v : all.values()) {
            if (v.worker != null) {
                v.worker.interrupt();
            }
            if (v.watcher != null) {
                v.watcher.interrupt();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        boolean allEnded = true;
        for (Vertex v : all.values()) {
            for (Thread t : new Thread[] {v.worker, v.watcher}) {
                if (t != null) {
                    long left = deadline - System.nanoTime();
                    allEnded &= left > 0 && t.join(Duration.ofNanos(left));
                }
            }
        }
        if (paths != null) {
            try {
                paths.close();
            } catch (IOException e) {
                // Closing the inotify descriptor failed; the watcher's thread has ended either way.
            }
        }
        return allEnded;
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(10));
    }
}
