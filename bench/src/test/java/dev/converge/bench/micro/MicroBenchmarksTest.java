package dev.converge.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.Engine;
import dev.converge.agent.engine.GraphDiff;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.yaml.LoadedGraph;
import dev.converge.bench.DagGenerator;
import dev.converge.resources.ResourceId;
import dev.converge.resources.noop.NoopKind;
import java.net.URI;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs each JMH benchmark's setup, body and teardown once, directly, with the sizes it is run
 * with, and checks that the body did the real work: a benchmark that silently broke (loads
 * nothing, never converges, swaps nothing) fails here rather than reporting a fast time.
 */
class MicroBenchmarksTest {

    private static int edges(int size) {
        return DagGenerator.noopDag(size, MicroGraphs.MAX_FAN_IN).edgeCount();
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000, 10_000})
    void yamlLoadLoadsEveryVertexAndEdge(int size) throws Exception {
        var benchmark = new YamlLoadBenchmark();
        benchmark.size = size;
        benchmark.generate();
        var counter = new Vertices();
        counter.reset();

        LoadedGraph loaded = benchmark.load(counter);

        assertThat(loaded.snapshot().size()).isEqualTo(size);
        assertThat(loaded.snapshot().edges()).hasSize(edges(size));
        assertThat(loaded.diagnostics()).isEmpty();
        assertThat(counter.vertices).isEqualTo(size);
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000, 10_000})
    void snapshotAndPlanBuildTheWholeGraph(int size) throws Exception {
        var benchmark = new PlanBenchmark();
        benchmark.size = size;
        benchmark.load();
        var counter = new Vertices();
        counter.reset();

        GraphSnapshot snapshot = benchmark.snapshot(counter);
        GraphSnapshot planned = benchmark.plan(counter);

        for (GraphSnapshot g : new GraphSnapshot[] {snapshot, planned}) {
            assertThat(g.size()).isEqualTo(size);
            assertThat(g.edges()).hasSize(edges(size));
            assertThat(g.topologicalOrder()).hasSize(size);
        }
        assertThat(counter.vertices).isEqualTo(2L * size);
    }

    @ParameterizedTest
    @CsvSource({"1000, none, false", "10000, none, false", "1000, streamed, false", "10000, streamed, false",
        "1000, grouped, false", "1000, none, true"})
    void engineRunAppliesEveryVertex(int size, String output, boolean watch) throws Exception {
        var benchmark = new EngineBenchmark();
        benchmark.size = size;
        benchmark.output = output;
        benchmark.watch = watch;
        benchmark.plan();
        var counter = new Vertices();
        counter.reset();
        try {
            for (int run = 0; run < 2; run++) {
                Engine engine = benchmark.run(counter);
                assertThat(engine.statuses()).hasSize(size);
                assertThat(engine.statuses().values()).as("a noop is found in its state, never changed")
                        .containsOnly(Status.OK);
                benchmark.stop();
            }
        } finally {
            benchmark.restoreLogging();
        }
        assertThat(counter.vertices).isEqualTo(2L * size);
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000, 10_000})
    void swapChangesAFewVerticesBothWays(int size) throws Exception {
        var benchmark = new GraphSwapBenchmark();
        benchmark.size = size;
        benchmark.changes = 5;
        benchmark.start();
        var counter = new Vertices();
        counter.reset();
        ResourceId added = ResourceId.of(NoopKind.NAME, MicroGraphs.ADDED);
        try {
            GraphDiff there = benchmark.swap(counter);
            benchmark.settle();
            GraphDiff back = benchmark.swap(counter);
            benchmark.settle();

            assertThat(there.generation()).isEqualTo(1);
            assertThat(there.changed()).hasSize(5);
            assertThat(there.added()).containsExactly(added);
            assertThat(there.removed()).hasSize(1);
            assertThat(there.kept()).hasSize(size - 6);
            assertThat(back.generation()).isEqualTo(2);
            assertThat(back.changed()).containsExactlyInAnyOrderElementsOf(there.changed());
            assertThat(back.added()).isEqualTo(there.removed());
            assertThat(back.removed()).containsExactly(added);
            assertThat(back.kept()).hasSize(size - 6);
            assertThat(counter.vertices).isEqualTo(2L * size);
        } finally {
            benchmark.stop();
        }
    }

    @Test
    void duringATrialEngineLinesGoToDevNullNotTheConsole() {
        var logger = (org.apache.logging.log4j.core.Logger) LogManager.getLogger("converge");
        var before = logger.getAppenders().keySet();
        URI previous = MicroLogging.discardEngineLines();
        try {
            assertThat(logger.getAppenders()).containsOnlyKeys("discard");
            assertThat(((FileAppender) logger.getAppenders().get("discard")).getFileName()).isEqualTo("/dev/null");
            assertThat(logger.isAdditive()).isFalse();
        } finally {
            MicroLogging.restore(previous);
        }
        assertThat(logger.getAppenders().keySet()).isEqualTo(before).doesNotContain("discard");
    }
}
