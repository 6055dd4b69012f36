package dev.converge.bench.micro;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.engine.Engine;
import dev.converge.agent.engine.EngineOptions;
import dev.converge.agent.engine.GraphDiff;
import dev.converge.agent.graph.GraphSnapshot;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * Live graph swap: {@link Engine#swap} on an engine that runs the planned noop DAG and has
 * converged, alternately to an edited copy ({@link MicroGraphs#edited}: {@code changes} resources
 * changed, one added, one removed) and back. A swap computes the {@link GraphDiff} (a lookup
 * and a declaration comparison per resource), stops the changed and removed vertices, rewires
 * every vertex's parents and children, and starts the new ones; it returns before they run.
 * Between swaps the new vertices are left to settle (untimed), so every swap starts from a
 * converged engine, as after a real edit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GraphSwapBenchmark {

    private static final Duration LIMIT = Duration.ofMinutes(1);

    /** Vertices of the generated DAG. */
    @Param({"1000", "10000"})
    public int size;

    /** Resources whose declaration the edit changes. */
    @Param({"5"})
    public int changes;

    private GraphSnapshot base;
    private GraphSnapshot edited;
    private boolean runningEdited;
    private Converger converger;
    private Engine engine;

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
        base = MicroGraphs.planned(size);
        edited = MicroGraphs.edited(base, changes);
        converger = new Converger(Duration.ofSeconds(-1), () -> { });
        engine = new Engine(new EngineOptions(false, 0, false), event -> { }, converger);
        engine.start(base);
        runningEdited = false;
        MicroGraphs.awaitIdle(converger, LIMIT);
    }

    /** One swap, to the edited graph or back to the base one. */
    @Benchmark
    public GraphDiff swap(Vertices counter) throws InterruptedException {
        GraphSnapshot next = runningEdited ? base : edited;
        GraphDiff diff = engine.swap(next);
        runningEdited = !runningEdited;
        counter.vertices += next.size();
        return diff;
    }

    /** Lets the started vertices run and settle (untimed). */
    @TearDown(Level.Invocation)
    public void settle() throws InterruptedException {
        MicroGraphs.awaitIdle(converger, LIMIT);
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        engine.stop(LIMIT);
        converger.close();
    }
}
