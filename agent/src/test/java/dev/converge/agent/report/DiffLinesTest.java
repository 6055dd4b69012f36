package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.message.MapMessage;
import org.junit.jupiter.api.Test;

/** How a check's diff becomes log lines: after its result line, each prefixed with its resource. */
class DiffLinesTest {

    private static final ResourceId MOTD = ResourceId.of("file", "motd");
    private static final ResourceId X = ResourceId.of("exec", "x");
    private static final List<String> DIFF = List.of("--- /etc/motd", "+++ /etc/motd", "@@ -1 +1 @@", "-old", "+new");

    private static EngineEvent.Finished finished(boolean apply, List<String> diff) {
        return new EngineEvent.Finished(MOTD, Status.CHANGED,
                CheckResult.changed("content (4 -> 4 bytes)").withDiff(diff), apply, Duration.ofMillis(12));
    }

    private static List<String> texts(List<LogLine> lines) {
        return lines.stream().map(LogLine::text).toList();
    }

    @Test
    void eachDiffLineFollowsTheResultLinePrefixedWithTheResourceAndABar() {
        var lines = new EventLines();

        List<LogLine> made = lines.lines(finished(false, DIFF));

        assertThat(texts(made)).containsExactly(
                "file[motd]: would change: content (4 -> 4 bytes)",
                "file[motd] | --- /etc/motd", "file[motd] | +++ /etc/motd", "file[motd] | @@ -1 +1 @@",
                "file[motd] | -old", "file[motd] | +new");
        assertThat(made.getFirst().event()).isEqualTo("would-change");
        assertThat(made.getFirst().diff()).isEqualTo(DIFF);
        assertThat(made.subList(1, made.size())).allSatisfy(l -> {
            assertThat(l.event()).isEqualTo("diff");
            assertThat(l.resource()).isEqualTo(MOTD);
            assertThat(l.diff()).isEmpty();
            assertThat(l.time()).isEqualTo(made.getFirst().time());
        });
    }

    @Test
    void aRealRunsChangedLineIsFollowedTheSameWayAndNoDiffMakesNoExtraLine() {
        var lines = new EventLines();

        assertThat(texts(lines.lines(finished(true, DIFF))))
                .startsWith("file[motd] changed in 0.01 s: content (4 -> 4 bytes)", "file[motd] | --- /etc/motd")
                .hasSize(6);
        assertThat(lines.lines(finished(true, List.of()))).singleElement()
                .satisfies(l -> assertThat(l.diff()).isEmpty());
        assertThat(lines.lines(new EngineEvent.Output(X, "stdout", "| looks like a diff"))).singleElement()
                .extracting(LogLine::text).isEqualTo("exec[x] > | looks like a diff");
    }

    @Test
    void groupedOutputKeepsTheDiffInTheResourcesBlockAfterItsResult() {
        var written = Collections.synchronizedList(new ArrayList<LogLine>());
        var reporter = new GroupedReporter(written::add, 500);
        reporter.accept(new EngineEvent.Started(MOTD, true, 1));
        reporter.accept(new EngineEvent.Started(X, true, 1));
        reporter.accept(new EngineEvent.Output(X, "stdout", "hello"));
        reporter.accept(finished(true, DIFF));
        reporter.accept(new EngineEvent.Finished(X, Status.CHANGED, CheckResult.changed("ran `x`"), true,
                Duration.ofMillis(3)));

        assertThat(texts(written)).containsExactly(
                "file[motd] start", "file[motd] changed in 0.01 s: content (4 -> 4 bytes)",
                "file[motd] | --- /etc/motd", "file[motd] | +++ /etc/motd", "file[motd] | @@ -1 +1 @@",
                "file[motd] | -old", "file[motd] | +new",
                "exec[x] start", "exec[x] > hello", "exec[x] changed in 0.00 s: ran `x`");
    }

    @Test
    void theResultLinesMessageCarriesTheDiffAsAListForJson() {
        LogLine line = new EventLines().lines(finished(false, DIFF)).getFirst();

        var data = new HashMap<String, Object>(((MapMessage<?, ?>) line.toMessage()).getData());

        assertThat(data).containsEntry("diff", DIFF).containsEntry("event", "would-change");
        LogLine ok = LogLine.of(Level.INFO, MOTD, "ok", null, null, "file[motd] ok");
        assertThat(new HashMap<String, Object>(((MapMessage<?, ?>) ok.toMessage()).getData()))
                .doesNotContainKey("diff");
    }
}
