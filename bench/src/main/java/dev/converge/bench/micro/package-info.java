/**
 * JMH micro-benchmarks of the agent's in-process costs, which the whole-process driver
 * ({@code make bench}, {@link dev.converge.bench.BenchMain}) cannot separate from JVM start and
 * exit: loading the YAML ({@link dev.converge.bench.micro.YamlLoadBenchmark}), building and
 * planning the snapshot ({@link dev.converge.bench.micro.PlanBenchmark}), one engine run to
 * converged ({@link dev.converge.bench.micro.EngineBenchmark}) and a live graph swap
 * ({@link dev.converge.bench.micro.GraphSwapBenchmark}), each on the random noop DAG of
 * {@code make bench} with 1,000 and 10,000 vertices ({@link dev.converge.bench.micro.MicroGraphs}).
 *
 * <p>Every benchmark reports its average time per call (per graph) and, as the secondary result
 * {@code :vertices}, per vertex ({@link dev.converge.bench.micro.Vertices}), both in µs. The
 * settings (one fork, 3 warm-up (the loader 5) and 5 measured iterations of 1 s) keep the whole
 * run under three minutes on 2 cores; they trade precision for time, so compare runs made on a
 * quiet machine only.
 *
 * <p>Built into {@code bench/target/benchmarks.jar} by {@code mvn package}; run it with, e.g.,
 * <pre>
 * java -jar bench/target/benchmarks.jar -rf csv -rff jmh.csv            # all of them
 * java -jar bench/target/benchmarks.jar EngineBenchmark -p size=10000 -p output=none,streamed,grouped
 * java -jar bench/target/benchmarks.jar EngineBenchmark -p watch=true -wi 5 -i 10
 * </pre>
 * On JDK 24 and later add {@code --sun-misc-unsafe-memory-access=allow} before {@code -jar} to
 * silence JMH's own {@code sun.misc.Unsafe} warning (the forks inherit the flag).
 */
package dev.converge.bench.micro;
