package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class GroupedReporterTest {

    private static final ResourceId A = ResourceId.of("exec", "a");
    private static final ResourceId B = ResourceId.of("exec", "b");

    private final List<LogLine> written = Collections.synchronizedList(new ArrayList<>());

    private static EngineEvent.Finished changed(ResourceId id) {
        return new EngineEvent.Finished(id, Status.CHANGED, CheckResult.changed("ran `x`"), true,
                Duration.ofMillis(5));
    }

    private static EngineEvent.Finished ok(ResourceId id) {
        return new EngineEvent.Finished(id, Status.OK, CheckResult.ok(), true, Duration.ofMillis(5));
    }

    private static EngineEvent.Output out(ResourceId id, int n) {
        return new EngineEvent.Output(id, "stdout", "line " + n);
    }

    private List<String> texts() {
        return written.stream().map(LogLine::text).toList();
    }

    @Test
    void blocksOfResourcesRunningAtOnceNeverInterleave() throws Exception {
        var reporter = new GroupedReporter(written::add, 1_000);
        var barrier = new CyclicBarrier(2);
        int lines = 500;
        ResourceId[] ids = {A, B};
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            ResourceId id = ids[t];
            threads[t] = Thread.ofVirtual().start(() -> {
                try {
                    barrier.await();
                    for (int round = 0; round < 3; round++) {
                        reporter.accept(new EngineEvent.Started(id, true, 1));
                        for (int i = 0; i < lines; i++) {
                            reporter.accept(out(id, i));
                        }
                        reporter.accept(changed(id));
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }

        // Six blocks (three checks each of a and b), each one resource's lines only, in order.
        List<List<LogLine>> blocks = new ArrayList<>();
        for (LogLine line : written) {
            if (blocks.isEmpty() || !blocks.getLast().getFirst().resource().equals(line.resource())
                    || blocks.getLast().getLast().event().equals("changed")) {
                blocks.add(new ArrayList<>());
            }
            blocks.getLast().add(line);
        }
        assertThat(blocks).hasSize(6);
        for (List<LogLine> block : blocks) {
            assertThat(block).hasSize(lines + (block == firstBlockOf(blocks, block.getFirst().resource()) ? 2 : 1));
            assertThat(block.getLast().event()).isEqualTo("changed");
            List<String> output = block.stream().filter(l -> l.event().equals("output")).map(LogLine::text).toList();
            assertThat(output).hasSize(lines).first().isEqualTo(block.getFirst().resource() + " > line 0");
            assertThat(output.getLast()).isEqualTo(block.getFirst().resource() + " > line " + (lines - 1));
        }
    }

    private static List<LogLine> firstBlockOf(List<List<LogLine>> blocks, ResourceId id) {
        return blocks.stream().filter(b -> b.getFirst().resource().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aBlockIsWrittenWhenItsCheckEndsInCompletionOrder() {
        var reporter = new GroupedReporter(written::add, 10);
        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(new EngineEvent.Started(B, true, 1));
        reporter.accept(out(A, 1));
        reporter.accept(out(B, 1));
        assertThat(written).isEmpty();

        reporter.accept(changed(B));
        reporter.accept(new EngineEvent.Failed(A, "boom", 1, Duration.ofMillis(3), null));

        assertThat(texts()).containsExactly(
                "exec[b] start", "exec[b] > line 1", "exec[b] changed in 0.01 s: ran `x`",
                "exec[a] start", "exec[a] > line 1", "exec[a] failed in 0.00 s: boom");
    }

    @Test
    void aReCheckIsItsOwnBlockAndAQuietOneWritesNothing() {
        var reporter = new GroupedReporter(written::add, 10);
        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(ok(A));
        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(ok(A));
        assertThat(texts()).containsExactly("exec[a] start", "exec[a] ok in 0.01 s");

        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(out(A, 7));
        assertThat(written).hasSize(2);
        reporter.accept(changed(A));

        assertThat(texts()).endsWith("exec[a] > line 7", "exec[a] changed in 0.01 s: ran `x`");
    }

    @Test
    void aFloodKeepsTheFirstAndLastLinesAndSaysHowManyWereLeftOut() {
        var reporter = new GroupedReporter(written::add, 3);
        reporter.accept(new EngineEvent.Started(A, true, 1));
        for (int i = 0; i < 100_000; i++) {
            reporter.accept(out(A, i));
        }
        reporter.accept(changed(A));

        assertThat(texts()).containsExactly(
                "exec[a] start", "exec[a] > line 0", "exec[a] > line 1",
                "exec[a] ... 99996 lines left out ...",
                "exec[a] > line 99998", "exec[a] > line 99999", "exec[a] changed in 0.01 s: ran `x`");
        assertThat(written.get(3).event()).isEqualTo("dropped");
    }

    @Test
    void linesOutsideACheckAreWrittenAtOnceAndFlushWritesUnfinishedBlocks() {
        var reporter = new GroupedReporter(written::add, 10);
        reporter.accept(new EngineEvent.Skipped(B, A, A));
        reporter.accept(new EngineEvent.Message(B, false, "watching"));
        assertThat(texts()).containsExactly("exec[b] skipped: parent exec[a] failed", "exec[b] watching");

        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(out(A, 1));
        reporter.flush();

        assertThat(texts()).endsWith("exec[a] start", "exec[a] > line 1");
        reporter.flush();
        assertThat(written).hasSize(4);
    }

    @Test
    void aRetriedAttemptIsABlockAndTheNextAttemptAnother() {
        var reporter = new GroupedReporter(written::add, 10);
        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(new EngineEvent.Failed(A, "busy", 1, Duration.ofMillis(3), Duration.ofMillis(200)));
        assertThat(texts()).containsExactly("exec[a] start",
                "exec[a] failed in 0.00 s (attempt 1), retrying in 200 ms: busy");

        reporter.accept(new EngineEvent.Started(A, true, 2));
        reporter.accept(changed(A));
        assertThat(texts()).endsWith("exec[a] start (attempt 2)", "exec[a] changed in 0.01 s: ran `x`");
    }

    @Test
    void aCheckInterruptedByASwapIsWrittenWhenItsWorkerStopsNotAtExit() {
        var reporter = new GroupedReporter(written::add, 10);
        reporter.accept(new EngineEvent.Added(A));
        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(out(A, 1));

        reporter.accept(new EngineEvent.Stopped(A));

        assertThat(texts()).containsExactly("exec[a] start", "exec[a] > line 1");
        reporter.accept(new EngineEvent.Added(A));
        reporter.accept(new EngineEvent.Started(A, true, 1));
        reporter.accept(changed(A));

        assertThat(texts()).containsExactly("exec[a] start", "exec[a] > line 1", "exec[a] start",
                "exec[a] changed in 0.01 s: ran `x`");
    }
}
