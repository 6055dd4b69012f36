package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeParams;
import dev.converge.resources.MetaParams;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Live graph swap: by diff, never by restart. */
class EngineSwapTest extends LiveEngineFixture {

    private static final FakeParams UNCHANGING = new FakeParams(0, 0, false, "", List.of(), List.of());

    @Test
    void unchangedResourcesKeepRunningChangedOnesRestartAddedOnesStartRemovedOnesStop() throws Exception {
        engine.start(TestGraphs.of(fake)
                .add("keep", FakeParams.DEFAULTS)
                .add("change", FakeParams.sleeping(10))
                .add("drop", FakeParams.DEFAULTS)
                .edges("keep->change")
                .build());
        await().atMost(WAIT).until(() -> log.ran("change") && log.ran("drop"));
        awaitSettled();

        GraphDiff diff = engine.swap(TestGraphs.of(fake)
                .add("keep", FakeParams.DEFAULTS)
                .add("change", FakeParams.sleeping(20))
                .add("new", FakeParams.DEFAULTS)
                .edges("keep->change", "keep->new")
                .build());

        assertThat(diff.kept()).containsExactly(id("keep"));
        assertThat(diff.changed()).containsExactly(id("change"));
        assertThat(diff.added()).containsExactly(id("new"));
        assertThat(diff.removed()).containsExactly(id("drop"));
        assertThat(diff.generation()).isEqualTo(1);
        await().atMost(WAIT).until(() -> log.ran("new") && log.callsOf("change").size() == 2);
        awaitSettled();
        assertThat(log.callsOf("keep")).as("no re-apply of an unchanged resource").hasSize(1);
        assertThat(log.callsOf("drop")).hasSize(1);
        assertThat(engine.statuses()).containsOnlyKeys(id("keep"), id("change"), id("new"));
        assertThat(engine.snapshot().parents(id("new"))).containsExactly(id("keep"));

        fake.drift("keep");
        await().atMost(WAIT).until(() -> log.callsOf("keep").size() == 2);
        await().atMost(WAIT).until(() -> log.callsOf("change").size() == 3 && log.callsOf("new").size() == 2);
        assertThat(log.last("keep").end()).as("the kept vertex's watch and edges still work")
                .isLessThanOrEqualTo(log.last("new").start());
        fake.drift("drop");
        awaitSettled();
        assertThat(log.callsOf("drop")).as("a removed resource is no longer watched").hasSize(1);
    }

    @Test
    void aChangedResourceThatIsRunningIsStoppedBeforeItsReplacementStarts() throws Exception {
        engine.start(TestGraphs.of(fake).add("slow", FakeParams.sleeping(60_000)).build());
        await().atMost(WAIT).until(() -> log.ran("slow"));

        engine.swap(TestGraphs.of(fake).add("slow", FakeParams.sleeping(10)).build());

        await().atMost(WAIT).until(() -> log.callsOf("slow").size() == 2 && engine.statuses().get(id("slow")).settled());
        assertThat(log.callsOf("slow").get(0).end()).isLessThanOrEqualTo(log.callsOf("slow").get(1).start());
        assertThat(engine.statuses()).containsEntry(id("slow"), Status.CHANGED);
    }

    @Test
    void swappingInTheSameGraphChangesNothing() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").build();
        engine.start(g);
        await().atMost(WAIT).until(() -> log.ran("b"));
        awaitSettled();

        GraphDiff diff = engine.swap(TestGraphs.of(fake).edges("a->b").build());

