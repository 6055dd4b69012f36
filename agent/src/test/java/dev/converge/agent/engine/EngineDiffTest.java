package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.ResourceId;
import dev.converge.resources.file.FileKind;
import dev.converge.resources.file.FileParams;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code EngineOptions.diff}: what each resource's context answers, and where a diff ends up. */
class EngineDiffTest {

    /** What {@code ResourceContext.diffs()} answered inside each checkApply of a run with {@code options}. */
    private static List<Boolean> askedForDiffs(EngineOptions options) throws Exception {
        var fake = new FakeKind();
        var answers = new CopyOnWriteArrayList<Boolean>();
        fake.onCheck("a", ctx -> answers.add(ctx.diffs()));
        fake.onCheck("b", ctx -> answers.add(ctx.diffs()));
        GraphSnapshot g = TestGraphs.of(fake).add("a", FakeParams.DEFAULTS).edges("a->b").build();
        new EngineHarness(options).runToConvergence(g);
        return answers;
    }

    @Test
    void resourcesAreAskedForDiffsOnlyWithTheOptionInNoopAndRealRuns() throws Exception {
        assertThat(askedForDiffs(new EngineOptions(false, 0, false, false, true))).containsExactly(true, true);
        assertThat(askedForDiffs(new EngineOptions(true, 0, false, false, true))).containsExactly(true, true);
        assertThat(askedForDiffs(new EngineOptions(true, 0, false))).containsExactly(false, false);
        assertThat(EngineOptions.DEFAULTS.diff()).isFalse();
    }

    @Test
    void aFilesDiffReachesItsFinishedEventAndNoopLeavesTheFileAlone(@TempDir Path dir) throws Exception {
        Path motd = dir.resolve("motd");
        Files.writeString(motd, "old\n");
        FileTime before = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));
        Files.setLastModifiedTime(motd, before);
        GraphSnapshot g = TestGraphs.of(new FileKind())
                .add(motd.toString(), FileParams.of("", "new\n", "exists", null)).build();
        var harness = new EngineHarness(new EngineOptions(true, 0, false, false, true));

        harness.runToConvergence(g);

        assertThat(harness.eventsOf(EngineEvent.Finished.class)).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo(ResourceId.of("file", motd.toString()));
            assertThat(f.status()).isEqualTo(Status.WOULD_CHANGE);
            assertThat(f.result().diff()).containsExactly("--- " + motd, "+++ " + motd, "@@ -1 +1 @@", "-old", "+new");
        });
        assertThat(Files.readString(motd)).isEqualTo("old\n");
        assertThat(Files.getLastModifiedTime(motd)).isEqualTo(before);
    }
}
