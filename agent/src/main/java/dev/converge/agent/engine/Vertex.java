package dev.converge.agent.engine;

import dev.converge.agent.graph.ResourceSpec;
import dev.converge.resources.MetaParams;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One resource of the running graph: its status, the work owed to it, and its threads.
 *
 * <p>Each field says which thread writes it. Three kinds of thread touch a vertex: its own
 * <em>worker</em> (the only one that checks the resource and publishes its status), the
 * <em>workers of its parents</em> (which record what they owe it), and its <em>watch</em> or
 * <em>poll</em> thread (which reports drift); the engine's <em>swap</em> thread wires and retires
 * it under the engine's lock.
 *
 * <p>The work owed to a vertex (a check, and the parents whose refreshes it has not yet
 * answered) changes only through the atomic operations below, under the vertex's own lock:
 * {@link #owe} and {@link #drifted} add to it, {@link #takeWork} takes all of it at once,
 * {@link #giveBack} and {@link #keepRefreshes} return what a check that did not complete took.
 * A parent records what it owes its children <em>before</em> it publishes its own status
 * ({@link #publish}), so a child
 * that sees a parent settled also sees everything that parent sent it; that is why a child runs
 * once, after all its parents, however many of them notified it.
 *
 * <p>The worker is a virtual thread that exists only while the vertex has something to look at:
 * {@link #wake} starts one when none runs, and asks a running one for one more step otherwise, so
 * wake-ups sent while the worker is busy coalesce into one step. A vertex waiting for its parents
 * or idle after its check holds no thread. {@link #close} ends it for good.
 */
final class Vertex {

    /** No worker runs. */
    private static final int IDLE = 0;
    /** A worker runs steps. */
    private static final int RUNNING = 1;
    /** A worker runs, and was woken since its step began: it steps once more. */
    private static final int AGAIN = 2;
    /** Closed: retired or stopped; no worker starts again. */
    private static final int CLOSED = 3;

    final ResourceSpec spec;
    final Resource resource;
    final ResourceId id;
    final VertexContext context;
    /** The named permits a check holds, sorted and distinct (see {@link Permits#acquire}). */
    final List<String> permitNames;
    /** Limits re-checks to {@code meta.limit} per second; null when unlimited. Worker only. */
    final EventLimiter limiter;
    /** Failed checkApply calls against {@code meta.retry}. Worker only. */
    final RetryPolicy.Failures checkFailures;

    /** Written by the swap thread under the engine's lock, replaced as a whole. */
    volatile List<Vertex> parents = List.of();
    /** Written by the swap thread under the engine's lock, replaced as a whole. */
    volatile List<Vertex> children = List.of();
    /**
     * Written by the swap thread under the engine's lock, replaced as a whole: for each parent
     * that is a merged vertex, the members this vertex depends on (from {@code EdgeSpec.fromMembers});
     * absent when it depends on the parent as a whole.
     */
    volatile Map<ResourceId, Set<ResourceId>> viaMembers = Map.of();
    /** Set by the swap thread when a swap removed or replaced this vertex: its worker and watch end. */
    volatile boolean retired;

    /** Written by the worker only, through {@link #publish}, {@link #skip} and {@link #failMembers}. */
    private volatile State state = State.PENDING;
    /** Whether the current checkApply answers a refresh. Written by the worker; read by the resource. */
    volatile boolean refreshing;
    /** Whether a checkApply has finished once; later checks are rate limited. Worker only. */
    boolean checkedOnce;

    /** Guarded by {@code this}: a check is owed (initially, after drift, after a parent changed). */
    private boolean dirty = true;
    /** Guarded by {@code this}: parents that changed something and notified this vertex since its last check. */
    private final Set<ResourceId> notifiedBy = new LinkedHashSet<>();
    /** Guarded by {@code this}: a poll tick asks for a check without apply. */
    private boolean pollDue;

    /**
     * Open once the watch is in place (or has failed, or there is none): the first checkApply
     * waits for it, so no drift between the first check and the watch goes unseen.
     */
    final CountDownLatch watchUp = new CountDownLatch(1);
    /** Set by the watch thread when the watch reports running; a success for the watch's retry count. */
    volatile boolean watchCameUp;
    /** Set by the watch thread when the watch failed for good; the worker turns it into a failure. */
    volatile String watchError;

    /** IDLE, RUNNING, AGAIN or CLOSED; changed only by compare-and-set, by any thread. */
    private final AtomicInteger lifecycle = new AtomicInteger(IDLE);
    /** The current or last worker; written by the thread that starts it, before it starts. */
    private volatile Thread worker;
    /** The worker the closing thread interrupted; that thread only. */
    private Thread interrupted;
    /** Set when the vertex is closed and its last worker has ended (or none ran). */
    private volatile boolean workerEnded;
    /** What a worker runs: steps until nothing is owed ({@link Engine#work}). */
    private final Runnable steps;
    /** Written by the swap thread before it starts it. */
    volatile Thread watcher;

    /** What one check answers: the parents whose refreshes it carries. Immutable. */
    record Work(Set<ResourceId> notifiedBy) {

        Work {
            notifiedBy = Set.copyOf(notifiedBy);
        }
    }

    Vertex(ResourceSpec spec, Engine engine) {
        this.steps = () -> engine.work(this);
        this.spec = spec;
        this.id = spec.id();
        this.resource = spec.newResource();
        this.context = new VertexContext(this, engine);
        this.limiter = EventLimiter.of(spec.meta().limit(), spec.meta().burst());
        this.checkFailures = RetryPolicy.of(spec.meta()).failures();
        this.permitNames = spec.semaphores().stream().map(MetaParams.Semaphore::name).distinct().sorted().toList();
    }

    /**
     * What other threads see of a vertex, published in one write so that they never see a status
     * with another status's details. Immutable.
     *
     * @param skipCause     when SKIPPED: the failed resource at the root of it; null otherwise
     * @param failedMembers when FAILED in some members only: those members; null otherwise
     */
    record State(Status status, ResourceId skipCause, Set<ResourceId> failedMembers) {

        static final State PENDING = new State(Status.PENDING, null, null);
        private static final Map<Status, State> PLAIN = Arrays.stream(Status.values())
                .collect(Collectors.toMap(s -> s, s -> new State(s, null, null), (a, b) -> a,
                        () -> new EnumMap<>(Status.class)));

        /**
         * Whether a FAILED parent in this state stops a child that depends on {@code via} of its
         * members (null: on the whole parent): always, unless the parent failed only in some
         * members and the child depends on none of them.
         */
        boolean stops(Set<ResourceId> via) {
            return failedMembers == null || via == null || via.stream().anyMatch(failedMembers::contains);
        }
    }

    /** Any thread. */
    State state() {
        return state;
    }

    /** Any thread. */
    Status status() {
        return state.status();
    }

    /**
     * The parents that would change in this dry run (WOULD-CHANGE or DEFERRED), by id, sorted;
     * empty in a real run. Any thread; a parent's status is read as it is now.
     */
    List<ResourceId> parentsThatWouldChange() {
        return parents.stream().filter(p -> p.status() == Status.WOULD_CHANGE || p.status() == Status.DEFERRED)
                .map(p -> p.id).sorted(Comparator.comparing(ResourceId::toString)).toList();
    }

    /** Worker only: makes {@code next} the status every other thread sees. */
    void publish(Status next) {
        state = State.PLAIN.get(next);
    }

    /** Worker only: SKIPPED because of {@code cause}. */
    void skip(ResourceId cause) {
        state = new State(Status.SKIPPED, cause, null);
    }

    /** Worker only: FAILED because {@code members} failed, and only they. */
    void failMembers(Set<ResourceId> members) {
        state = new State(Status.FAILED, null, Set.copyOf(members));
    }

    /**
     * A parent's worker, before it publishes its own status (or the swap thread, carrying work
     * over): this vertex owes a check, and a refresh to {@code notifier} when it is not null.
     */
    synchronized void owe(ResourceId notifier) {
        dirty = true;
        if (notifier != null) {
            notifiedBy.add(notifier);
        }
    }

    /** A parent's worker in noop mode: a refresh that would be sent, without asking for a check. */
    synchronized void oweRefreshOnly(ResourceId notifier) {
        notifiedBy.add(notifier);
    }

    /** Any thread (watch, poll, worker): the resource may have drifted; a check is owed. */
    synchronized void drifted() {
        dirty = true;
    }

    /** The poll thread: a quiet check without apply is due. */
    synchronized void pollTick() {
        pollDue = true;
    }

    /** Worker only: whether a poll tick is waiting, clearing it. */
    synchronized boolean takePollDue() {
        boolean due = pollDue;
        pollDue = false;
        return due;
    }

    /** Any thread: whether a check is owed. */
    synchronized boolean owesCheck() {
        return dirty;
    }

    /** Worker only: takes all the owed work at once; null when none is owed. */
    synchronized Work takeWork() {
        if (!dirty) {
            return null;
        }
        dirty = false;
        var work = new Work(notifiedBy);
        notifiedBy.clear();
        return work;
    }

    /** Worker only: a check that was interrupted before it completed owes all its work again. */
    synchronized void giveBack(Work work) {
        dirty = true;
        notifiedBy.addAll(work.notifiedBy());
    }

    /**
     * Worker only: a check that failed for good still owes its refreshes, answered by the next
     * check a parent or a new graph asks for; it owes no check by itself.
     */
    synchronized void keepRefreshes(Work work) {
        notifiedBy.addAll(work.notifiedBy());
    }

    /**
     * The swap thread, once this vertex's worker has ended: the refreshes it still owes (pending,
     * or taken by a check that was interrupted), for the vertex that replaces it.
     */
    synchronized Set<ResourceId> owedRefreshes() {
        return Set.copyOf(notifiedBy);
    }

    /**
     * Any thread: asks for a step. Starts a worker when none runs; a running one steps once more.
     * Does nothing once the vertex is closed. Never blocks.
     */
    void wake() {
        while (true) {
            int state = lifecycle.get();
            if (state == CLOSED || state == AGAIN) {
                return;
            }
            if (state == RUNNING) {
                if (lifecycle.compareAndSet(RUNNING, AGAIN)) {
                    return;
                }
            } else if (lifecycle.compareAndSet(IDLE, RUNNING)) {
                Thread t = Thread.ofVirtual().name("worker " + id).unstarted(steps);
                worker = t;
                t.start();
                return;
            }
        }
    }

    /** What a worker does after a step. */
    enum Next {
        /** Step again: it was woken meanwhile. */
        AGAIN,
        /** End: it has let go, and the next wake-up starts a new worker. */
        LET_GO,
        /** End as the vertex's last worker: the vertex is closed. */
        CLOSED
    }

    /** Any thread: whether a worker runs now. */
    boolean working() {
        int state = lifecycle.get();
        return state == RUNNING || state == AGAIN;
    }

    /** Worker only, before each step: false once the vertex is closed. */
    boolean open() {
        return lifecycle.get() != CLOSED;
    }

    /** Worker only, after a step. */
    Next afterStep() {
        while (true) {
            int state = lifecycle.get();
            if (state == CLOSED) {
                return Next.CLOSED;
            }
            if (lifecycle.compareAndSet(state, state == AGAIN ? RUNNING : IDLE)) {
                return state == AGAIN ? Next.AGAIN : Next.LET_GO;
            }
        }
    }

    /**
     * Worker only, when it ends in the middle of its steps (interrupted, or a step threw): lets go
     * unless the vertex is closed, starting a new worker when it was woken meanwhile.
     */
    Next abandon() {
        while (true) {
            int state = lifecycle.get();
            if (state == CLOSED) {
                return Next.CLOSED;
            }
            if (lifecycle.compareAndSet(state, IDLE)) {
                if (state == AGAIN) {
                    wake();
                }
                return Next.LET_GO;
            }
        }
    }

    /** The last worker, once it has sent the vertex's last event. */
    void workerEnded() {
        workerEnded = true;
    }

    /**
     * The swap or stopping thread: closes the vertex, so no worker starts again.
     *
     * @return true when no worker was running (the caller sends the vertex's last event); false
     *     when one runs: {@link #interruptWorker} and {@link #awaitWorker} end it
     */
    boolean close() {
        while (true) {
            int state = lifecycle.get();
            if (state == CLOSED) {
                return false;
            }
            if (lifecycle.compareAndSet(state, CLOSED)) {
                workerEnded = state == IDLE;
                return state == IDLE;
            }
        }
    }

    /** The swap or stopping thread, after {@link #close}: interrupts the running worker, if any. */
    void interruptWorker() {
        Thread t = worker;
        if (t != null && !workerEnded && t != interrupted) {
            interrupted = t;
            t.interrupt();
        }
    }

    /**
     * The swap or stopping thread, after {@link #close}: waits until the last worker has ended, up
     * to {@code nanos}, interrupting it once; true when it has ended. A worker that started just
     * as the vertex closed sees it closed before its first step and ends at once.
     */
    boolean awaitWorker(long nanos) throws InterruptedException {
        long start = System.nanoTime();
        while (!workerEnded) {
            long left = nanos - (System.nanoTime() - start);
            if (left <= 0) {
                return false;
            }
            Thread t = worker;
            if (t == null) {
                // Started by a wake-up that has not yet published it.
                Thread.yield();
                continue;
            }
            interruptWorker();
            t.join(Duration.ofNanos(Math.min(left, 10_000_000L)));
        }
        return true;
    }

    @Override
    public String toString() {
        return id + " " + state.status();
    }
}
