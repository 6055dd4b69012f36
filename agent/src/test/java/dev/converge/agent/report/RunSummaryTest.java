package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

    private static final ResourceId A = ResourceId.of("file", "/a");
    private static final ResourceId B = ResourceId.of("file", "/b");

    /** A clock the test moves by hand, in milliseconds. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private void at(long millis) {
        nanos.set(1_000_000_000L + millis * 1_000_000L);
    }

    private static EngineEvent.Finished finished(ResourceId id, CheckResult result) {
        return finished(id, result, 5);
    }

    private static EngineEvent.Finished finished(ResourceId id, CheckResult result, long tookMillis) {
        return new EngineEvent.Finished(id, result.isOk() ? Status.OK : Status.CHANGED, result, true,
                Duration.ofMillis(tookMillis), Duration.ZERO);
    }

    private static ResourceId fake(String name) {
        return ResourceId.of(FakeKind.NAME, name);
    }

    @Test
    void aResourceThatChangedAndWasThenFoundRightCountsAsChanged() {
        var summary = new RunSummary();
        summary.accept(new EngineEvent.Started(A, true, 1));
        summary.accept(finished(A, CheckResult.changed("content (0 -> 4 bytes)")));
        summary.accept(new EngineEvent.Started(A, true, 1));
        summary.accept(finished(A, CheckResult.ok()));
        summary.accept(new EngineEvent.Started(B, true, 1));
        summary.accept(finished(B, CheckResult.ok()));

        Map<ResourceId, Status> outcome = summary.outcome(Map.of(A, Status.OK, B, Status.OK));

        assertThat(outcome).containsEntry(A, Status.CHANGED).containsEntry(B, Status.OK);
        assertThat(summary.render(outcome)).startsWith("2 resources: 1 ok, 1 changed, 0 failed, 0 skipped in ");
        assertThat(summary.snapshot().activities().get(A).applies()).isEqualTo(2);
        assertThat(summary.snapshot().activities().get(A).busy()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void waitsForParentsAndForPermitsAreToldApartAndRetriesBelongToOneCheck() {
        var summary = new RunSummary(nanos::get);
        at(100);
        summary.accept(new EngineEvent.Started(B, true, 1));
        at(300);
        summary.accept(new EngineEvent.Waiting(A, "--parallel"));
        summary.accept(new EngineEvent.Waiting(A, "db"));
        at(500);
        summary.accept(new EngineEvent.Started(A, true, 1));
        at(600);
        summary.accept(new EngineEvent.Failed(A, "boom", 1, Duration.ofMillis(100), Duration.ofMillis(50)));
        at(650);
        summary.accept(new EngineEvent.Waiting(A, "db"));
        at(700);
        summary.accept(new EngineEvent.Started(A, true, 2));
        at(900);
        summary.accept(finished(A, CheckResult.changed("x"), 200));

        RunSummary.Activity a = summary.snapshot().activities().get(A);

        assertThat(a.applies()).isEqualTo(2);
        assertThat(a.busy()).isEqualTo(Duration.ofMillis(300));
        assertThat(a.parentWait()).as("from the run's start, when B began, until A first asked for a permit")
                .isEqualTo(Duration.ofMillis(200));
        assertThat(a.permitWait()).as("200 ms before attempt 1, 50 ms before attempt 2")
                .isEqualTo(Duration.ofMillis(250));
        assertThat(a.checks()).containsExactly(
                new RunSummary.Span(Duration.ofMillis(400).toNanos(), Duration.ofMillis(800).toNanos(),
                        Duration.ofMillis(300), false));
    }

    @Test
    void aStartedDelayedByAnEarlierListenerIsPlacedByTheEnginesOwnMeasure() {
        var summary = new RunSummary(nanos::get);
        at(150);
        summary.accept(new EngineEvent.Started(A, true, 1));
        at(200);
        summary.accept(finished(A, CheckResult.changed("x"), 100));

        RunSummary.Snapshot snapshot = summary.snapshot();

        assertThat(snapshot.activities().get(A).checks()).containsExactly(
                new RunSummary.Span(0, Duration.ofMillis(100).toNanos(), Duration.ofMillis(100), false));
        assertThat(snapshot.activities().get(A).parentWait()).isEqualTo(Duration.ZERO);
        assertThat(snapshot.wall()).as("never less than the apply time").isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aSnapshotCountsARunningCheckAndAnOngoingWaitUpToNow() {
        var summary = new RunSummary(nanos::get);
        at(100);
        summary.accept(new EngineEvent.Started(A, true, 1));
        at(200);
        summary.accept(new EngineEvent.Waiting(B, "--parallel"));
        at(400);

        RunSummary.Snapshot snapshot = summary.snapshot();

        assertThat(snapshot.elapsed()).as("since the first Started").isEqualTo(Duration.ofMillis(300));
        assertThat(snapshot.activities().get(A).busy()).isEqualTo(Duration.ofMillis(300));
        assertThat(snapshot.activities().get(A).checks()).singleElement()
                .satisfies(s -> assertThat(s.running()).isTrue());
        assertThat(snapshot.activities().get(B).permitWait()).isEqualTo(Duration.ofMillis(200));
        assertThat(snapshot.wall()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void theTableHasARowPerResourceInStartOrderThenTheCriticalPathAndTotals() {
        GraphSnapshot g = TestGraphs.of(new FakeKind())
                .add("a", FakeParams.DEFAULTS)
                .add("skipped", FakeParams.DEFAULTS)
                .edges("b->skipped", "a->b")
                .build();
        var summary = new RunSummary(nanos::get);
        at(10);
        summary.accept(new EngineEvent.Started(fake("a"), true, 1));
        at(210);
        summary.accept(finished(fake("a"), CheckResult.changed("x"), 200));
        at(220);
        summary.accept(new EngineEvent.Started(fake("b"), true, 1));
        at(820);
        summary.accept(new EngineEvent.Failed(fake("b"), "boom", 1, Duration.ofMillis(600), null));
        summary.accept(new EngineEvent.Skipped(fake("skipped"), fake("b"), fake("b")));
        at(830);
        var statuses = Map.of(fake("a"), Status.CHANGED, fake("b"), Status.FAILED, fake("skipped"), Status.SKIPPED);

        List<String> lines = RunSummary.report(g, statuses, summary.snapshot());

        assertThat(lines).containsExactly(
                "resource       result   applies  apply time  parents wait  permits wait",
                "fake[a]        CHANGED        1      0.20 s        0.00 s        0.00 s",
                "fake[b]        FAILED         1      0.60 s        0.21 s        0.00 s",
                "fake[skipped]  SKIPPED        0           -             -             -",
                "critical path: fake[a] 0.20 s -> fake[b] 0.60 s = 0.80 s of 0.81 s wall",
                "wall 0.81 s (to the end of the last check), apply time 0.80 s in all, parallelism 0.99");
        assertThat(summary.snapshot().durations())
                .containsOnly(Map.entry(fake("a"), Duration.ofMillis(200)), Map.entry(fake("b"), Duration.ofMillis(600)));
    }

    @Test
    void aLargeGraphShowsFailuresFirstThenTheLongestAppliesAndCountsTheRest() {
        int size = RunSummary.TABLE_ROWS + 30;
        var builder = TestGraphs.of(new FakeKind());
        var statuses = new java.util.LinkedHashMap<ResourceId, Status>();
        var summary = new RunSummary(nanos::get);
        for (int i = 0; i < size; i++) {
            String name = String.format("r%03d", i);
            builder.add(name, FakeParams.DEFAULTS);
            at(i);
            summary.accept(new EngineEvent.Started(fake(name), true, 1));
            if (i == size - 1) {
                summary.accept(new EngineEvent.Failed(fake(name), "boom", 1, Duration.ofMillis(1), null));
                statuses.put(fake(name), Status.FAILED);
            } else {
                // r000 took 1 ms, r001 2 ms, ...: the longest are the last ones.
                summary.accept(finished(fake(name), CheckResult.ok(), i + 1));
                statuses.put(fake(name), Status.OK);
            }
        }

        List<String> lines = RunSummary.report(builder.build(), statuses, summary.snapshot());

        List<String> rows = lines.subList(1, 1 + RunSummary.TABLE_ROWS);
        assertThat(rows).allMatch(row -> row.startsWith("fake[r"));
        assertThat(rows.getLast()).startsWith("fake[r079]").contains("FAILED");
        assertThat(rows.getFirst()).as("the 49 longest ok applies, in start order").startsWith("fake[r030]");
        assertThat(lines.get(1 + RunSummary.TABLE_ROWS))
                .isEqualTo("... 30 more not shown: 30 ok; none took longer than 0.03 s");
        assertThat(lines.get(2 + RunSummary.TABLE_ROWS)).startsWith("critical path: ");
    }

    @Test
    void secondsAreRoundedHalfUpToHundredthsLikePercentTwoF() {
        for (long nanos : new long[] {0, 4_999_999, 5_000_000, 9_999_999, 10_000_000, 1_234_567_890L, 59_995_000_000L,
                3_600_004_999_999L, -5_000_000, -1_004_999_999L}) {
            assertThat(RunSummary.seconds(Duration.ofNanos(nanos))).as("%d ns", nanos)
                    .isEqualTo(String.format(java.util.Locale.ROOT, "%.2f s",
                            new java.math.BigDecimal(nanos).movePointLeft(9)
                                    .setScale(2, java.math.RoundingMode.HALF_UP)));
        }
    }
}
