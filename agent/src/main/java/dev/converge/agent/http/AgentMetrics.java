package dev.converge.agent.http;

import dev.converge.agent.converger.HostState;
import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The agent's Prometheus metrics, in a registry of its own: counted from engine events as they
 * happen ({@link #accept}) and read from the agent's state when scraped (the callbacks).
 *
 * <ul>
 *   <li>{@code converge_resources{state}}: resources by state now (pending, waiting, running, ok,
 *       changed, would-change, deferred, failed, skipped);</li>
 *   <li>{@code converge_checkapply_duration_seconds{kind,result}}: each checkApply call, by the
 *       resource's kind and its result (ok, changed, would-change, deferred, error);</li>
 *   <li>{@code converge_applies_total{kind}}, {@code converge_failures_total{kind}}: checks that
 *       changed something, and resources that failed for good;</li>
 *   <li>{@code converge_converged} (1 or 0), {@code converge_graph_generation},
 *       {@code converge_graph_swaps_total}, {@code converge_etcd_reachable} (1 or 0; absent
 *       without etcd), {@code converge_commands_running} (process groups of running commands).</li>
 * </ul>
 *
 * <p>Threads: {@link #accept} on any thread (the library's metrics are thread-safe and lock-free
 * on that path; the agent calls it from its {@code EventRelay}); scrapes on the HTTP server's threads.
 */
public final class AgentMetrics implements Consumer<EngineEvent> {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram checkApply;
    private final Counter applies;
    private final Counter failures;
    /** See {@link #durations}. */
    private final Map<String, DistributionDataPoint[]> byKind = new ConcurrentHashMap<>();
    /** The index of the "error" result in {@link #durations}. */
    private static final int ERROR = Status.values().length;

    /** What the callbacks read when scraped; each must be cheap and thread-safe. */
    public record Sources(Supplier<Map<Status, Integer>> statusCounts, IntSupplier waiting,
            Supplier<HostState> host, IntSupplier swaps, Supplier<Optional<Boolean>> etcdReachable,
            IntSupplier commandsRunning) {}

    public AgentMetrics(Sources sources) {
        // Classic buckets only: a native histogram's exponential buckets cost each observation more.
        checkApply = Histogram.builder().name("converge_checkapply_duration_seconds")
                .help("Duration of each checkApply call, by kind and result").classicOnly()
                .labelNames("kind", "result").register(registry);
        applies = Counter.builder().name("converge_applies_total")
                .help("Checks that changed something, by kind").labelNames("kind").register(registry);
        failures = Counter.builder().name("converge_failures_total")
                .help("Resources that failed after their retries, by kind").labelNames("kind").register(registry);
        GaugeWithCallback.builder().name("converge_resources").help("Resources by state now").labelNames("state")
                .callback(cb -> {
                    Map<Status, Integer> counts = new EnumMap<>(Status.class);
                    counts.putAll(sources.statusCounts().get());
                    int waiting = sources.waiting().getAsInt();
                    for (Status s : Status.values()) {
                        int n = counts.getOrDefault(s, 0);
                        cb.call(s == Status.PENDING ? Math.max(0, n - waiting) : n, name(s));
                    }
                    cb.call(waiting, "waiting");
                }).register(registry);
        GaugeWithCallback.builder().name("converge_converged")
                .help("1 while every resource is applied and idle, else 0")
                .callback(cb -> cb.call(sources.host().get().phase() == HostState.Phase.CONVERGED ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder().name("converge_graph_generation").help("Generation of the graph being run")
                .callback(cb -> cb.call(sources.host().get().generation())).register(registry);
        CounterWithCallback.builder().name("converge_graph_swaps_total")
                .help("Graphs swapped in while running").callback(cb -> cb.call(sources.swaps().getAsInt()))
                .register(registry);
        GaugeWithCallback.builder().name("converge_etcd_reachable").help("1 while etcd answers, 0 while it does not")
                .callback(cb -> sources.etcdReachable().get().ifPresent(up -> cb.call(up ? 1 : 0)))
                .register(registry);
        GaugeWithCallback.builder().name("converge_commands_running")
                .help("Commands running now (each a process group of the agent's)")
                .callback(cb -> cb.call(sources.commandsRunning().getAsInt())).register(registry);
    }

    /** The registry the {@code /metrics} handler exposes. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.Finished f -> {
                durations(f.id().kind())[f.status().ordinal()].observe(f.took().toNanos() / 1e9);
                if (f.status() == Status.CHANGED) {
                    applies.labelValues(f.id().kind()).inc();
                }
            }
            case EngineEvent.Failed f -> {
                durations(f.id().kind())[ERROR].observe(f.took().toNanos() / 1e9);
                if (f.permanent()) {
                    failures.labelValues(f.id().kind()).inc();
                }
            }
            default -> { }
        }
    }

    /**
     * The histogram's data points of {@code kind}, one per result (by status ordinal, then error),
     * looked up once per kind rather than once per event: an event costs one map lookup.
     */
    private DistributionDataPoint[] durations(String kind) {
        return byKind.computeIfAbsent(kind, k -> {
            var points = new DistributionDataPoint[ERROR + 1];
            for (Status s : Status.values()) {
                points[s.ordinal()] = checkApply.labelValues(k, name(s));
            }
            points[ERROR] = checkApply.labelValues(k, "error");
            return points;
        });
    }

    private static String name(Status s) {
        return s.toString().toLowerCase(Locale.ROOT);
    }
}
