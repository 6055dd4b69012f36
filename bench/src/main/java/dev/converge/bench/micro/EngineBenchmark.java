package dev.converge.bench.micro;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.engine.Engine;
import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.EngineOptions;
import dev.converge.agent.report.OutputMode;
import dev.converge.agent.report.Reporter;
import dev.converge.agent.report.RunSummary;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.resources.ResourceId;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One in-process run of the planned noop DAG through the {@link Engine}, the way {@code agent run
 * --converged-timeout=0} does it: a {@link Converger} with timeout zero, the engine started on the
 * snapshot, and the run over when the converger fires (every resource applied and idle). Each
 * noop checkApply returns at once, so the time per vertex ({@code :vertices}) is the engine's own
 * scheduling overhead: creating the vertex and its virtual-thread worker, waking it, reading its
 * parents, permits, events, converger bookkeeping, waking its children.
 *
 * <p>{@code output=none} gives the engine a listener that drops every event; {@code
 * output=streamed} (or {@code grouped}) gives it what {@code agent run} does, the reporter of that
 * output mode followed by the {@link RunSummary}, with log4j switched to {@code log4j2-micro.xml}
 * ({@link MicroLogging}), which writes the {@code converge} lines in the agent's layout to
 * /dev/null. {@code watch=false} is {@code --no-watch}, as {@code make bench} runs the agent;
 * {@code -p watch=true} adds a watch thread per vertex. Stopping the engine is per-invocation
 * teardown and not timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EngineBenchmark {

    private static final Duration LIMIT = Duration.ofMinutes(2);

    /** Vertices of the generated DAG. */
    @Param({"1000", "10000"})
    public int size;

    /** {@code none}, or an {@link OutputMode} name: who listens to the engine's events. */
    @Param({"none", "streamed"})
    public String output;

    /** Whether every vertex also runs its resource's watch. */
    @Param({"false"})
    public boolean watch;

    private GraphSnapshot graph;
    private URI previousLogConfig;
    private Converger converger;
    private Engine engine;
    private Reporter reporter;

    @Setup(Level.Trial)
    public void plan() {
        if (!output.equals("none")) {
            OutputMode.valueOf(output.toUpperCase(Locale.ROOT)); // a wrong -p output fails here, not mid-run
        }
        graph = MicroGraphs.planned(size);
        previousLogConfig = MicroLogging.discardEngineLines();
    }

    @TearDown(Level.Trial)
    public void restoreLogging() {
        MicroLogging.restore(previousLogConfig);
    }

    /** Start to converged; returns the engine, still running (stopped by {@link #stop}). */
    @Benchmark
    public Engine run(Vertices counter) throws InterruptedException {
        var converged = new CountDownLatch(1);
        converger = new Converger(Duration.ZERO, converged::countDown);
        Consumer<EngineEvent> listener;
        if (output.equals("none")) {
            reporter = null;
            listener = event -> { };
        } else {
            reporter = OutputMode.valueOf(output.toUpperCase(Locale.ROOT)).reporter();
            listener = reporter.andThen(new RunSummary());
        }
        engine = new Engine(new EngineOptions(false, 0, watch), listener, converger);
        engine.start(graph);
        if (!converged.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("not converged within " + LIMIT + ": " + engine.statuses());
        }
        counter.vertices += graph.size();
        return engine;
    }

    /** Checks that every vertex was applied, then stops the engine (untimed). */
    @TearDown(Level.Invocation)
    public void stop() throws InterruptedException {
        if (engine == null) {
            return;
        }
        try {
            Map<ResourceId, Status> statuses = engine.statuses();
            long applied = statuses.values().stream().filter(Status::succeeded).count();
            if (statuses.size() != graph.size() || applied != graph.size()) {
                throw new IllegalStateException(applied + " of " + graph.size() + " vertices applied");
            }
        } finally {
            engine.stop(LIMIT);
            converger.close();
            if (reporter != null) {
                reporter.flush();
            }
            engine = null;
        }
    }
}
