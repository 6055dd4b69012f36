package dev.converge.agent.converger;

import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tracks which resources are busy (pending, running, or holding an unprocessed event) and fires
 * once everything has been idle for the converged timeout.
 *
 * <p>Invariants: a registered resource is busy until {@link #idle} says otherwise; the callback
 * runs at most once, on the converger's own thread, and only after an uninterrupted idle
 * stretch of the full timeout. A negative timeout never fires (run as a service).
 */
public final class Converger implements AutoCloseable {

    private final Duration timeout;
    private final Runnable onConverged;
    private final ScheduledExecutorService timer;
    private final Set<ResourceId> busy = new HashSet<>();
    private ScheduledFuture<?> pending;
    private long idleSince = -1;
    private boolean fired;
    /** How many times the busy set went from empty to not empty. */
    private long busyStretches;
    /** Told of each change between idle and busy, under this converger's lock; must not block. */
    private volatile Runnable onTransition = () -> { };

    /**
     * @param timeout     how long everything must stay idle; zero fires as soon as it is; negative never
     * @param onConverged what to do then
     */
    public Converger(Duration timeout, Runnable onConverged) {
        this.timeout = timeout;
        this.onConverged = onConverged;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "converger");
            t.setDaemon(true);
            return t;
        });
    }

    /** Adds resources, each busy until it reports idle. */
    public synchronized void register(Collection<ResourceId> ids) {
        ids.forEach(this::markBusy);
    }

    /** Forgets a resource (it left the graph); it no longer holds up convergence. */
    public synchronized void unregister(ResourceId id) {
        if (busy.remove(id)) {
            maybeIdle();
        }
    }

    /** The resource has work to do: an event, a pending check, a running apply. */
    public synchronized void busy(ResourceId id) {
        markBusy(id);
    }

    /** The resource is settled and has nothing to do. */
    public synchronized void idle(ResourceId id) {
        if (busy.remove(id)) {
            maybeIdle();
        }
    }

    /** Up to {@code max} of the resources busy now, in no particular order, and how many there are in all. */
    public synchronized Busy busyNow(int max) {
        return new Busy(busy.stream().limit(max).toList(), busy.size());
    }

    /** Some of the busy resources ({@code sample}) and their number ({@code count}). */
    public record Busy(List<ResourceId> sample, int count) {
        public Busy {
            sample = List.copyOf(sample);
        }
    }

    /** Whether no resource is busy right now. */
    public synchronized boolean isIdle() {
        return busy.isEmpty();
    }

    /**
     * How many busy stretches there have been: each time some resource became busy while
     * everything was idle, one more. Two samples with the same count and idle both times saw no
     * work in between.
     */
    public synchronized long busyStretches() {
        return busyStretches;
    }

    /**
     * Runs {@code wake} on every change between idle and busy, on the thread that made it, while
     * this converger's lock is held: it must return at once (unpark a thread, say).
     */
    public void onTransition(Runnable wake) {
        onTransition = wake;
    }

    /** Nanotime since which everything has been idle, or -1 while something is busy. */
    public synchronized long idleSinceNanos() {
        return idleSince;
    }

    private void markBusy(ResourceId id) {
        if (busy.add(id) && busy.size() == 1) {
            idleSince = -1;
            busyStretches++;
            onTransition.run();
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }
    }

    private void maybeIdle() {
        if (!busy.isEmpty() || fired) {
            return;
        }
        idleSince = System.nanoTime();
        onTransition.run();
        if (timeout.isNegative()) {
            return;
        }
        pending = timer.schedule(this::fire, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        synchronized (this) {
            if (fired || !busy.isEmpty()) {
                return;
            }
            fired = true;
        }
        onConverged.run();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
