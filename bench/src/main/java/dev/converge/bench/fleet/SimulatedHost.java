package dev.converge.bench.fleet;

import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.EtcdStoreException;
import dev.converge.agent.etcd.GraphListener;
import dev.converge.agent.etcd.HostStatus;
import dev.converge.agent.etcd.StoredGraph;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One agent of the fleet, as {@code agent run --etcd} behaves towards etcd (see {@code EtcdRun}):
 *
 * <ol>
 *   <li>attach: publish a first status (this grants the status lease and starts its keep-alive),
 *       then follow the host's graph with {@link EtcdStore#watchGraph} — the agent's own code: a
 *       transaction reading {@code graph/<host>} and {@code graph/_all}, then one watch on each —
 *       or with {@link DirectGraphWatch}, the same calls without a thread per host;</li>
 *   <li>on every graph the watch reports: within the agent's 500 ms status tick a status
 *       "not converged" on the new generation and hash, and once the graph is applied
 *       ({@code convergeTime} later) "converged" — the two writes a swap makes at least;</li>
 *   <li>with a status interval: one more status write per interval, a status that changed (a
 *       resource repaired, say); the agent itself writes only on change, so at rest it writes
 *       nothing and only its keep-alives reach etcd.</li>
 * </ol>
 *
 * <p>The engine, the resources and the YAML parsing are left out: they cost the host, not etcd.
 */
final class SimulatedHost {

    /** The agent looks at its status every 500 ms ({@code EtcdRun.STATUS_EVERY_MILLIS}). */
    static final long STATUS_TICK_MILLIS = 500;

    private final String name;
    private final FleetState fleet;
    private final Follower follower;
    private final StatusPublisher status;
    private final BlockingQueue<StoredGraph> arrivals = new LinkedBlockingQueue<>();
    private volatile Thread thread;
    private volatile AutoCloseable watch;
    // Used by the host's thread only.
    private long generation;
    private String graphHash = "";
    private Instant since = Instant.now();
    private boolean converged;
    private int churn;

    /** How a host follows its graph: {@link EtcdStore#watchGraph}, or {@link DirectGraphWatch}. */
    @FunctionalInterface
    interface Follower {
        AutoCloseable follow(String host, GraphListener listener);
    }

    SimulatedHost(String name, FleetState fleet, Follower follower, StatusPublisher status) {
        this.name = name;
        this.fleet = fleet;
        this.follower = follower;
        this.status = status;
    }

    String name() {
        return name;
    }

    /** Starts the host on a virtual thread of its own. */
    void start() {
        thread = Thread.ofVirtual().name("host-" + name).start(this::run);
    }

    private void run() {
        StoredGraph first;
        try {
            first = attach();
        } catch (InterruptedException e) {
            return;
        }
        if (first == null) {
            return;
        }
        try {
            apply(first);
            long interval = fleet.settings().statusInterval().toNanos();
            long nextChurn = interval > 0
                    ? System.nanoTime() + (long) (ThreadLocalRandom.current().nextDouble() * interval) : Long.MAX_VALUE;
            while (!Thread.currentThread().isInterrupted()) {
                long wait = nextChurn == Long.MAX_VALUE ? Long.MAX_VALUE : nextChurn - System.nanoTime();
                StoredGraph g = wait <= 0 ? arrivals.poll() : arrivals.poll(wait, TimeUnit.NANOSECONDS);
                if (g != null) {
                    apply(g);
                } else if (nextChurn != Long.MAX_VALUE && System.nanoTime() >= nextChurn) {
                    churn++;
                    publish(converged);
                    nextChurn += interval;
                }
            }
        } catch (InterruptedException e) {
            // Stopped.
        }
    }

    /** @return the first graph, or null when none came within the phase timeout */
    private StoredGraph attach() throws InterruptedException {
        fleet.attachPermits().acquire();
        long t0 = System.nanoTime();
        try {
            publish(false);
            watch = follower.follow(name, new GraphListener() {
                @Override
                public void graphChanged(Optional<StoredGraph> graph) {
                    graph.ifPresent(g -> {
                        fleet.arrived(g.modRevision(), System.nanoTime());
                        arrivals.add(g);
                    });
                }

                @Override
                public void unavailable(EtcdStoreException error) {
                    fleet.watchError(name, error);
                }
            });
            StoredGraph first = arrivals.poll(fleet.settings().phaseTimeout().toNanos(), TimeUnit.NANOSECONDS);
            if (first != null) {
                fleet.attached(System.nanoTime() - t0);
            }
            return first;
        } finally {
            fleet.attachPermits().release();
            fleet.attachDone();
        }
    }

    /** A new graph: the swap's two status writes, on the agent's 500 ms tick. */
    private void apply(StoredGraph g) throws InterruptedException {
        generation++;
        graphHash = g.hash();
        Thread.sleep(ThreadLocalRandom.current().nextLong(STATUS_TICK_MILLIS));
        publish(false);
        Thread.sleep(fleet.settings().convergeTime().toMillis());
        publish(true);
        fleet.converged(g.modRevision(), System.nanoTime());
    }

    private void publish(boolean nowConverged) {
        if (nowConverged != converged) {
            since = Instant.now();
            converged = nowConverged;
        }
        int resources = fleet.settings().graphResources();
        Map<String, Integer> counts = nowConverged
                ? Map.of("ok", resources - 1 - (churn & 1), "changed", 1 + (churn & 1))
                : Map.of("ok", 0, "pending", resources - 1, "running", 1);
        HostStatus s = new HostStatus(nowConverged, since, generation, graphHash, counts);
        long t0 = System.nanoTime();
        try {
            status.publish(s);
            fleet.putDone(System.nanoTime() - t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // A write cut short by stopping the host is no failure of etcd's (the agent's store
            // turns the interrupt into an exception and sets the flag again).
            if (!Thread.currentThread().isInterrupted()) {
                fleet.putFailed(name, e);
            }
        }
    }

    /** Stops the host's thread and its watch (the status lease is left to {@link #closeStatus}). */
    void stop() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        AutoCloseable w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                // Closing a watch does not fail.
            }
        }
    }

    /** Revokes the status lease, as a stopping agent does. */
    void closeStatus() {
        status.close();
    }
}
