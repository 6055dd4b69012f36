package dev.converge.agent.converger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Follows the host's state on a platform thread of its own, so that nothing it does (a log
 * line, a datagram to systemd) ever holds up the engine: it samples a {@link HostState} when the
 * converger goes idle or busy and at least every {@code every}, tells its listeners of each
 * change, and of each tick whether the engine answered its last heartbeat.
 *
 * <p>Invariants: listeners are called on the monitor's thread only, one at a time, first with
 * the first sample (from a null state). A busy stretch that began and ended between two samples
 * is not lost: the listeners see the host leave its phase and come back. The engine is "alive"
 * at a tick when the heartbeat asked for at the tick before has completed.
 *
 * <p>Threads: {@link #start} and {@link #close} by the thread that runs the agent; the converger
 * wakes it from any thread.
 */
public final class HostMonitor implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger("converge");

    /** Told what the monitor sees; called on the monitor's thread only, and must not throw. */
    public interface Listener {

        /**
         * The host went from {@code previous} (null for the first sample) to {@code now}. One that
         * throws is logged, and the monitor goes on.
         */
        default void changed(HostState previous, HostState now) {
        }

        /** A tick: {@code alive} when the engine answered the heartbeat asked for at the tick before. */
        default void tick(boolean alive) {
        }
    }

    private final Converger converger;
    private final Supplier<HostState> sample;
    private final Supplier<CompletableFuture<Void>> heartbeat;
    private final Duration every;
    private final List<Listener> listeners;
    private final Thread thread;
    private volatile boolean closed;
    /** Set by each converger transition, cleared by the monitor before it samples. */
    private final AtomicBoolean woken = new AtomicBoolean();

    /**
     * @param sample    the host's state now (cheap enough to call every tick)
     * @param heartbeat asks the engine for a sign of life (see {@code Engine#heartbeat})
     * @param every     the longest time between two samples and between two ticks
     */
    public HostMonitor(Converger converger, Supplier<HostState> sample, Supplier<CompletableFuture<Void>> heartbeat,
            Duration every, List<Listener> listeners) {
        this.converger = converger;
        this.sample = sample;
        this.heartbeat = heartbeat;
        this.every = every;
        this.listeners = List.copyOf(listeners);
        this.thread = Thread.ofPlatform().daemon().name("host-monitor").unstarted(this::follow);
    }

    /** Starts following; the first sample is taken at once. */
    public void start() {
        converger.onTransition(this::wake);
        thread.start();
    }

    /** A listener may park too (and take an unpark meant for the monitor): {@link #woken} is not lost that way. */
    private void wake() {
        woken.set(true);
        LockSupport.unpark(thread);
    }

    private void follow() {
        HostState last = null;
        long stretches = converger.busyStretches();
        CompletableFuture<Void> beat = heartbeat.get();
        long nextTick = System.nanoTime() + every.toNanos();
        while (!closed) {
            woken.set(false);
            long seenStretches = converger.busyStretches();
            HostState now = sample.get();
            if (last != null && now.phase() == last.phase() && now.phase() != HostState.Phase.APPLYING
                    && seenStretches != stretches) {
                HostState between = new HostState(HostState.Phase.APPLYING, now.resources(), 0, 0, 0,
                        true, now.generation());
                tell(last, between);
                last = between;
            }
            stretches = seenStretches;
            if (!now.equals(last)) {
                tell(last, now);
                last = now;
            }
            if (System.nanoTime() - nextTick >= 0) {
                boolean alive = beat.isDone();
                if (alive) {
                    beat = heartbeat.get();
                }
                for (Listener l : listeners) {
                    try {
                        l.tick(alive);
                    } catch (RuntimeException e) {
                        LOG.error("host monitor: a listener failed on a tick", e);
                    }
                }
                nextTick = System.nanoTime() + every.toNanos();
            }
            if (!woken.get()) {
                LockSupport.parkNanos(this, Math.max(0, nextTick - System.nanoTime()));
            }
        }
    }

    private void tell(HostState previous, HostState now) {
        for (Listener l : listeners) {
            try {
                l.changed(previous, now);
            } catch (RuntimeException e) {
                LOG.error("host monitor: a listener failed on {}", now.describe(), e);
            }
        }
    }

    /** Stops the monitor and waits for its thread; no listener is called after this returns. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        converger.onTransition(() -> { });
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            thread.join();
        }
    }
}
