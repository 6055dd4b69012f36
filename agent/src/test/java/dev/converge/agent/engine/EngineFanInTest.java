package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A child of several parents that change at once runs exactly once, after all of them, with or
 * without notify edges: the interleaving that used to run it twice is forced with latches, and a
 * stress test runs fan-ins whose parents finish together a thousand times.
 */
class EngineFanInTest {

    private static final FakeParams UNCHANGING = new FakeParams(0, 0, false, "", List.of(), List.of());
    private static final ResourceId B = ResourceId.of(FakeKind.NAME, "b");
    private static final ResourceId CHILD = ResourceId.of(FakeKind.NAME, "child");

    /**
     * Parent b publishes its status and is held before it wakes anyone; parent a settles only
     * then, and wakes the child, which sees both parents done. Whatever b owes the child must
     * already be recorded, or the child runs now and again once b is released.
     */
    private static CallLog forceChildBetweenParentSettlements(boolean notify) throws Exception {
        var fake = new FakeKind();
        var bFinished = new CountDownLatch(1);
        var childStarted = new CountDownLatch(1);
        fake.onCheck("a", ctx -> bFinished.await());
        Consumer<EngineEvent> holdB = e -> {
            if (e instanceof EngineEvent.Finished f && f.id().equals(B)) {
                bFinished.countDown();
                awaitUninterruptibly(childStarted);
            } else if (e instanceof EngineEvent.Started s && s.id().equals(CHILD)) {
                childStarted.countDown();
            }
        };
        TestGraphs graph = TestGraphs.of(fake).add("child", UNCHANGING);
        GraphSnapshot g = (notify ? graph.notifies("a->child", "b->child") : graph.edges("a->child", "b->child"))
                .build();

        new EngineHarness(new EngineOptions(false, 0, false), holdB).runToConvergence(g);

        assertThat(childStarted.getCount()).as("the child started while b was held: the interleaving was forced")
                .isZero();
        return fake.log();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the child never started while b was held");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aChildWokenByOneParentWhileAnotherSettlesRefreshesOnceForBoth() throws Exception {
        CallLog log = forceChildBetweenParentSettlements(true);

        assertThat(log.callsOf("child")).hasSize(1);
        assertThat(log.last("child").refreshing()).isTrue();
    }

    @Test
    void aChildOfTwoChangedParentsWithPlainEdgesRunsOnce() throws Exception {
        CallLog log = forceChildBetweenParentSettlements(false);

        assertThat(log.callsOf("child")).hasSize(1);
        assertThat(log.last("child").refreshing()).isFalse();
    }

    /** {@code parents} changing parents meet at a barrier inside checkApply, so they finish together. */
    private static CallLog fanIn(int parents, boolean notify) throws Exception {
        var fake = new FakeKind();
        var together = new CyclicBarrier(parents);
        var arrows = new ArrayList<String>();
        for (int i = 0; i < parents; i++) {
            fake.onCheck("p" + i, ctx -> together.await(10, TimeUnit.SECONDS));
            arrows.add("p" + i + "->child");
        }
        TestGraphs graph = TestGraphs.of(fake).add("child", UNCHANGING);
        String[] edges = arrows.toArray(String[]::new);
        EngineHarness.run((notify ? graph.notifies(edges) : graph.edges(edges)).build());
        return fake.log();
    }

    @Test
    void stressFanInsOfTwoAndEightParentsRunTheChildExactlyOnceEachTime() throws Exception {
        var twice = new ArrayList<String>();
        for (int run = 0; run < 1_000; run++) {
            for (int parents : new int[] {2, 8}) {
                CallLog log = fanIn(parents, true);
                List<CallLog.Call> calls = log.callsOf("child");
                if (calls.size() != 1 || !calls.getFirst().refreshing()) {
                    twice.add("run " + run + ", " + parents + " parents: " + calls);
                }
            }
        }
        assertThat(twice).as("fan-ins whose child did not refresh exactly once").isEmpty();
    }

    @Test
    void stressPlainFanInsOfTwoParentsRunTheChildExactlyOnceEachTime() throws Exception {
        var twice = new ArrayList<String>();
        for (int run = 0; run < 1_000; run++) {
            int calls = fanIn(2, false).callsOf("child").size();
            if (calls != 1) {
                twice.add("run " + run + ": " + calls + " calls");
            }
        }
        assertThat(twice).as("plain fan-ins whose child did not run exactly once").isEmpty();
    }
}
