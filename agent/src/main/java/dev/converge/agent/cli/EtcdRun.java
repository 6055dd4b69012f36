package dev.converge.agent.cli;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.engine.Engine;
import dev.converge.agent.engine.GraphDiff;
import dev.converge.agent.report.RunSummary;
import dev.converge.agent.engine.Status;
import dev.converge.agent.etcd.EtcdSettings;
import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.EtcdStoreException;
import dev.converge.agent.etcd.EtcdUnavailableException;
import dev.converge.agent.etcd.GraphListener;
import dev.converge.agent.etcd.HostStatus;
import dev.converge.agent.etcd.Reachability;
import dev.converge.agent.etcd.StoredGraph;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.agent.graph.Planner;
import dev.converge.agent.yaml.GraphLoader;
import dev.converge.resources.Kinds;
import dev.converge.resources.ResourceId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The etcd side of {@code agent run}: it follows this host's graph key (when etcd is the graph
 * source) and swaps each new graph into the engine, and it publishes the host's status on a
 * lease. Closing it stops both and revokes the lease, so the status goes.
 *
 * <p>The watch's thread and a JVM signal thread ({@link #reload}, on SIGHUP) swap graphs in, one
 * at a time.
 *
 * <p>Until the first valid graph arrives, a pseudo-resource {@code graph[<key>]} is busy in the
 * converger, so {@code --converged-timeout} cannot fire on the empty start-up graph, nor while no
 * graph is deployed at all.
 *
 * <p>etcd being unreachable is logged by one {@link Reachability} for the watch and the status
 * publisher together: one warning when an outage begins, one line when it ends.
 */
