package dev.converge.agent.converger;

import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
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

    /** Whether no resource is busy right now. */
    public synchronized boolean isIdle() {
        return busy.isEmpty();
    }

    /** Nanotime since which everything has been idle, or -1 while something is busy. */
    public synchronized long idleSinceNanos() {
        return idleSince;
    }

    private void markBusy(ResourceId id) {
        if (busy.add(id) && busy.size() == 1) {
            idleSince = -1;
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
