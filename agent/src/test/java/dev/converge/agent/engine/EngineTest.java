package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.Planner;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EngineTest {

    private final FakeKind fake = new FakeKind();
    private final CallLog log = fake.log();

    private static ResourceId id(String name) {
        return ResourceId.of(FakeKind.NAME, name);
    }

    private static MetaParams meta(int retry, long delay, long timeout, List<String> sema) {
        MetaParams d = MetaParams.DEFAULTS;
        return new MetaParams(d.noop(), retry, d.retryreset(), delay, timeout, d.poll(), d.limit(), d.burst(), sema,
                d.autoedge(), d.autogroup(), d.hidden());
    }

    /** Makes each of {@code names} wait inside checkApply until all of them are in it: they must run at once. */
    private void meet(String... names) {
        var all = new CyclicBarrier(names.length);
        for (String n : names) {
            fake.onCheck(n, ctx -> all.await(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void chainRunsInOrderWhileIndependentWorkOverlapsIt() throws Exception {
        meet("exec1", "exec4");
        GraphSnapshot g = TestGraphs.of(fake).add("exec4", FakeParams.DEFAULTS).edges("exec1->exec2", "exec2->exec3")
                .build();

        Map<ResourceId, Status> statuses = EngineHarness.run(g);

        assertThat(statuses).as("exec4 met exec1 inside checkApply: independent work runs alongside the chain")
                .containsOnly(entry(id("exec1"), Status.CHANGED), entry(id("exec2"), Status.CHANGED),
                        entry(id("exec3"), Status.CHANGED), entry(id("exec4"), Status.CHANGED));
        assertThat(log.finishedBefore("exec1", "exec2")).isTrue();
        assertThat(log.finishedBefore("exec2", "exec3")).isTrue();
    }

    @Test
    void diamondJoinWaitsForBothParentsWhichRunTogether() throws Exception {
        meet("left", "right");
        GraphSnapshot g = TestGraphs.of(fake)
                .edges("root->left", "root->right", "left->join", "right->join")
                .build();

        Map<ResourceId, Status> statuses = EngineHarness.run(g);

        assertThat(statuses.values()).as("left and right met inside checkApply").containsOnly(Status.CHANGED);
        assertThat(log.finishedBefore("left", "join")).isTrue();
        assertThat(log.finishedBefore("right", "join")).isTrue();
        assertThat(log.callsOf("join")).hasSize(1);
    }

    @Test
    void failureSkipsExactlyItsDescendantsAndTheRestFinishes() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("bad", FakeParams.failing())
                .add("slow", FakeParams.sleeping(200))
                .edges("bad->child", "child->grandchild", "bad->other", "slow->after", "unrelated->after")
                .build();
        var harness = new EngineHarness(new EngineOptions(false, 0, false));

        Map<ResourceId, Status> statuses = harness.runToConvergence(g);

        assertThat(statuses).containsOnly(
                entry(id("bad"), Status.FAILED),
                entry(id("child"), Status.SKIPPED),
                entry(id("grandchild"), Status.SKIPPED),
                entry(id("other"), Status.SKIPPED),
                entry(id("slow"), Status.CHANGED),
                entry(id("after"), Status.CHANGED),
                entry(id("unrelated"), Status.CHANGED));
        assertThat(log.ran("child")).isFalse();
        assertThat(log.ran("grandchild")).isFalse();
        assertThat(harness.eventsOf(EngineEvent.Skipped.class))
                .extracting(s -> s.id().name() + ": " + s.reason())
                .containsExactlyInAnyOrder(
                        "child: parent fake[bad] failed",
                        "other: parent fake[bad] failed",
                        "grandchild: fake[bad] failed (via fake[child])");
    }

    @Test
    void globalParallelLimitOfOneNeverOverlaps() throws Exception {
        var graph = TestGraphs.of(fake);
        for (int i = 0; i < 5; i++) {
            graph.add("r" + i, FakeParams.sleeping(30));
        }
        var harness = new EngineHarness(new EngineOptions(false, 1, false));

        harness.runToConvergence(graph.build());

        assertThat(log.calls()).hasSize(5);
        assertThat(log.maxConcurrent()).isEqualTo(1);
        assertThat(harness.eventsOf(EngineEvent.Waiting.class)).extracting(EngineEvent.Waiting::permit)
                .isNotEmpty().containsOnly("--parallel");
    }

    @Test
    void withoutALimitIndependentResourcesAllRunAtOnce() throws Exception {
        var graph = TestGraphs.of(fake);
        String[] names = new String[50];
        for (int i = 0; i < 50; i++) {
            names[i] = "r" + i;
            graph.add(names[i], FakeParams.DEFAULTS);
        }
        meet(names);

        Map<ResourceId, Status> statuses = EngineHarness.run(graph.build());

        assertThat(statuses.values()).as("all 50 met inside checkApply").containsOnly(Status.CHANGED);
        assertThat(log.maxConcurrent()).isEqualTo(50);
    }

    @Test
    void onePermitSemaphoreSerialisesItsHoldersOnly() throws Exception {
        var graph = TestGraphs.of(fake);
        var holding = new AtomicInteger();
        var overlaps = new AtomicInteger();
        var holderIn = new CountDownLatch(1);
        var freeIn = new CountDownLatch(1);
        var freeSawAHolder = new CountDownLatch(1);
        for (int i = 0; i < 5; i++) {
            graph.add("locked" + i, FakeParams.DEFAULTS, meta(0, 0, 0, List.of("lock:1")));
            fake.onCheck("locked" + i, ctx -> {
                if (holding.incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                holderIn.countDown();
                freeIn.await(30, TimeUnit.SECONDS);
                holding.decrementAndGet();
            });
        }
        graph.add("free", FakeParams.DEFAULTS);
        fake.onCheck("free", ctx -> {
            holderIn.await(30, TimeUnit.SECONDS);
            if (holding.get() > 0) {
                freeSawAHolder.countDown();
            }
            freeIn.countDown();
        });

        Map<ResourceId, Status> statuses = EngineHarness.run(graph.build());

        assertThat(statuses.values()).containsOnly(Status.CHANGED);
        assertThat(overlaps).as("holders of the one permit that ran at once").hasValue(0);
        assertThat(freeSawAHolder.getCount()).as("the resource outside the semaphore ran while a holder was in checkApply")
                .isZero();
    }

    @Test
    void graphWhoseEveryResourceSharesAOnePermitLockStillFinishes() throws Exception {
        var graph = TestGraphs.of(fake);
        MetaParams locked = meta(0, 0, 0, List.of("lock:1", "other:2"));
        for (String n : List.of("a", "b", "c", "d", "e")) {
            graph.add(n, FakeParams.sleeping(10), locked);
        }
        graph.edges("a->b", "a->c", "b->d", "c->d");

        Map<ResourceId, Status> statuses = EngineHarness.run(graph.build());

        assertThat(statuses.values()).containsOnly(Status.CHANGED);
        assertThat(log.maxConcurrent()).isEqualTo(1);
    }

    @Test
    void retryWithDelayRecoversWhenFailuresRunOut() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("flaky", FakeParams.failingTimes(2), meta(2, 50, 0, List.of()))
                .add("tooflaky", FakeParams.failingTimes(2), meta(1, 0, 0, List.of()))
                .build();
        var harness = new EngineHarness(new EngineOptions(false, 0, false));

        Map<ResourceId, Status> statuses = harness.runToConvergence(g);

        assertThat(statuses).containsEntry(id("flaky"), Status.CHANGED).containsEntry(id("tooflaky"), Status.FAILED);
        List<CallLog.Call> calls = log.callsOf("flaky");
        assertThat(calls).hasSize(3);
        assertThat(calls.get(1).start() - calls.get(0).end()).as("delay between attempts").isGreaterThanOrEqualTo(50_000_000L);
        assertThat(log.callsOf("tooflaky")).hasSize(2);
        assertThat(harness.eventsOf(EngineEvent.Failed.class))
                .filteredOn(f -> f.id().name().equals("tooflaky"))
                .extracting(EngineEvent.Failed::permanent).containsExactly(false, true);
    }

    @Test
    void checkApplyTimeoutFailsTheResource() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("stuck", FakeParams.sleeping(60_000), meta(0, 0, 100, List.of()))
                .edges("stuck->after")
                .build();
        var harness = new EngineHarness(new EngineOptions(false, 0, false));

        Map<ResourceId, Status> statuses = harness.runToConvergence(g);

        assertThat(statuses).containsEntry(id("stuck"), Status.FAILED).containsEntry(id("after"), Status.SKIPPED);
        assertThat(harness.eventsOf(EngineEvent.Failed.class)).singleElement()
                .extracting(EngineEvent.Failed::message).asString().contains("timed out after 100 ms");
    }

    @Test
    void noopChecksEverythingAndAppliesNothing() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b", "b->c").add("d", FakeParams.DEFAULTS).build();
        var harness = new EngineHarness(new EngineOptions(true, 0, false));

        Map<ResourceId, Status> statuses = harness.runToConvergence(g);

        assertThat(log.calls()).hasSize(4).allMatch(c -> !c.apply());
        assertThat(statuses.values()).containsOnly(Status.WOULD_CHANGE);
        assertThat(harness.eventsOf(EngineEvent.Finished.class)).allMatch(f -> !f.apply());
    }

    @Test
    void stopInterruptsRunningWork() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).add("long", FakeParams.sleeping(60_000)).build();
        var harness = new EngineHarness(new EngineOptions(false, 0, true));
        harness.engine.start(g);
        org.awaitility.Awaitility.await().until(() -> log.ran("long"));

        assertThat(harness.engine.stop(java.time.Duration.ofSeconds(5))).isTrue();
        assertThat(log.last("long").failed()).isTrue();
        assertThat(harness.engine.statuses()).containsEntry(id("long"), Status.RUNNING);
        harness.converger.close();
    }

    @Test
    void aKindsImplicitSemaphoreKeepsItsResourcesFromApplyingAtOnce() throws Exception {
        var pkgLike = new FakeKind(List.of("pkg"));
        GraphSnapshot g = TestGraphs.of(pkgLike)
                .add("p1", FakeParams.sleeping(60))
                .add("p2", FakeParams.sleeping(60))
                .add("p3", FakeParams.sleeping(60))
                .build();

        EngineHarness.run(g);

        assertThat(pkgLike.log().calls()).hasSize(3);
        assertThat(pkgLike.log().maxConcurrent()).isEqualTo(1);
    }

    @Test
    void aMergedVertexRunsOneCallForAllItsMembers() throws Exception {
        GraphSnapshot g = Planner.plan(TestGraphs.of(fake)
                .add("a", FakeParams.DEFAULTS.withGroup("k"))
                .add("b", FakeParams.DEFAULTS.withGroup("k"))
                .edges("b->after")
                .build());

        Map<ResourceId, Status> statuses = EngineHarness.run(g);

        assertThat(log.startOrder()).containsExactly("autogroup:(a,b)", "after");
        assertThat(statuses).containsEntry(id("autogroup:(a,b)"), Status.CHANGED);
    }

    @Test
    void aGroupMemberThatFailsSkipsOnlyItsOwnDependents() throws Exception {
        fake.failMember("b");
        var unchanging = new FakeParams(0, 0, false, "", List.of(), List.of());
        GraphSnapshot g = Planner.plan(TestGraphs.of(fake)
                .add("a", FakeParams.DEFAULTS.withGroup("k"))
                .add("b", FakeParams.DEFAULTS.withGroup("k"))
                .add("afterA", unchanging)
                .add("afterB", unchanging)
                .add("afterBoth", unchanging)
                .add("reloadA", unchanging)
                .edges("a->afterA", "b->afterB", "a->afterBoth", "b->afterBoth")
                .notifies("a->reloadA")
                .build());
        var harness = new EngineHarness(new EngineOptions(false, 0, false));

        Map<ResourceId, Status> statuses = harness.runToConvergence(g);

        ResourceId group = id("autogroup:(a,b)");
        assertThat(statuses).contains(entry(group, Status.FAILED), entry(id("afterA"), Status.OK),
                entry(id("afterB"), Status.SKIPPED), entry(id("afterBoth"), Status.SKIPPED));
        assertThat(harness.eventsOf(EngineEvent.Failed.class)).singleElement()
                .satisfies(f -> assertThat(f.message()).isEqualTo("b: scripted member failure"));
        assertThat(harness.eventsOf(EngineEvent.Skipped.class)).extracting(EngineEvent.Skipped::cause)
                .containsOnly(group);
        assertThat(log.callsOf("reloadA")).as("a was applied, so its notify edge refreshes")
                .singleElement().extracting(CallLog.Call::refreshing).isEqualTo(true);
    }
}
