package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.CheckResult;
import dev.converge.resources.MetaParams;
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
                Duration.ofMillis(tookMillis));
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
        assertThat(summary.snapshot().activities().get(A).checks()).isEqualTo(2);
        assertThat(summary.snapshot().activities().get(A).applies()).as("the re-check changed nothing").isEqualTo(1);
        assertThat(summary.snapshot().activities().get(A).busy()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void keepsWhyAResourceFailedOrWasSkippedUntilItSucceedsOrIsAddedAgain() {
        var summary = new RunSummary();
        summary.accept(new EngineEvent.Started(A, true, 1));
        summary.accept(new EngineEvent.Failed(A, "first try", 1, Duration.ofMillis(1), Duration.ofMillis(50)));
        assertThat(summary.problem(A)).as("a failure that is retried is no problem yet").isEmpty();
        summary.accept(new EngineEvent.Failed(A, "`false` exited with status 1", 2, Duration.ofMillis(1), null));
        summary.accept(new EngineEvent.Skipped(B, A, A));
        assertThat(summary.problem(A)).contains("`false` exited with status 1");
        assertThat(summary.problem(B)).contains("parent file[/a] failed");

        summary.accept(new EngineEvent.Started(A, true, 1));
        summary.accept(finished(A, CheckResult.changed("repaired")));
        summary.accept(new EngineEvent.Added(B));
        assertThat(summary.problem(A)).isEmpty();
        assertThat(summary.problem(B)).isEmpty();
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

        assertThat(a.checks()).as("a retry belongs to its check").isEqualTo(1);
        assertThat(a.applies()).isEqualTo(1);
        assertThat(a.busy()).isEqualTo(Duration.ofMillis(300));
        assertThat(a.ready()).as("from the run's start, when B began, until A first asked for a permit")
                .isEqualTo(Duration.ofMillis(200));
        assertThat(a.permitWait()).as("200 ms before attempt 1, 50 ms before attempt 2")
                .isEqualTo(Duration.ofMillis(250));
        assertThat(a.spans()).containsExactly(
                new RunSummary.Span(Duration.ofMillis(400).toNanos(), Duration.ofMillis(800).toNanos(),
                        Duration.ofMillis(300), false, List.of("--parallel", "db")));
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
        assertThat(snapshot.activities().get(A).spans()).singleElement()
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
                "resource       result   checks  applies  apply time  parents wait  permits wait",
                "fake[a]        CHANGED       1        1      0.20 s        0.00 s        0.00 s",
                "fake[b]        FAILED        1        0      0.60 s        0.20 s        0.00 s",
                "fake[skipped]  SKIPPED       0        0           -             -             -",
                "critical path: fake[a] 0.20 s -> fake[b] 0.60 s = 0.80 s of 0.81 s wall",
                "wall 0.81 s (to the end of the last check), apply time 0.80 s in all, parallelism 0.99");
        assertThat(summary.snapshot().durations())
                .containsOnly(Map.entry(fake("a"), Duration.ofMillis(200)), Map.entry(fake("b"), Duration.ofMillis(600)));
    }

    private static MetaParams sema(String... names) {
        MetaParams d = MetaParams.DEFAULTS;
        return new MetaParams(d.noop(), d.retry(), d.retryreset(), d.delay(), d.timeout(), d.poll(), d.limit(),
                d.burst(), List.of(names), d.autoedge(), d.autogroup(), d.hidden());
    }

    private static EngineEvent.Finished finished(String name, CheckResult result, long tookMillis) {
        return finished(fake(name), result, tookMillis);
    }

    /**
     * A scripted run, every event at a known time: a and b share the one-permit semaphore dpkg,
     * b waits for a's permit (and begins before a's end as measured), c follows b, d fails once and is re-checked later, h is removed by
     * a swap in the middle of its check, and e, added by that swap below c, waits for c.
     */
    @Test
    void aScriptedRunGivesExactRowsAPathThroughThePermitHolderAndTotals() {
        GraphSnapshot g = TestGraphs.of(new FakeKind())
                .add("a", FakeParams.DEFAULTS, sema("dpkg:1"))
                .add("b", FakeParams.DEFAULTS, sema("dpkg:1"))
                .add("c", FakeParams.DEFAULTS)
                .add("d", FakeParams.DEFAULTS)
                .add("e", FakeParams.DEFAULTS)
                .edges("b->c", "c->e")
                .build();
        var summary = new RunSummary(nanos::get);
        at(0);
        for (String name : List.of("a", "b", "c", "d", "h")) {
            summary.accept(new EngineEvent.Added(fake(name)));
        }
        at(10);
        summary.accept(new EngineEvent.Started(fake("a"), true, 1));
        summary.accept(new EngineEvent.Waiting(fake("b"), "dpkg"));
        at(20);
        summary.accept(new EngineEvent.Started(fake("d"), true, 1));
        at(120);
        summary.accept(new EngineEvent.Failed(fake("d"), "boom", 1, Duration.ofMillis(100), Duration.ofMillis(50)));
        at(170);
        summary.accept(new EngineEvent.Started(fake("d"), true, 2));
        at(270);
        summary.accept(finished("d", CheckResult.changed("x"), 100));
        at(1010);
        summary.accept(new EngineEvent.Started(fake("b"), true, 1));
        at(1015);
        // a released the permit before b began, but its call was measured to end 2 ms after, and
        // its Finished, held up by an earlier listener, arrives later still.
        summary.accept(finished("a", CheckResult.changed("x"), 1002));
        at(2010);
        summary.accept(finished("b", CheckResult.changed("x"), 1000));
        summary.accept(new EngineEvent.Started(fake("c"), true, 1));
        at(2300);
        summary.accept(new EngineEvent.Started(fake("h"), true, 1));
        at(2400);
        summary.accept(new EngineEvent.Stopped(fake("h")));
        summary.accept(new EngineEvent.Added(fake("e")));
        at(2800);
        summary.accept(new EngineEvent.Started(fake("d"), true, 1));
        at(2810);
        summary.accept(finished("d", CheckResult.ok(), 10));
        at(2910);
        summary.accept(finished("c", CheckResult.ok(), 900));
        summary.accept(new EngineEvent.Started(fake("e"), true, 1));
        at(3010);
        summary.accept(finished("e", CheckResult.changed("x"), 100));
        at(5000);
        var statuses = Map.of(fake("a"), Status.CHANGED, fake("b"), Status.CHANGED, fake("c"), Status.OK,
                fake("d"), Status.OK, fake("e"), Status.CHANGED);

        RunSummary.Snapshot snapshot = summary.snapshot();

        assertThat(RunSummary.report(g, summary.outcome(statuses), snapshot)).containsExactly(
                "resource  result   checks  applies  apply time  parents wait  permits wait",
                "fake[a]   CHANGED       1        1      1.00 s        0.00 s        0.00 s",
                "fake[d]   CHANGED       2        1      0.21 s        0.00 s        0.00 s",
                "fake[b]   CHANGED       1        1      1.00 s        0.00 s        1.00 s",
                "fake[c]   OK            1        0      0.90 s        2.01 s        0.00 s",
                "fake[e]   CHANGED       1        1      0.10 s        0.51 s        0.00 s",
                "critical path: fake[a] 1.00 s -[dpkg]-> fake[b] 1.00 s -> fake[c] 0.90 s -> fake[e] 0.10 s"
                        + " = 3.00 s of 3.01 s wall",
                "wall 3.01 s (to the end of the last check), apply time 3.31 s in all, parallelism 1.10");
        assertThat(snapshot.activities().get(fake("h"))).as("interrupted by the swap: 100 ms, not up to now")
                .satisfies(h -> assertThat(h.busy()).isEqualTo(Duration.ofMillis(100)))
                .satisfies(h -> assertThat(h.spans()).singleElement().satisfies(s -> assertThat(s.running()).isFalse()));
        assertThat(snapshot.elapsed()).isEqualTo(Duration.ofMillis(5000));
        assertThat(CriticalPath.of(g, snapshot).steps()).extracting(CriticalPath.Step::permit)
                .containsExactly(null, "dpkg", null, null);
    }

    @Test
    void noopChecksAreNoApplies() {
        var summary = new RunSummary(nanos::get);
        summary.accept(new EngineEvent.Started(A, false, 1));
        at(5);
        summary.accept(new EngineEvent.Finished(A, Status.CHANGED, CheckResult.changed("x"), false,
                Duration.ofMillis(5)));

        RunSummary.Activity a = summary.snapshot().activities().get(A);

        assertThat(a.checks()).isEqualTo(1);
        assertThat(a.applies()).isZero();
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
