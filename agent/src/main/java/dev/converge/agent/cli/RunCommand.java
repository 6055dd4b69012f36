package dev.converge.agent.cli;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.converger.HostMonitor;
import dev.converge.agent.converger.HostState;
import dev.converge.agent.dot.DotRenderer;
import dev.converge.agent.dot.PlanDrawing;
import dev.converge.agent.report.ConvergenceLog;
import dev.converge.agent.report.CriticalPath;
import dev.converge.agent.report.EventRelay;
import dev.converge.agent.engine.Engine;
import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.EngineOptions;
import dev.converge.agent.engine.GraphDiff;
import dev.converge.agent.etcd.StoredGraph;
import dev.converge.agent.report.LogFormat;
import dev.converge.agent.report.LogLine;
import dev.converge.agent.report.OutputMode;
import dev.converge.agent.report.Reporter;
import dev.converge.agent.report.ResourceTrail;
import dev.converge.agent.report.RunSummary;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.http.AgentMetrics;
import dev.converge.agent.http.HttpAddress;
import dev.converge.agent.http.LiveServer;
import dev.converge.agent.http.LiveStatus;
import dev.converge.agent.systemd.ServiceNotifier;
import dev.converge.agent.yaml.LoadedGraph;
import dev.converge.resources.ResourceId;
import dev.converge.resources.posix.Libc;
import dev.converge.resources.process.LiveGroups;
import dev.converge.resources.watch.WrittenFileWatch;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code agent run}: applies a graph, keeps it converged, and exits when told to. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Apply a graph concurrently and keep it converged.",
        footer = {"", "Exit status: 0 converged, 1 some resource failed, 2 invalid graph (nothing applied),",
            "130 after SIGINT, 143 after SIGTERM (a second one kills running commands at once).",
            "SIGHUP reloads the graph; SIGUSR1 logs the summary so far (and rewrites the --graphviz file)."})
final class RunCommand implements Callable<Integer> {

    /** Taken when the command runs, not when picocli creates it: logging may still be starting then (see Main). */
    private static final class Log {
        static final Logger LOG = LogManager.getLogger("converge");
    }
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    /**
     * After a second SIGTERM or SIGINT: the longest wait for the killed process groups to be
     * gone, then for the run to end before the JVM is halted.
     */
    private static final Duration KILL_WAIT = Duration.ofSeconds(15);

    /** With {@code --detailed-exitcodes}: the graph is invalid or the command line is wrong. */
    static final int DETAILED_INVALID = 1;
    /** With {@code --detailed-exitcodes}: something changed, or in a dry run would; added to {@link #DETAILED_FAILURES}. */
    static final int DETAILED_CHANGES = 2;
    /** With {@code --detailed-exitcodes}: something failed, was skipped or did not finish. */
    static final int DETAILED_FAILURES = 4;

    @Mixin
    GraphFile graph;

    @Mixin
    EtcdOptions etcd;

    @Option(names = "--converged-timeout", paramLabel = "SECONDS", defaultValue = "-1",
            description = "Exit once every resource has been converged for this long; 0 exits as soon as all is "
                    + "applied and idle; -1 (default) runs until stopped.")
    long convergedTimeout;

