package dev.converge.bench.micro;

import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.Planner;
import dev.converge.agent.graph.ResourceSpec;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * From loaded declarations to the graph the engine runs, in the two steps {@code agent run}
 * and {@code agent validate} take after parsing: {@link #snapshot} builds the declared
 * {@link GraphSnapshot} from the bound resources and edges (guava network, missing-end and
 * cycle checks, topological order; the last step of every load), and {@link #plan} is
 * {@link Planner#plan} on it (autoedges, then autogroup; for noop resources neither adds
 * anything, so this is the cost of looking).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PlanBenchmark {

    /** Vertices of the generated DAG. */
    @Param({"1000", "10000"})
    public int size;

    private GraphSnapshot declared;
    private List<ResourceSpec> resources;
    private List<EdgeSpec> edges;

    @Setup(Level.Trial)
    public void load() {
        declared = MicroGraphs.load(MicroGraphs.sourceName(size), MicroGraphs.yaml(size)).snapshot();
        resources = List.copyOf(declared.resources().values());
        edges = List.copyOf(declared.edges());
    }

    /** The declared snapshot, from the resources and edges the loader bound. */
    @Benchmark
    public GraphSnapshot snapshot(Vertices counter) throws Exception {
        GraphSnapshot snapshot = GraphSnapshot.of(declared.name(), resources, edges);
        counter.vertices += snapshot.size();
        return snapshot;
    }

    /** The planned snapshot, from the declared one. */
    @Benchmark
    public GraphSnapshot plan(Vertices counter) throws Exception {
        GraphSnapshot planned = Planner.plan(declared);
        counter.vertices += planned.size();
        return planned;
    }
}
