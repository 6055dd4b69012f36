package dev.converge.resources.exec;

import static dev.converge.resources.exec.ExecBuilder.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.converge.resources.ResourceId;
import dev.converge.resources.process.GroupCommand;
import dev.converge.resources.process.LineSplitter;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A command's output through the exec kind: cut into lines, bounded, and kept for error messages. */
@Timeout(60)
class ExecOutputTest {

    private static final int MAX = LineSplitter.MAX_LINE_BYTES;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("exec", "t"));

    @AfterEach
    void closeContext() throws IOException {
        ctx.close();
    }

    @Test
    void anEnormousLineFromACommandArrivesCutAndTheNextLineIntact() throws Exception {
        sh("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo next").resource().checkApply(ctx, true);

        assertThat(ctx.lines("stdout")).containsExactly("a".repeat(MAX) + LineSplitter.TRUNCATED, "next");
    }

    @Test
    void aFloodOfLinesIsPassedOnAndOnlyTheLastLinesAreKept() {
        var e = catchThrowable(() -> sh("seq 1 100000; exit 1").resource().checkApply(ctx, true));

        assertThat(ctx.lines("stdout")).hasSize(100_000).endsWith("100000");
        assertThat(e).isInstanceOf(CommandFailedException.class);
        assertThat(((CommandFailedException) e).outputTail()).containsExactlyElementsOf(
                IntStream.rangeClosed(100_000 - GroupCommand.TAIL_LINES + 1, 100_000).mapToObj(Integer::toString).toList());
    }

    @Test
    void longLinesAreShortenedInTheErrorMessage() {
        var e = catchThrowable(() -> sh("head -c 2000 /dev/zero | tr '\\0' b; echo; exit 1").resource().checkApply(ctx, true));

        assertThat(e).isInstanceOf(CommandFailedException.class);
        assertThat(((CommandFailedException) e).outputTail()).containsExactly("b".repeat(500) + "...");
        assertThat(ctx.lines("stdout")).containsExactly("b".repeat(2000));
    }
}
