package dev.converge.bench.micro;

import dev.converge.agent.yaml.GraphLoader;
import dev.converge.agent.yaml.LoadedGraph;
import dev.converge.resources.Kinds;
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
 * The loader: {@link GraphLoader#parse} of the converge YAML of a random noop DAG (the text is
 * made once per trial, so reading the file is not counted). Covers the YAML tree, binding every
 * resource's fields onto its parameter record, validation, and building the declared
 * {@code GraphSnapshot} (edges checked, cycles looked for, topological order).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
// The loader's code paths (Jackson's YAML parser, the binder) take longer to compile than the others.
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class YamlLoadBenchmark {

    /** Vertices of the generated DAG. */
    @Param({"1000", "10000"})
    public int size;

    private String sourceName;
    private String yaml;
    private GraphLoader loader;

    @Setup(Level.Trial)
    public void generate() {
        sourceName = MicroGraphs.sourceName(size);
        yaml = MicroGraphs.yaml(size);
        loader = new GraphLoader(Kinds.builtIn());
    }

    /** One load of the whole file. */
    @Benchmark
    public LoadedGraph load(Vertices counter) throws Exception {
        LoadedGraph loaded = loader.parse(sourceName, yaml);
        counter.vertices += loaded.snapshot().size();
        return loaded;
    }
}
