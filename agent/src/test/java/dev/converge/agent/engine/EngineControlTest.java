package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Failure policy and the metaparameters that act over time: retryreset, watch retries, limit, fail-fast. */
class EngineControlTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final FakeKind fake = new FakeKind();
    private final CallLog log = fake.log();
    private final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    private final Converger converger = new Converger(Duration.ofSeconds(-1), () -> { });
    private Engine engine;

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
        converger.close();
    }

    private static ResourceId id(String name) {
        return ResourceId.of(FakeKind.NAME, name);
    }

    private static MetaParams meta(int retry, boolean retryreset, double limit, int burst) {
        MetaParams d = MetaParams.DEFAULTS;
        return new MetaParams(d.noop(), retry, retryreset, 10, d.timeout(), d.poll(), limit, burst, d.sema(),
                d.autoedge(), d.autogroup(), d.hidden());
    }

    private Engine start(GraphSnapshot g, boolean watch, boolean failFast) {
        engine = new Engine(new EngineOptions(false, 0, watch, failFast), events::add, converger);
        engine.start(g);
        return engine;
    }

    private Status status(String name) {
        return engine.statuses().get(id(name));
    }

    private void awaitSettled() {
        await().atMost(WAIT).until(() -> engine.statuses().values().stream().allMatch(Status::settled));
    }

    /** Two rounds of drift, each failing once and then succeeding on the retry. */
    private Status twoRoundsOfOneFailure(boolean retryreset) {
        start(TestGraphs.of(fake).add("a", FakeParams.DEFAULTS, meta(1, retryreset, Double.POSITIVE_INFINITY, 0))
                .build(), true, false);
        await().atMost(WAIT).until(() -> log.ran("a"));
        awaitSettled();
        for (int round = 1; round <= 2; round++) {
            int before = log.callsOf("a").size();
            fake.failNext("a", 1);
            fake.drift("a");
            await().atMost(WAIT).until(() -> log.callsOf("a").size() > before);
            awaitSettled();
        }
        return status("a");
    }

    @Test
    void withoutRetryresetFailuresAddUpOverTheRunUntilTheRetriesAreSpent() {
        assertThat(twoRoundsOfOneFailure(false)).isEqualTo(Status.FAILED);
    }

    @Test
    void retryresetGivesEverySuccessAFreshSetOfRetries() {
        assertThat(twoRoundsOfOneFailure(true)).isIn(Status.CHANGED, Status.OK);
    }

    @Test
    void aFailedWatchIsRestartedWhileRetriesLastThenFailsTheResource() {
        start(TestGraphs.of(fake).add("a", FakeParams.DEFAULTS, meta(1, false, Double.POSITIVE_INFINITY, 0))
                .edges("a->b").build(), true, false);
        await().atMost(WAIT).until(() -> log.ran("b"));

        fake.failWatch("a", "inotify gone");
        await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof EngineEvent.Message m
                && m.text().equals("watch failed: inotify gone; restarting the watch in 10 ms (retry 1 of 1)")));
        awaitSettled();
        assertThat(status("a")).isEqualTo(Status.CHANGED);

        fake.failWatch("a", "inotify gone again");
        await().atMost(WAIT).until(() -> status("b") == Status.SKIPPED);
        assertThat(status("a")).isEqualTo(Status.FAILED);
    }

    @Test
    void limitSpacesTheChecksThatEventsAskFor() {
        start(TestGraphs.of(fake).add("a", FakeParams.DEFAULTS, meta(0, false, 2, 1)).build(), true, false);
        await().atMost(WAIT).until(() -> log.ran("a"));
        for (int round = 1; round <= 3; round++) {
            int before = log.callsOf("a").size();
            fake.drift("a");
            await().atMost(WAIT).until(() -> log.callsOf("a").size() > before && status("a").settled());
        }

        List<CallLog.Call> calls = log.callsOf("a");
        assertThat(calls).hasSize(4);
        for (int i = 2; i < calls.size(); i++) {
            long gap = calls.get(i).start() - calls.get(i - 1).start();
            assertThat(gap).as("gap before re-check %d", i).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(490));
        }
    }

    /** bad fails at once; slow and gate are already running then; later waits for gate. */
    private GraphSnapshot failFastGraph() {
        return TestGraphs.of(fake)
                .add("bad", FakeParams.failing().withSleep(50))
                .add("slow", FakeParams.sleeping(400))
                .add("gate", FakeParams.sleeping(300))
                .add("later", FakeParams.DEFAULTS)
                .edges("gate->later")
                .build();
    }

    @Test
    void keepGoingRunsEverythingTheFailureDoesNotBlock() throws Exception {
        Map<ResourceId, Status> statuses = EngineHarness.run(failFastGraph());

        assertThat(statuses).containsEntry(id("bad"), Status.FAILED).containsEntry(id("slow"), Status.CHANGED)
                .containsEntry(id("gate"), Status.CHANGED).containsEntry(id("later"), Status.CHANGED);
    }

    @Test
    void failFastStartsNothingNewButLetsRunningChecksFinish() throws Exception {
        start(failFastGraph(), false, true);

        engine.failedFast().get(20, TimeUnit.SECONDS);

        assertThat(status("bad")).isEqualTo(Status.FAILED);
        assertThat(status("slow")).as("running when bad failed: not interrupted").isEqualTo(Status.CHANGED);
        assertThat(status("gate")).isEqualTo(Status.CHANGED);
        assertThat(status("later")).isEqualTo(Status.PENDING);
        assertThat(log.ran("later")).isFalse();
    }

    @Test
    void eventLimiterRefillsAtTheLimitUpToTheBurst() {
        long[] now = {0};
        var limiter = new EventLimiter(2, 3, () -> now[0]);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.nanosUntilToken()).isZero();
            limiter.nanosUntilToken();
            takeOne(limiter);
        }
        assertThat(limiter.nanosUntilToken()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        now[0] += TimeUnit.SECONDS.toNanos(60);
        assertThat(limiter.nanosUntilToken()).isZero();
        for (int i = 0; i < 3; i++) {
            takeOne(limiter);
        }
        assertThat(limiter.nanosUntilToken()).as("refilled up to the burst only").isPositive();
    }

    private static void takeOne(EventLimiter limiter) {
        try {
            limiter.acquire();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