        assertThat(diff.added()).isEmpty();
        assertThat(diff.changed()).isEmpty();
        assertThat(diff.removed()).isEmpty();
        awaitSettled();
        assertThat(log.calls()).hasSize(2);
    }

    private static MetaParams sema(String... sema) {
        MetaParams d = MetaParams.DEFAULTS;
        return new MetaParams(d.noop(), d.retry(), d.retryreset(), d.delay(), d.timeout(), d.poll(), d.limit(),
                d.burst(), List.of(sema), d.autoedge(), d.autogroup(), d.hidden());
    }

    /** Blocks until the thread is interrupted: a check the engine has to stop. */
    private static void blockUntilInterrupted() throws InterruptedException {
        new CountDownLatch(1).await();
    }

    @Test
    void aRefreshInterruptedByASwapIsAnsweredByTheVertexThatReplacesIt() throws Exception {
        var refreshRunning = new CountDownLatch(1);
        fake.onCheck("reload", ctx -> {
            if (ctx.refreshing() && refreshRunning.getCount() > 0) {
                refreshRunning.countDown();
                blockUntilInterrupted();
            }
        });
        engine.start(TestGraphs.of(fake).add("reload", UNCHANGING).notifies("config->reload").build());
        assertThat(refreshRunning.await(20, TimeUnit.SECONDS)).isTrue();

        GraphDiff diff = engine.swap(TestGraphs.of(fake).add("reload", UNCHANGING.withSleep(1))
                .notifies("config->reload").build());

        assertThat(diff.changed()).containsExactly(id("reload"));
        await().atMost(WAIT).until(() -> log.callsOf("reload").size() == 2);
        awaitSettled();
        assertThat(log.callsOf("reload").getFirst().refreshing()).isTrue();
        assertThat(log.last("reload").refreshing()).as("the replacement answers the interrupted refresh").isTrue();
        assertThat(log.callsOf("config")).hasSize(1);
    }

    @Test
    void aRefreshPendingWhenASwapReplacesItsVertexIsAnsweredByTheReplacement() throws Exception {
        var gate = new CountDownLatch(1);
        fake.onCheck("gate", ctx -> gate.await());
        GraphSnapshot g = TestGraphs.of(fake).add("reload", UNCHANGING)
                .notifies("config->reload").edges("gate->reload").build();
        engine.start(g);
        await().atMost(WAIT).until(() -> engine.statuses().get(id("config")) == Status.CHANGED && log.ran("gate"));

        engine.swap(TestGraphs.of(fake).add("reload", UNCHANGING.withSleep(1))
                .notifies("config->reload").edges("gate->reload").build());
        gate.countDown();

        await().atMost(WAIT).until(() -> log.ran("reload"));
        awaitSettled();
        assertThat(log.callsOf("reload")).singleElement().extracting(CallLog.Call::refreshing).isEqualTo(true);
    }

    @Test
    void aSwapGivesASemaphoreTheCapacityTheNewGraphDeclares() throws Exception {
        String[] names = {"x", "y", "z"};
        TestGraphs one = TestGraphs.of(fake);
        for (String n : names) {
            one.add(n, FakeParams.DEFAULTS, sema("lock:1"));
        }
        engine.start(one.build());
        await().atMost(WAIT).until(() -> log.calls().size() == 3);
        awaitSettled();
        assertThat(log.maxConcurrent()).isEqualTo(1);

        var together = new CyclicBarrier(3);
        TestGraphs three = TestGraphs.of(fake);
        for (String n : names) {
            fake.onCheck(n, ctx -> together.await(20, TimeUnit.SECONDS));
            three.add(n, FakeParams.DEFAULTS, sema("lock:3"));
        }
        engine.swap(three.build());

        await().atMost(WAIT).until(() -> log.calls().size() == 6);
        awaitSettled();
        assertThat(engine.statuses().values()).as("all three met inside checkApply: 3 permits")
                .allMatch(Status::succeeded);
        assertThat(log.maxConcurrent()).isEqualTo(3);
        assertThat(engine.availablePermits("lock")).isEqualTo(3);
    }

    @Test
    void aSwapWhileAPermitIsHeldReportsNoCapacityMismatch() throws Exception {
        var release = new CountDownLatch(1);
        fake.onCheck("holder", ctx -> release.await());
        engine.start(TestGraphs.of(fake).add("holder", FakeParams.DEFAULTS, sema("lock:2")).build());
        await().atMost(WAIT).until(() -> log.ran("holder"));

        engine.swap(TestGraphs.of(fake).add("holder", FakeParams.DEFAULTS, sema("lock:2"))
                .add("other", FakeParams.DEFAULTS, sema("lock:2")).build());
        release.countDown();
        await().atMost(WAIT).until(() -> log.ran("other"));
        awaitSettled();

        assertThat(events).filteredOn(EngineEvent.Message.class::isInstance)
                .map(e -> ((EngineEvent.Message) e).text()).noneMatch(t -> t.contains("declared with"));
    }

    @Test
    void twoDeclarationsOfOneSemaphoreWithDifferentCountsNameTheOneThatCounts() throws Exception {
        engine.start(TestGraphs.of(fake).add("a", FakeParams.DEFAULTS, sema("lock:1"))
                .add("b", FakeParams.DEFAULTS, sema("lock:2")).build());
        awaitSettled();

        assertThat(events).filteredOn(EngineEvent.Message.class::isInstance).map(e -> (EngineEvent.Message) e)
                .filteredOn(m -> m.text().contains("semaphore"))
                .singleElement().satisfies(m -> {
                    assertThat(m.id()).isEqualTo(id("b"));
                    assertThat(m.text()).isEqualTo("semaphore 'lock' is declared with 2 permits here but with 1 by "
                            + "fake[a]; the first declaration counts");
                });
        assertThat(engine.availablePermits("lock")).isEqualTo(1);
    }
}
