package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

    private static final ResourceId A = ResourceId.of("file", "/a");
    private static final ResourceId B = ResourceId.of("file", "/b");

    private static EngineEvent.Finished finished(ResourceId id, CheckResult result) {
        return new EngineEvent.Finished(id, result.isOk() ? Status.OK : Status.CHANGED, result, true,
                Duration.ofMillis(5), Duration.ZERO);
    }

    @Test
    void aResourceThatChangedAndWasThenFoundRightCountsAsChanged() {
        var summary = new RunSummary();
        summary.accept(finished(A, CheckResult.changed("content (0 -> 4 bytes)")));
        summary.accept(finished(A, CheckResult.ok()));
        summary.accept(finished(B, CheckResult.ok()));

        Map<ResourceId, Status> outcome = summary.outcome(Map.of(A, Status.OK, B, Status.OK));

        assertThat(outcome).containsEntry(A, Status.CHANGED).containsEntry(B, Status.OK);
        assertThat(summary.render(outcome)).startsWith("2 resources: 1 ok, 1 changed, 0 failed, 0 skipped in ");
        assertThat(summary.lines().get(A).checks()).isEqualTo(2);
    }
}
