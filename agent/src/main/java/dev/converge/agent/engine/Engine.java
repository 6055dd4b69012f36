package dev.converge.agent.engine;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceId;
import dev.converge.resources.watch.DirectoryWatchHub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * <p>A resource that changed something owes its children a new check and, along a notify edge, a
 * refresh; it records both on the children ({@link Vertex#owe}) before it publishes its own
 * status, so refreshes coalesce: a child runs once, after all its parents are done, however many
 * of them notified it. In noop mode nothing is refreshed and the child reports what would have
 * been. A refresh owed to a vertex that a swap replaces (pending, or interrupted while it ran)
 * is owed to the vertex that replaces it.
 *
 * <p>Permits ({@code --parallel}, named semaphores) are held only around one checkApply call (see
 * {@link Permits}), so waiting for parents never holds a permit and no two workers can deadlock.
 *
 * <p>Threads: {@link #start}, {@link #swap} and {@link #stop} are called by the agent's control
 * threads (main, the graph reload thread, etcd's watch), {@code start} and {@code swap} one at a
 * time under the engine's lock; everything else runs on the vertices' workers and watch threads.
 * A swap and a worker recording what it owes its children exclude each other ({@link #wiring}),
 * so no owed check or refresh is recorded on a vertex after the swap has carried its work over.
 */
public final class Engine implements AutoCloseable {

    private final EngineOptions options;
    private final Consumer<EngineEvent> listener;
    private final Converger converger;
    private final Permits permits;
    private final CheckLoop checks;
    /** Read: a worker records effects on its children. Write: a swap replaces the graph and its vertices. */
    private final ReadWriteLock wiring = new ReentrantReadWriteLock();
    /** Written under {@link #wiring}'s write lock, with {@link #vertices}. */
    private volatile GraphSnapshot snapshot;
    /** Written under {@link #wiring}'s write lock; an unmodifiable map, replaced as a whole. */
    private volatile Map<ResourceId, Vertex> vertices = Map.of();
    private volatile boolean stopping;
    /** With {@code --fail-fast}: set by the first permanent failure; no checkApply starts after it. */
    private volatile boolean halted;
    /** checkApply calls under way, counted so that a fail-fast halt knows when the last one is done. */
    private final AtomicInteger running = new AtomicInteger();
    private final CompletableFuture<Void> haltedAndIdle = new CompletableFuture<>();
    /** Written once by {@link #start}. */
    private volatile DirectoryWatchHub paths;
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
        this.permits = new Permits(options.parallel());
        this.checks = new CheckLoop(this, options, permits);
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
     * stopped and starts anew, owing the refreshes its old vertex owed; an added one starts.
     * Edges are rewired for all, and semaphores take the capacities {@code next} declares.
     *
     * @return what changed
     */
    public synchronized GraphDiff swap(GraphSnapshot next) throws InterruptedException {
        if (snapshot == null) {
            throw new IllegalStateException("engine not started");
        }
        Map<ResourceId, Vertex> current = vertices;
        var added = new ArrayList<ResourceId>();
        var changed = new ArrayList<ResourceId>();
        var kept = new ArrayList<ResourceId>();
        var removed = new ArrayList<ResourceId>();
        var retired = new ArrayList<Vertex>();
        for (ResourceSpec spec : next.resources().values()) {
            Vertex old = current.get(spec.id());
            if (old == null) {
                added.add(spec.id());
            } else if (old.spec.sameDeclaration(spec)) {
                kept.add(spec.id());
            } else {
                changed.add(spec.id());
                retired.add(old);
            }
        }
        current.forEach((id, v) -> {
            if (!next.resources().containsKey(id)) {
                retired.add(v);
                removed.add(id);
            }
        });
        for (Vertex v : retired) {
            retire(v);
        }
        wiring.writeLock().lock();
        try {
            var byId = new LinkedHashMap<ResourceId, Vertex>();
            var fresh = new ArrayList<Vertex>();
            for (ResourceSpec spec : next.resources().values()) {
                Vertex old = current.get(spec.id());
                if (old != null && old.spec.sameDeclaration(spec)) {
                    byId.put(spec.id(), old);
                    continue;
                }
                Vertex v = new Vertex(spec, this);
                if (old != null) {
                    old.owedRefreshes().forEach(v::owe);
                }
                byId.put(spec.id(), v);
                fresh.add(v);
            }
            removed.forEach(converger::unregister);
            generation++;
            install(next, byId, fresh);
        } finally {
            wiring.writeLock().unlock();
        }
        return new GraphDiff(generation, added, changed, removed, kept);
    }

    /** Makes {@code graph} current with {@code byId} as its vertices, wires them, and starts {@code fresh}. */
    private void install(GraphSnapshot graph, Map<ResourceId, Vertex> byId, List<Vertex> fresh) {
        permits.declare(graph, this::emit);
        for (Vertex v : byId.values()) {
            v.parents = graph.parents(v.id).stream().map(byId::get).toList();
            v.children = graph.children(v.id).stream().map(byId::get).toList();
            v.viaMembers = viaMembers(graph, v.id);
        }
        snapshot = graph;
        vertices = Collections.unmodifiableMap(byId);
        converger.register(fresh.stream().map(v -> v.id).toList());
        for (Vertex v : fresh) {
            launch(v);
        }
    }

    /**
     * For each parent of {@code id} that is a merged vertex and whose edges to {@code id} were all
     * declared from some of its members: those members. Empty for almost every vertex.
     */
    private static Map<ResourceId, Set<ResourceId>> viaMembers(GraphSnapshot graph, ResourceId id) {
        Map<ResourceId, Set<ResourceId>> via = Map.of();
        for (ResourceId parent : graph.parents(id)) {
            if (!graph.resource(parent).isGroup()) {
                continue;
            }
            var members = new HashSet<ResourceId>();
            boolean whole = false;
            for (EdgeSpec e : graph.edgesConnecting(parent, id)) {
                whole |= e.fromMembers().isEmpty();
                members.addAll(e.fromMembers());
            }
            if (!whole) {
                via = new HashMap<>(via);
                via.put(parent, Set.copyOf(members));
            }
        }
        return via.isEmpty() ? via : Map.copyOf(via);
    }

    /**
     * Starts the vertex's worker and, when the engine watches and the resource has something to
     * watch (or polls), its watch thread; a vertex with nothing to watch has no watch thread.
     */
    private void launch(Vertex v) {
        emit(new EngineEvent.Added(v.id));
        if (v.parents.stream().allMatch(p -> p.status().settled())) {
            v.wake();
        }
        long poll = v.spec.meta().poll();
        boolean watched = options.watch() && (poll > 0 || v.resource.watches());
        if (!watched || poll > 0) {
            v.watchUp.countDown();
        }
        if (watched) {
            var loop = new WatchLoop(this, v);
            v.watcher = Thread.ofVirtual().name((poll > 0 ? "poll " : "watch ") + v.id)
                    .start(poll > 0 ? () -> loop.poll(Duration.ofSeconds(poll)) : loop::watch);
        }
    }

    /** Stops a vertex that leaves the graph: its check is interrupted and waited for, its watch ends. */
    private void retire(Vertex v) throws InterruptedException {
        v.retired = true;
        closeWorker(v);
        Thread watcher = v.watcher;
        if (watcher != null) {
            watcher.interrupt();
        }
        v.interruptWorker();
        v.awaitWorker(Long.MAX_VALUE);
        if (watcher != null) {
            watcher.join();
        }
    }

    /** Closes {@code v}: no worker starts again; with none running, its last event is sent here. */
    private void closeWorker(Vertex v) {
        if (v.close()) {
            emit(new EngineEvent.Stopped(v.id));
        }
    }

    /** How many times the graph was swapped since {@link #start}. */
    public synchronized int generation() {
        return generation;
    }

    /** The graph being run. */
    public GraphSnapshot snapshot() {
        return snapshot;
    }

    /** Current status of every resource, in declaration order. */
    public Map<ResourceId, Status> statuses() {
        var result = new LinkedHashMap<ResourceId, Status>();
        vertices.forEach((id, v) -> result.put(id, v.status()));
        return result;
    }

    /**
     * A sign of life: completes once a new virtual thread, scheduled like the workers, has taken
     * the wiring lock and then the engine's monitor, as workers and swaps do. A swap or a worker
     * that never lets go of either, or a scheduler whose carriers are all held, keeps it from
     * completing; systemd's watchdog is petted only after it completed. Any thread.
     */
    public CompletableFuture<Void> heartbeat() {
        var beat = new CompletableFuture<Void>();
        Thread.ofVirtual().name("engine heartbeat").start(() -> {
            wiring.readLock().lock();
            wiring.readLock().unlock();
            synchronized (this) {
                beat.complete(null);
            }
        });
        return beat;
    }

    /**
     * Completes once {@code --fail-fast} has stopped the run: a resource failed for good and
     * every checkApply that was running then has returned. Never completes without fail-fast.
     */
    public CompletableFuture<Void> failedFast() {
        return haltedAndIdle;
    }

    /**
     * A worker: steps {@code v} until nothing more is asked of it. The last worker of a closed
     * vertex sends its last event, {@link EngineEvent.Stopped}.
     */
    void work(Vertex v) {
        Vertex.Next next = null;
        try {
            do {
                if (!v.open()) {
                    next = Vertex.Next.CLOSED;
                    break;
                }
                step(v);
                next = v.afterStep();
            } while (next == Vertex.Next.AGAIN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (next == null || next == Vertex.Next.AGAIN) {
                next = v.abandon();
            }
            if (next == Vertex.Next.CLOSED) {
                emit(new EngineEvent.Stopped(v.id));
                v.workerEnded();
            }
        }
    }

    /**
     * The worker: decides, from the parents' statuses and the owed work, whether {@code v} is
     * skipped, waits, or runs.
     */
    private void step(Vertex v) throws InterruptedException {
        String watchError = v.watchError;
        if (watchError != null) {
            if (v.status() != Status.FAILED) {
                v.publish(Status.FAILED);
                emit(new EngineEvent.Failed(v.id, watchError, 1, Duration.ZERO, null));
                failedPermanently(v);
                settled(v);
            }
            // Failed for good: it never holds up convergence, even with a first check still owed.
            converger.idle(v.id);
            return;
        }
        Vertex blocker = null;
        Vertex.State blockerState = null;
        boolean waiting = false;
        Map<ResourceId, Set<ResourceId>> via = v.viaMembers;
        for (Vertex p : v.parents) {
            Vertex.State ps = p.state();
            Status s = ps.status();
            if (s == Status.SKIPPED || s == Status.FAILED && ps.stops(via.get(p.id))) {
                blocker = p;
                blockerState = ps;
                break;
            }
            waiting |= !s.succeeded() && s != Status.FAILED;
        }
        if (blocker != null) {
            if (v.status() != Status.SKIPPED) {
                ResourceId cause = blockerState.status() == Status.FAILED ? blocker.id : blockerState.skipCause();
                v.skip(cause);
                emit(new EngineEvent.Skipped(v.id, blocker.id, cause));
                v.children.forEach(Vertex::wake);
            }
            // A skipped vertex keeps the work it owes for when the parent recovers, but never holds up convergence.
            converger.idle(v.id);
            return;
        }
        if (waiting) {
            return;
        }
        if (!v.owesCheck() && v.status().settled() && v.takePollDue()) {
            checks.pollCheck(v);
        }
        if (!v.owesCheck() || halted) {
            if (v.status().settled() || halted) {
                converger.idle(v.id);
            }
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
        Vertex.Work work = v.takeWork();
        if (work == null) {
            return;
        }
        checks.check(v, work);
        v.checkedOnce = true;
        settled(v);
    }

    /**
     * The worker, after a check: wakes the children (marking those owed a check busy first, so
     * convergence cannot slip in between), then idles.
     */
    private void settled(Vertex v) {
        for (Vertex child : v.children) {
            if (child.owesCheck()) {
                converger.busy(child.id);
            }
            child.wake();
        }
        if (!v.owesCheck()) {
            converger.idle(v.id);
        }
    }

    /**
     * The worker of {@code v}, which changed something, before it publishes that: every child owes
     * a check (applying only), and a refresh along a notify edge. With {@code failedMembers} (some
     * members of a merged vertex failed, the others changed), only the children that depend on
     * members that did not fail. Excludes a swap, so the children it records on are those of the
     * current graph, or ones whose work the swap carries over.
     */
    void oweChildren(Vertex v, boolean apply, Set<ResourceId> failedMembers) {
        wiring.readLock().lock();
        try {
            if (v.retired) {
                return;
            }
            Map<ResourceId, Vertex> current = vertices;
            for (EdgeSpec edge : snapshot.outEdges(v.id)) {
                if (failedMembers != null && (edge.fromMembers().isEmpty()
                        || edge.fromMembers().stream().anyMatch(failedMembers::contains))) {
                    continue;
                }
                Vertex child = current.get(edge.to());
                ResourceId notifier = edge.notifies() ? v.id : null;
                if (apply) {
                    child.owe(notifier);
                } else if (notifier != null) {
                    child.oweRefreshOnly(notifier);
                }
            }
        } finally {
            wiring.readLock().unlock();
        }
    }

    /** A resource failed for good: it is no longer watched, and with fail-fast the run halts. */
    void failedPermanently(Vertex v) {
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

    /** A worker, once a call it counted has ended: completes {@link #failedFast} when halted and idle. */
    void completeHaltIfIdle() {
        if (halted && running.get() == 0) {
            haltedAndIdle.complete(null);
        }
    }

    /**
     * A worker, before a checkApply: counts the call, so a fail-fast halt either sees it or stops
     * it; false when the run is halted (the call must not start).
     */
    boolean callStarting() {
        running.incrementAndGet();
        if (halted) {
            running.decrementAndGet();
            completeHaltIfIdle();
            return false;
        }
        return true;
    }

    /** A worker, once a call counted by {@link #callStarting} has returned. */
    void callEnded() {
        running.decrementAndGet();
    }

    /** Any thread: whether fail-fast has halted the run. */
    boolean halted() {
        return halted;
    }

    /** A worker's poll check found drift: the vertex owes a check and is busy again. */
    void driftFound(Vertex v) {
        converger.busy(v.id);
        v.drifted();
    }

    PathWatcher paths() {
        return paths;
    }

    boolean stopping() {
        return stopping;
    }

    /** The watch thread: the resource may have drifted. */
    void event(Vertex v) {
        if (stopping || v.retired || v.status() == Status.FAILED) {
            return;
        }
        converger.busy(v.id);
        v.drifted();
        v.wake();
    }

    /** The watch thread: the watch is in place. */
    void watchRunning(Vertex v) {
        v.watchCameUp = true;
        v.watchUp.countDown();
        emit(new EngineEvent.Message(v.id, false, "watching"));
    }

    /** The watch thread: the watch failed with no retry left ({@link Vertex#watchError} is set). */
    void watchFailed(Vertex v) {
        converger.busy(v.id);
        v.wake();
    }

    /** Any engine thread. */
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
            closeWorker(v);
            v.interruptWorker();
            Thread watcher = v.watcher;
            if (watcher != null) {
                watcher.interrupt();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        boolean allEnded = true;
        for (Vertex v : all.values()) {
            allEnded &= v.awaitWorker(deadline - System.nanoTime());
            Thread watcher = v.watcher;
            if (watcher != null) {
                long left = deadline - System.nanoTime();
                allEnded &= left > 0 && watcher.join(Duration.ofNanos(left));
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

    /** Whether resource {@code id} has a worker thread now; for tests. */
    boolean working(ResourceId id) {
        Vertex v = vertices.get(id);
        return v != null && v.working();
    }

    /** Whether resource {@code id} has a watch or poll thread; for tests. */
    boolean watched(ResourceId id) {
        Vertex v = vertices.get(id);
        return v != null && v.watcher != null;
    }

    /** Permits of semaphore {@code name} free now, or -1 when no graph declared it; for tests. */
    int availablePermits(String name) {
        return permits.available(name);
    }

    /** Whether resources are asked for diffs ({@link EngineOptions#diff()}); fixed for the engine's life. */
    boolean diffs() {
        return options.diff();
    }
}
