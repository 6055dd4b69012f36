package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A vertex's worker exists only while it has work: wake-ups from many threads at once never run
 * two checks of one resource together and are never lost, and closing a vertex ends its worker
 * with one last event.
 */
class EngineWorkerTest extends LiveEngineFixture {

    @Test
    void stressDriftFromEightThreadsNeverOverlapsChecksAndIsNeverLost() throws Exception {
        var inCheck = new AtomicInteger();
        var overlaps = new AtomicInteger();
        fake.onCheck("a", ctx -> {
            if (inCheck.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            Thread.yield();
            inCheck.decrementAndGet();
        });
        engine.start(TestGraphs.of(fake).add("a", FakeParams.DEFAULTS).build());
        awaitSettled();

        int threads = 8;
        var start = new CyclicBarrier(threads);
        var lastDrift = new AtomicLong();
        var drifters = new ArrayList<Thread>();
        for (int t = 0; t < threads; t++) {
            drifters.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 1_000; i++) {
                        lastDrift.accumulateAndGet(System.nanoTime(), Math::max);
                        fake.drift("a");
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        for (Thread d : drifters) {
            d.join();
        }

        await().atMost(WAIT).until(() -> log.last("a").start() > lastDrift.get() && engine.statuses().values()
                .stream().allMatch(Status::settled));
        assertThat(overlaps).as("checks of one resource that ran at once").hasValue(0);
        assertThat(log.callsOf("a").size()).as("8,000 drifts coalesce into far fewer checks").isLessThan(8_000);
    }

    @Test
    void aVertexWaitingForItsParentsHasNoWorkerUntilTheyAreDone() throws Exception {
        var release = new CountDownLatch(1);
        fake.onCheck("parent", ctx -> release.await());
        engine.start(TestGraphs.of(fake).edges("parent->child").build());
        await().atMost(WAIT).until(() -> log.ran("parent"));

        ResourceId child = ResourceId.of(FakeKind.NAME, "child");
        assertThat(engine.working(child)).as("no worker waits for the parent").isFalse();
        assertThat(events).filteredOn(e -> e.id().equals(child))
                .noneMatch(e -> e instanceof EngineEvent.Started || e instanceof EngineEvent.Skipped);

        release.countDown();
        await().atMost(WAIT).until(() -> log.ran("child"));
        awaitSettled();
    }

    @Test
    void stoppingSendsOneLastEventPerVertexWhetherOrNotItsWorkerRuns() throws Exception {
        var running = new CountDownLatch(1);
        fake.onCheck("busy", ctx -> {
            running.countDown();
            new CountDownLatch(1).await();
        });
        engine.start(TestGraphs.of(fake).add("busy", FakeParams.DEFAULTS).add("idle", FakeParams.DEFAULTS).build());
        running.await();
        await().atMost(WAIT).until(() -> engine.statuses().get(ResourceId.of(FakeKind.NAME, "idle")).settled());

        assertThat(engine.stop(WAIT)).isTrue();

        for (String name : List.of("busy", "idle")) {
            ResourceId id = ResourceId.of(FakeKind.NAME, name);
            assertThat(events).filteredOn(e -> e.id().equals(id)).last().isInstanceOf(EngineEvent.Stopped.class);
            assertThat(events).filteredOn(e -> e.id().equals(id) && e instanceof EngineEvent.Stopped).hasSize(1);
        }
    }
}
