package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.time.Instant;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.message.MapMessage;
import org.apache.logging.log4j.message.TimestampMessage;
import org.junit.jupiter.api.Test;

class LogLineTest {

    private static final ResourceId A = ResourceId.of("exec", "a");

    @Test
    void theMessagePrintsTheTextAndCarriesTheFieldsAndTheTime() {
        var line = new LogLine(Instant.ofEpochMilli(1_000), Level.INFO, A, "changed", "ran `x`",
                Duration.ofMillis(1_234), null, "exec[a] changed in 1.23 s: ran `x`");

        var message = line.toMessage();

        assertThat(message.getFormattedMessage()).isEqualTo("exec[a] changed in 1.23 s: ran `x`");
        var formatted = new StringBuilder();
        ((MapMessage<?, ?>) message).formatTo(formatted);
        assertThat(formatted).hasToString("exec[a] changed in 1.23 s: ran `x`");
        assertThat(new java.util.HashMap<String, Object>(((MapMessage<?, ?>) message).getData()))
                .containsEntry("resource", "exec[a]").containsEntry("event", "changed")
                .containsEntry("result", "ran `x`").containsEntry("duration", 1.234)
                .doesNotContainKey("stream");
        assertThat(((TimestampMessage) message).getTimestamp()).isEqualTo(1_000);
    }

    @Test
    void aLineBreakNeverSplitsALine() {
        var line = LogLine.of(Level.ERROR, A, "failed", "status 1:\nsecond", null, "exec[a] failed:\r\nsecond\rthird");
        assertThat(line.text()).isEqualTo("exec[a] failed: second third");
        assertThat(line.result()).isEqualTo("status 1: second");
    }

    @Test
    void eventLinesKeepTodaysTextAndLogAReCheckOnlyWhenItChanges() {
        var lines = new EventLines();
        var ok = new EngineEvent.Finished(A, Status.OK, CheckResult.ok(), true, Duration.ofMillis(20));
        assertThat(lines.line(new EngineEvent.Started(A, true, 1)).orElseThrow().text()).isEqualTo("exec[a] start");
        assertThat(lines.line(ok).orElseThrow().text()).isEqualTo("exec[a] ok in 0.02 s");
        assertThat(lines.line(new EngineEvent.Started(A, true, 1))).isEmpty();
        assertThat(lines.line(ok)).isEmpty();
        var noop = new EngineEvent.Finished(A, Status.CHANGED, CheckResult.changed("run `x`"), false,
                Duration.ofMillis(20));
        assertThat(lines.line(noop).orElseThrow()).extracting(LogLine::event, LogLine::text)
                .containsExactly("would-change", "exec[a]: would change: run `x`");
        assertThat(lines.line(new EngineEvent.Output(A, "stderr", "oops")).orElseThrow())
                .extracting(LogLine::stream, LogLine::text).containsExactly("stderr", "exec[a] 2> oops");
    }

    @Test
    void aWriterLogsEachWholeLineAtTheLevelOfItsSeverity() {
        assertThat(LogWriter.level("g.yaml:3:5: warning: unknown field")).isEqualTo(Level.WARN);
        assertThat(LogWriter.level("g.yaml:3:5: info: autoedge")).isEqualTo(Level.INFO);
        assertThat(LogWriter.level("g.yaml:3:5: error: cycle")).isEqualTo(Level.ERROR);
        assertThat(LogWriter.level("g.yaml: invalid graph, 1 error; nothing applied")).isEqualTo(Level.ERROR);
    }
}