final class EtcdRun implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger("converge");
    /** How often the status is looked at; it is written only when it changed. */
    private static final long STATUS_EVERY_MILLIS = 500;

    private final Reachability reachability;
    private final EtcdStore store;
    private final String host;
    private final Engine engine;
    private final Converger converger;
    private final RunSummary summary;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etcd status");
        t.setDaemon(true);
        return t;
    });
    private final ResourceId source;
    /** Held while a graph is swapped in; not the monitor of {@link #publish}, which must not wait for a swap. */
    private final Object swapping = new Object();
    private volatile String graphHash;
    private volatile boolean followsGraph;
    private AutoCloseable watch;
    /** Set by {@link #close}: a publish it interrupts is not a failure to report. */
    private volatile boolean closing;
    /** Guarded by {@link #swapping}: a graph from etcd has been swapped in. */
    private boolean graphArrived;
    /** Watch thread only: the last refusal of the watch that was logged, so a repeated one is not. */
    private String watchRefused;
    private HostStatus published;
    /** Whether etcd refused the last status (permission denied, ...); logged once, and its end. */
    private boolean publishRefused;

    /**
     * Connects to etcd (the first call does: this does not wait for it).
     *
     * @param graphHash the hash of the graph being run (of the file's text with {@code --file});
     *                  replaced by each graph that arrives from etcd
     * @throws EtcdStoreException when the TLS files cannot be read
     */
    EtcdRun(EtcdSettings settings, String host, Engine engine, Converger converger, RunSummary summary,
            String graphHash) throws EtcdStoreException {
        this.host = host;
        this.engine = engine;
        this.converger = converger;
        this.summary = summary;
        this.graphHash = graphHash;
        this.reachability = new Reachability(settings.endpoints(), this::generation);
        this.store = EtcdStore.connect(settings, reachability);
        this.source = ResourceId.of("graph", store.graphKey(host));
    }

    /** Whether etcd answered the agent's last call (see {@link Reachability#reachable}); any thread. */
    boolean reachable() {
        return reachability.reachable();
    }

    /** The generation the agent runs as published and logged: 1 for the first graph, 0 before any. */
    private long generation() {
        return engine.generation() + (followsGraph ? 0 : 1);
    }

    /** The pseudo-resource that is busy until the first graph from etcd is running. */
    ResourceId source() {
        return source;
    }

    /** Follows this host's graph in etcd; call after the engine started (with an empty graph). */
    void followGraph() {
        followsGraph = true;
        LOG.info("following {} (or {}) in etcd", store.graphKey(host), store.allGraphKey());
        watch = store.watchGraph(host, new GraphListener() {
            @Override
            public void graphChanged(Optional<StoredGraph> graph) {
                watchRefused = null;
                swapIn(graph);
            }

            @Override
            public void unavailable(EtcdStoreException error) {
                // An unreachable etcd is told by the reachability, once per outage.
                if (!(error instanceof EtcdUnavailableException) && !error.getMessage().equals(watchRefused)) {
                    watchRefused = error.getMessage();
                    LOG.warn("{}; still running generation {}, retrying", error.getMessage(), generation());
                }
            }
        });
    }

    /**
     * Reads this host's graph from etcd now and swaps it in (SIGHUP). When etcd cannot answer,
     * that is logged and the running graph stays.
     */
    void reload() {
        try {
            swapIn(store.graphFor(host));
        } catch (EtcdStoreException e) {
            LOG.warn("{}: cannot read from etcd ({}); still running generation {}", store.graphKey(host),
                    e.getMessage(), generation());
        }
    }

    /** Swaps in a graph from the watch or from {@link #reload}, one at a time. */
    private void swapIn(Optional<StoredGraph> stored) {
        synchronized (swapping) {
            swapInLocked(stored);
        }
    }

    private void swapInLocked(Optional<StoredGraph> stored) {
        try {
            GraphSnapshot next;
            String hash;
            if (stored.isEmpty() && !graphArrived) {
                LOG.info("no graph deployed at {} or {} yet; waiting for one", store.graphKey(host),
                        store.allGraphKey());
                return;
            }
            if (stored.isEmpty()) {
                LOG.warn("no graph deployed at {} or {}; managing nothing", store.graphKey(host), store.allGraphKey());
                next = GraphSnapshot.of(host, List.of(), List.of());
                hash = "";
            } else {
                StoredGraph g = stored.get();
                var loaded = new GraphLoader(Kinds.builtIn()).parse(g.key(), g.yaml());
                loaded.diagnostics().forEach(d -> LOG.warn("{}", d));
                next = Planner.plan(loaded.snapshot());
                hash = g.hash();
            }
            GraphDiff diff = engine.swap(next);
            graphArrived = true;
            graphHash = hash;
            LOG.info("{}: graph swapped, {}", stored.map(StoredGraph::key).orElse("etcd"), diff);
            converger.unregister(source);
        } catch (InvalidGraphException e) {
            e.diagnostics().forEach(d -> LOG.error("{}", d));
            LOG.error("{}: new graph rejected; still running generation {}",
                    stored.map(StoredGraph::key).orElse("etcd"), generation());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Publishes this host's status now and whenever it changes. */
    void publishStatus(Supplier<Map<ResourceId, Status>> statuses) {
        timer.scheduleWithFixedDelay(() -> publish(statuses.get()), 0, STATUS_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** On the status timer's thread only (synchronized all the same: {@link #published} is its state). */
    private synchronized void publish(Map<ResourceId, Status> statuses) {
        Map<ResourceId, Status> outcome = summary.outcome(statuses);
        var counts = new TreeMap<String, Integer>();
        outcome.values().forEach(s -> counts.merge(s.toString().toLowerCase(Locale.ROOT), 1, Integer::sum));
        List<HostStatus.ResourceProblem> problems = problems(outcome);
        boolean converged = converger.isIdle()
                && statuses.values().stream().allMatch(Status::succeeded);
        long generation = generation();
        HostStatus last = published;
        var status = new HostStatus(converged,
                last != null && last.converged() == converged ? last.since() : Instant.now(),
                generation, graphHash, counts, problems, 0);
        if (status.equals(last)) {
            return;
        }
        try {
            store.putStatus(host, status);
            published = status;
            if (publishRefused) {
                publishRefused = false;
                LOG.info("status published to etcd again");
            }
        } catch (EtcdStoreException e) {
            // Closing interrupts a publish under way; an unreachable etcd is the reachability's to tell.
            if (!closing && !(e instanceof EtcdUnavailableException) && !publishRefused) {
                publishRefused = true;
                LOG.warn("cannot publish status to etcd, retrying every {} ms: {}", STATUS_EVERY_MILLIS, e.getMessage());
            }
        }
    }

    /**
     * The failed resources, then the skipped ones, each in the engine's order (declaration
     * order), with the summary's record of why; {@link HostStatus} keeps the first
     * {@link HostStatus#MAX_PROBLEMS} and counts the rest. The engine sets a status just before
     * it sends the event that says why, so a message may be empty for one round; the next round
     * sees it and publishes again.
     */
    private List<HostStatus.ResourceProblem> problems(Map<ResourceId, Status> outcome) {
        var problems = new ArrayList<HostStatus.ResourceProblem>();
        for (Status wanted : List.of(Status.FAILED, Status.SKIPPED)) {
            outcome.forEach((id, s) -> {
                if (s == wanted) {
                    problems.add(new HostStatus.ResourceProblem(id.toString(), s.name().toLowerCase(Locale.ROOT),
                            summary.problem(id).orElse("")));
                }
            });
        }
        return problems;
    }

    @Override
    public void close() throws Exception {
        closing = true;
        timer.shutdownNow();
        if (watch != null) {
            watch.close();
        }
        store.close();
    }
}