    @Option(names = "--graphviz", paramLabel = "PATH",
            description = "Write the plan as DOT here at start; rewrite it coloured by status on SIGUSR1, each time "
                    + "the host becomes converged, and at exit.")
    Path graphviz;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "0",
            description = "At most N checkApply calls at once across the graph; 0 (default) is unbounded.")
    int parallel;

    @Option(names = "--noop", description = "Check everything, change nothing; report what would change. "
            + "Without --converged-timeout: one pass, then exit (nothing is watched).")
    boolean noop;

    @Option(names = "--detailed-exitcodes", description = {"Exit 0 when nothing changed (or, with --noop, would), "
            + "2 when something changed (or would), 4 when something failed, 6 when both; 1 for an invalid graph or "
            + "a usage error; 130/143 after SIGINT/SIGTERM.",
            "Without it: 0 when every resource is right, 1 when one failed, 2 for an invalid graph or a usage error."})
    boolean detailedExitcodes;

    @Option(names = "--no-watch", description = "Apply once without watching for drift.")
    boolean noWatch;

    @Option(names = "--output", paramLabel = "MODE", defaultValue = "streamed",
            description = "streamed (default): each line as it happens; grouped: each resource's lines together, "
                    + "when its check ends.")
    OutputMode output;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default), or json: every line on stderr is one JSON object.")
    LogFormat logFormat;

    @Option(names = "--fail-fast", description = "After the first failure start nothing new, let running checks "
            + "finish, and exit 1.")
    boolean failFast;

    @Option(names = "--diff", description = "Log a unified diff of every file content change, in noop and real "
            + "runs: each line as `file[x] | line` after the change's line; in json, the diff field of that line. "
            + "Files with sensitive: true show `content changed (sensitive)` instead.")
    boolean diff;

    @Option(names = "--http", paramLabel = "[ADDR:]PORT",
            description = "Serve the live plan page (/), its JSON (/api/status) and Prometheus metrics (/metrics) "
                    + "on exactly this address; a port alone means 127.0.0.1. Off by default.")
    String http;

    @Spec
    CommandSpec spec;

    /** The etcd side of the run, once started; null without {@code --etcd}. Read by metrics scrapes. */
    private volatile EtcdRun etcdRun;

    /** {@link #http}, bound before anything is applied; null without it. */
    private LiveServer page;

    @Override
    public Integer call() throws Exception {
        if (parallel < 0) {
            throw new ParameterException(spec.commandLine(), "--parallel must be >= 0, got " + parallel);
        }
        if (convergedTimeout < -1) {
            throw new ParameterException(spec.commandLine(), "--converged-timeout must be >= -1, got " + convergedTimeout);
        }
        if (graph.file == null && !etcd.enabled()) {
            throw new ParameterException(spec.commandLine(), "give the graph with --file=PATH or --etcd=URL");
        }
        if (etcd.enabled()) {
            try {
                etcd.settings();
                etcd.hostname();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (http != null) {
            try {
                page = LiveServer.bind(HttpAddress.parse(http));
            } catch (IllegalArgumentException | IOException e) {
                throw new ParameterException(spec.commandLine(), "--http " + http + ": " + e.getMessage());
            }
        }
        logFormat.apply();
        if (noop && convergedTimeout < 0) {
            // A dry run checks each resource once and exits: watching a host one promised not to
            // touch is not what a dry run means.
            convergedTimeout = 0;
            noWatch = true;
        }
        if (graph.file == null) {
            return run(new LoadedGraph(GraphSnapshot.of(etcd.hostname(), List.of(), List.of()), List.of(), Map.of()),
                    null);
        }
        long loadStart = System.nanoTime();
        var loaded = graph.load(logFormat.lines(spec.commandLine().getErr()));
        if (loaded.isEmpty()) {
            return detailedExitcodes ? DETAILED_INVALID : Main.INVALID;
        }
        return run(loaded.get(), Duration.ofNanos(System.nanoTime() - loadStart));
    }

    /** With {@code --etcd}: follows the graph in etcd (without {@code --file}) and publishes status. */
    private EtcdRun startEtcd(Engine engine, Converger converger, RunSummary summary, Reloads reloads)
            throws Exception {
        String hash = graph.file == null ? "" : StoredGraph.hashOf(Files.readString(graph.file));
        var run = new EtcdRun(etcd.settings(), etcd.hostname(), engine, converger, summary, hash);
        if (graph.file == null) {
            converger.register(List.of(run.source()));
            run.followGraph();
            reloads.onHangup(() -> {
                Log.LOG.info("SIGHUP received: reloading {} from etcd", run.source().name());
                run.reload();
            });
        }
        run.publishStatus(engine::statuses);
        etcdRun = run;
        return run;
    }

    /**
     * Runs the graph until converged (with {@code --converged-timeout}), failed fast or stopped by
     * SIGTERM or SIGINT. A second SIGTERM or SIGINT kills every running command's process group
     * at once ({@link #stopNow}); SIGHUP reloads the graph from its source.
     *
     * @param loadTime how long reading, validating and planning the --file graph took; null without one
     */
    private int run(LoadedGraph loaded, Duration loadTime) throws Exception {
        var finished = new CountDownLatch(1);
        try {
            return run(loaded, loadTime, finished);
        } finally {
            finished.countDown();
        }
    }

    private int run(LoadedGraph loaded, Duration loadTime, CountDownLatch finished) throws Exception {
        GraphSnapshot snapshot = loaded.snapshot();
        writePlan(() -> PlanDrawing.plan(snapshot));

        var done = new CountDownLatch(1);
        var signal = new AtomicReference<String>();
        for (String name : new String[] {"INT", "TERM"}) {
            handle(name, s -> {
                if (signal.compareAndSet(null, s.getName())) {
                    done.countDown();
                } else {
                    stopNow(s, finished);
                }
            });
        }
        var reloads = new Reloads();
        handle("HUP", s -> reloads.hangup());

        var summary = new RunSummary();
        Reporter reporter = output.reporter();
        Consumer<EngineEvent> listener = reporter.andThen(summary);
        Duration timeout = convergedTimeout < 0 ? Duration.ofSeconds(-1) : Duration.ofSeconds(convergedTimeout);
        Log.LOG.info("running {} from {} ({} resources, {} edges{}){}{}", snapshot.name(),
                graph.file != null ? graph.file : "etcd (" + String.join(",", etcd.settings().endpoints().stream()
                        .map(Object::toString).toList()) + ")", snapshot.size(),
                snapshot.edges().size(), loadTime == null ? "" : ", loaded and planned in " + RunSummary.seconds(loadTime),
                noop ? ", noop" : "",
                noop && noWatch && convergedTimeout == 0 ? ", one pass"
                        : convergedTimeout < 0 ? "" : ", exit after " + convergedTimeout + " s converged");
        Map<ResourceId, Status> statuses;
        GraphSnapshot last;
        LoadedGraph lastLoaded;
        var engineRef = new AtomicReference<Engine>();
        var convergerRef = new AtomicReference<Converger>();
        var trail = page == null ? null : new ResourceTrail();
        var metrics = page == null ? null : new AgentMetrics(new AgentMetrics.Sources(
                () -> RunSummary.counts(engineRef.get().statuses()),
                () -> waiting(engineRef.get(), trail), () -> hostState(engineRef.get(), convergerRef.get()),
                () -> engineRef.get().generation(),
                () -> Optional.ofNullable(etcdRun).map(EtcdRun::reachable), () -> LiveGroups.agent().size()));
        try (var converger = new Converger(timeout, () -> {
                Log.LOG.info("converged for {} s", convergedTimeout);
                done.countDown();
            });
            var notifier = ServiceNotifier.fromEnvironment(System.getenv()).orElse(null);
            // The page's trail and metrics are kept off the engine's threads, and brought up to
            // date once a second or when the page or a scrape reads them.
            var relay = page == null ? null : new EventRelay(trail.andThen(metrics), Duration.ofSeconds(1))) {
            convergerRef.set(converger);
            var service = new ArrayList<HostMonitor.Listener>();
            if (convergedTimeout < 0) {
                var convergence = new ConvergenceLog(converger);
                listener = listener.andThen(convergence);
                service.add(convergence);
            }
            if (notifier != null) {
                service.add(notifier);
                reloads.announcedBy(notifier::reloading, notifier::reloaded);
            }
            if (relay != null) {
                listener = listener.andThen(relay);
            }
            var engine = new Engine(new EngineOptions(noop, parallel, !noWatch, failFast, diff), listener, converger);
            engineRef.set(engine);
            engine.failedFast().thenRun(done::countDown);
            if (graphviz != null) {
                service.add(new HostMonitor.Listener() {
                    @Override
                    public void changed(HostState previous, HostState now) {
                        if (now.phase() == HostState.Phase.CONVERGED) {
                            writeCurrentPlan(engine, summary);
                        }
                    }
                });
            }
            // SIGUSR1: the summary so far; the run goes on.
            handle("USR1", s -> {
                Log.LOG.info("SIGUSR1 received: the run so far, still running");
                logReport(engine.snapshot(), summary.outcome(engine.statuses()), summary.snapshot());
                writeCurrentPlan(engine, summary);
            });
            var current = new AtomicReference<>(loaded);
            // Watching before the engine starts: an edit made while it starts is held, then loaded.
            try (var edits = noWatch || graph.file == null ? null
                    : new WrittenFileWatch(graph.file, () -> reloads.run(() -> reload(engine, current, false)))) {
                engine.start(snapshot);
                if (graph.file != null) {
                    reloads.onHangup(() -> {
                        Log.LOG.info("SIGHUP received: reloading {}", graph.file);
                        reload(engine, current, true);
                    });
                }
                try (var following = etcd.enabled() ? startEtcd(engine, converger, summary, reloads) : null;
                        var monitor = service.isEmpty() ? null : hostMonitor(engine, converger, notifier, service);
                        var served = page == null ? null : serve(engine, converger, summary, trail, metrics, relay)) {
                    reloads.start();
                    done.await();
                    if (notifier != null) {
                        notifier.stopping();
                    }
                    reloads.stop();
                }
            }
            lastLoaded = current.get();
            last = engine.snapshot();
            if (signal.get() != null) {
                Log.LOG.warn("SIG{} received: stopping", signal.get());
            }
            if (!engine.stop(STOP_GRACE)) {
                Log.LOG.error("some resources did not stop within {} s", STOP_GRACE.toSeconds());
            }
            reporter.flush();
            statuses = summary.outcome(engine.statuses());
        }
        RunSummary.Snapshot recorded = summary.snapshot();
        writePlan(() -> PlanDrawing.result(last, statuses, recorded.durations(), CriticalPath.of(last, recorded).ids()));
        logReport(last, statuses, recorded);
        logMerged(lastLoaded);
        String totals = summary.render(statuses);
        LogLine.agent(Level.INFO, "summary", totals, summary.wall(), "summary" + (noop ? " (noop)" : "") + ": " + totals)
                .log(Log.LOG);

        if (signal.get() != null) {
            return signal.get().equals("INT") ? 130 : 143;
        }
        return exitStatus(statuses.values(), detailedExitcodes);
    }

    /** The host's state now, as the service's lines, systemd and the page see it. */
    private HostState hostState(Engine engine, Converger converger) {
        return HostState.of(engine.statuses().values(), converger.isIdle(), engine.generation() + (graph.file == null ? 0 : 1));
    }

    /** Resources waiting for a permit now. */
    private static int waiting(Engine engine, ResourceTrail trail) {
        int n = 0;
        for (var e : engine.statuses().entrySet()) {
            if (e.getValue() == Status.PENDING && trail.waitingFor(e.getKey()).isPresent()) {
                n++;
            }
        }
        return n;
    }

    /** Serves {@code --http} on the address bound at start. */
    private LiveServer serve(Engine engine, Converger converger, RunSummary summary, ResourceTrail trail,
            AgentMetrics metrics, EventRelay relay) {
        page.serve(() -> LiveStatus.of(engine.snapshot(), engine.statuses(), hostState(engine, converger), summary, trail),
                engine::snapshot, spec -> LiveStatus.detail(spec, trail), metrics, relay::catchUp);
        InetSocketAddress bound = page.address();
        Log.LOG.info("live plan at http://{}:{}/ (status /api/status, metrics /metrics)",
                bound.getAddress() instanceof Inet6Address ? "[" + bound.getHostString() + "]" : bound.getHostString(),
                bound.getPort());
        return page;
    }

    /** Writes the current state of the run to {@code --graphviz}, coloured by status (SIGUSR1, converged). */
    private void writeCurrentPlan(Engine engine, RunSummary summary) {
        GraphSnapshot now = engine.snapshot();
        writePlan(() -> {
            RunSummary.Snapshot recorded = summary.snapshot();
            return PlanDrawing.result(now, summary.outcome(engine.statuses()), recorded.durations(),
                    CriticalPath.of(now, recorded).ids());
        });
    }

    /**
     * Starts following the host for the service's listeners: the lines of {@link ConvergenceLog},
     * systemd's notifications. Call once the engine runs its first graph (and, following etcd,
     * once the graph source is registered), so the first sample is of that graph.
     */
    private HostMonitor hostMonitor(Engine engine, Converger converger, ServiceNotifier notifier,
            List<HostMonitor.Listener> listeners) {
        var monitor = new HostMonitor(converger, () -> hostState(engine, converger), engine::heartbeat, notifier == null ? Duration.ofSeconds(1) : notifier.tickEvery(), listeners);
        monitor.start();
        return monitor;
    }

    /**
     * The exit status of a run that ended with {@code statuses}: 0 or 1, or with
     * {@code detailed} Puppet's detailed exit codes, 2 for changes (or changes a dry run found)
     * plus 4 for failures (a failed, skipped or unfinished resource).
     */
    static int exitStatus(Collection<Status> statuses, boolean detailed) {
        boolean failed = statuses.stream().anyMatch(s -> !s.succeeded());
        if (!detailed) {
            return failed ? Main.FAILED : Main.OK;
        }
        boolean changed = statuses.stream().anyMatch(Status::changes);
        return (changed ? DETAILED_CHANGES : 0) + (failed ? DETAILED_FAILURES : 0);
    }

    /**
     * Handles the signal named {@code name} with {@code handler}, also when the agent was started
     * with it ignored ({@code nohup}, a background job of a script), as mgmt does: the JVM leaves an
     * inherited ignore in place, so it is undone first. Called from the main thread.
     */
    private static void handle(String name, SignalHandler handler) {
        var signal = new Signal(name);
        if (Signal.handle(signal, handler) == SignalHandler.SIG_IGN) {
            Libc.restoreDefaultAction(signal.getNumber());
            Signal.handle(signal, handler);
        }
    }

    /**
     * The second SIGTERM or SIGINT, on its JVM signal thread: SIGKILL to every running command,
     * its descendants and its process group now (the main thread is stopping the engine, whose
     * workers then see their groups gone), and to any command starting after. Then waits for the
     * groups to be gone and for the run to end, its summary logged; only a run still not ended
     * after that is cut short with {@link Runtime#halt}.
     */
    private static void stopNow(Signal s, CountDownLatch finished) {
        int killed = LiveGroups.agent().killAll();
        Log.LOG.warn("SIG{} received again: SIGKILL sent to {} running command(s) and their process groups",
                s.getName(), killed);
        try {
            if (!LiveGroups.agent().awaitNone(KILL_WAIT)) {
                Log.LOG.error("processes of {} command(s) still alive {} s after SIGKILL",
                        LiveGroups.agent().size(), KILL_WAIT.toSeconds());
            }
            if (!finished.await(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                Log.LOG.error("the run did not end within {} s of SIG{}; halting", KILL_WAIT.toSeconds(), s.getName());
                LogManager.shutdown();
                Runtime.getRuntime().halt(128 + s.getNumber());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Loads the graph file and swaps it in by diff. An invalid or unreadable file is reported
     * and the running graph stays; an unchanged one is ignored unless {@code logUnchanged}.
     */
    private void reload(Engine engine, AtomicReference<LoadedGraph> current, boolean logUnchanged) {
        try {
            if (Files.readString(graph.file).isBlank()) {
                // Closed empty, or emptied by a SIGHUP caught between an editor's truncate and write.
                Log.LOG.warn("{}: graph file is empty; still running generation {}", graph.file, engine.generation());
                return;
            }
        } catch (IOException e) {
            Log.LOG.warn("{}: cannot read ({}); still running generation {}", graph.file, e.getMessage(),
                    engine.generation());
            return;
        }
        var next = graph.load(logFormat.lines(spec.commandLine().getErr()));
        if (next.isEmpty()) {
            Log.LOG.error("{}: new graph rejected; still running generation {}", graph.file, engine.generation());
            return;
        }
        try {
            GraphDiff diff = engine.swap(next.get().snapshot());
            current.set(next.get());
            if (!logUnchanged && diff.added().isEmpty() && diff.changed().isEmpty() && diff.removed().isEmpty()) {
                return;
            }
            Log.LOG.info("{}: graph swapped, {}", graph.file, diff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The summary table, critical path and totals, one log line each (event {@code report} in JSON). */
    private static void logReport(GraphSnapshot graph, Map<ResourceId, Status> statuses, RunSummary.Snapshot recorded) {
        RunSummary.report(graph, statuses, recorded)
                .forEach(line -> LogLine.agent(Level.INFO, "report", null, null, line).log(Log.LOG));
    }

    /** Says which resources were declared more than once, identically, and so applied once. */
    private static void logMerged(LoadedGraph loaded) {
        loaded.merged().forEach((id, extra) -> LogLine.agent(Level.INFO, "report", null, null,
                "merged: " + id + " was declared " + (extra + 1) + " times identically and applied once").log(Log.LOG));
    }

    /** Writes the drawing to {@code --graphviz}; without that option the drawing is not even made. */
    private void writePlan(Supplier<String> dot) {
        if (graphviz == null) {
            return;
        }
        try {
            DotRenderer.writeDot(dot.get(), graphviz);
        } catch (IOException e) {
            Log.LOG.warn("cannot write the plan to {}: {}", graphviz, e.getMessage());
        }
    }
}
