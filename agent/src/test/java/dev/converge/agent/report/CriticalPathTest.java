package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.engine.Engine;
import dev.converge.agent.engine.EngineOptions;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CriticalPathTest {

    private final FakeKind fake = new FakeKind();

    private static ResourceId id(String name) {
        return ResourceId.of(FakeKind.NAME, name);
    }

    private static List<ResourceId> ids(String... names) {
        return Arrays.stream(names).map(CriticalPathTest::id).toList();
    }

    /** Runs {@code graph} on a real engine until it converges, recording into a summary. */
    private static RunSummary.Snapshot run(GraphSnapshot graph, int parallel) throws InterruptedException {
        var summary = new RunSummary();
        var converged = new CountDownLatch(1);
        try (var converger = new Converger(Duration.ZERO, converged::countDown)) {
            var engine = new Engine(new EngineOptions(false, parallel, false), summary, converger);
            engine.start(graph);
            try {
                assertThat(converged.await(60, TimeUnit.SECONDS)).as("converged").isTrue();
            } finally {
                engine.close();
            }
        }
        return summary.snapshot();
    }

    @Test
    void theCriticalPathOfAKnownGraphIsExactlyTheExpectedChain() throws Exception {
        // Two diamonds in a row and a long independent resource; the slow branch of each diamond
        // is declared second, so declaration order alone cannot give the answer.
        GraphSnapshot g = TestGraphs.of(fake)
                .add("root", FakeParams.sleeping(50))
                .add("fast1", FakeParams.sleeping(20))
                .add("slow1", FakeParams.sleeping(400))
                .add("join1", FakeParams.sleeping(50))
                .add("slow2", FakeParams.sleeping(400))
                .add("fast2", FakeParams.sleeping(20))
                .add("tail", FakeParams.sleeping(100))
                .add("aside", FakeParams.sleeping(300))
                .edges("root->fast1", "root->slow1", "fast1->join1", "slow1->join1",
                        "join1->slow2", "join1->fast2", "slow2->tail", "fast2->tail")
                .build();

        RunSummary.Snapshot recorded = run(g, 0);
        CriticalPath path = CriticalPath.of(g, recorded);

        assertThat(path.ids()).containsExactlyElementsOf(ids("root", "slow1", "join1", "slow2", "tail"));
        assertThat(path.total()).isLessThanOrEqualTo(path.wall());
        assertThat(path.steps().getLast().took()).isEqualTo(recorded.activities().get(id("tail")).busy());
        assertThat(path.render()).startsWith("critical path: fake[root] ").contains(" -> fake[slow1] ")
                .containsPattern("-> fake\\[tail] \\d+\\.\\d\\d s = \\d+\\.\\d\\d s of \\d+\\.\\d\\d s wall$");
    }

    @Test
    void waitsForParentsAndPermitsAreMeasuredFromARealRun() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("parent", FakeParams.sleeping(200))
                .add("child", FakeParams.sleeping(10))
                .add("other", FakeParams.sleeping(200))
                .edges("parent->child")
                .build();

        RunSummary.Snapshot recorded = run(g, 1);

        RunSummary.Activity parent = recorded.activities().get(id("parent"));
        RunSummary.Activity other = recorded.activities().get(id("other"));
        RunSummary.Activity child = recorded.activities().get(id("child"));
        long parentEnd = parent.spans().getFirst().end();
        assertThat(child.ready().toNanos()).as("the child was ready only once its parent was done")
                .isGreaterThanOrEqualTo(parentEnd);
        assertThat(recorded.parentsWait(id("child"), List.of(id("parent"))))
                .as("from when the child was added until its parent's check ended")
                .isEqualTo(Duration.ofNanos(parentEnd).minus(child.added()));
        assertThat(recorded.parentsWait(id("parent"), List.of())).isZero();
        assertThat(List.of(parent.permitWait(), other.permitWait()))
                .as("with --parallel 1 one of the two roots waited for the other's permit")
                .containsOnlyOnce(Duration.ZERO)
                .anySatisfy(d -> assertThat(d).isPositive());
    }

    private static RunSummary.Span span(long startMillis, long endMillis, boolean running) {
        return new RunSummary.Span(startMillis * 1_000_000, endMillis * 1_000_000,
                Duration.ofMillis(endMillis - startMillis), running);
    }

    private static RunSummary.Activity activity(RunSummary.Span... checks) {
        Duration busy = Arrays.stream(checks).map(RunSummary.Span::busy).reduce(Duration.ZERO, Duration::plus);
        return new RunSummary.Activity(checks.length, checks.length, busy, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                List.of(checks));
    }

    @Test
    void aParentsLaterRecheckDoesNotHideItsFirstCheckAndARefreshIsFollowed() {
        GraphSnapshot g = TestGraphs.of(fake).edges("conf->reload", "pkg->conf", "pkg->reload").build();
        var activities = new HashMap<ResourceId, RunSummary.Activity>();
        activities.put(id("pkg"), activity(span(0, 500, false)));
        // conf's first check made reload run; its latest one (an echo of its own write) came later.
        activities.put(id("conf"), activity(span(500, 600, false), span(650, 660, false)));
        activities.put(id("reload"), activity(span(610, 640, false)));

        CriticalPath path = CriticalPath.of(g, new RunSummary.Snapshot(Duration.ofMillis(700), activities));

        assertThat(path.ids()).as("from the echo re-check, which ended last, back to pkg")
                .containsExactlyElementsOf(ids("pkg", "conf"));
        assertThat(path.steps().getLast().took()).isEqualTo(Duration.ofMillis(10));

        // A refresh of reload after conf's second check: the chain follows conf's latest check.
        activities.put(id("reload"), activity(span(610, 640, false), span(670, 900, false)));
        CriticalPath refreshed = CriticalPath.of(g, new RunSummary.Snapshot(Duration.ofMillis(900), activities));
        assertThat(refreshed.ids()).containsExactlyElementsOf(ids("pkg", "conf", "reload"));
        assertThat(refreshed.steps()).extracting(CriticalPath.Step::took)
                .containsExactly(Duration.ofMillis(500), Duration.ofMillis(10), Duration.ofMillis(230));
    }

    @Test
    void aRunningCheckEndsTheChainSoFarAndIsMarked() {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b", "a->c").build();
        var activities = Map.of(
                id("a"), activity(span(0, 200, false)),
                id("b"), activity(span(210, 400, true)),
                id("c"), activity(span(205, 300, false)));

        CriticalPath path = CriticalPath.of(g, new RunSummary.Snapshot(Duration.ofMillis(400), activities));

        assertThat(path.render())
                .isEqualTo("critical path: fake[a] 0.20 s -> fake[b] 0.19 s (running) = 0.39 s of 0.40 s wall");
    }

    @Test
    void nothingCheckedIsNoPath() {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").build();
        CriticalPath path = CriticalPath.of(g, new RunSummary.Snapshot(Duration.ofMillis(5), Map.of()));
        assertThat(path.steps()).isEmpty();
        assertThat(path.render()).isEqualTo("critical path: none");
    }
}
