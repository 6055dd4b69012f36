package dev.converge.resources.exec;

import static dev.converge.resources.exec.ExecBuilder.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a command's output is cut into lines, bounded, and kept for error messages. */
@Timeout(60)
class ExecOutputTest {

    private static final int MAX = LineSplitter.MAX_LINE_BYTES;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("exec", "t"));

    @AfterEach
    void closeContext() throws IOException {
        ctx.close();
    }

    /** Feeds {@code bytes} to a splitter in pieces of {@code chunk} bytes and returns what it passed on. */
    private static List<String> split(byte[] bytes, int chunk) {
        var lines = new ArrayList<String>();
        var splitter = new LineSplitter(lines::add);
        for (int off = 0; off < bytes.length; off += chunk) {
            splitter.feed(bytes, off, Math.min(chunk, bytes.length - off));
        }
        splitter.finish();
        return lines;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void linesLoseTheirTerminatorsAndTheLastNeedsNone() {
        assertThat(split(utf8("a\r\nb\n\nlast"), 1)).containsExactly("a", "b", "", "last");
        assertThat(split(utf8("a\r\nb\n\nlast"), 100)).containsExactly("a", "b", "", "last");
        assertThat(split(utf8("only\n"), 3)).containsExactly("only");
        assertThat(split(new byte[0], 1)).isEmpty();
    }

    @Test
    void aLineOfExactlyTheLimitPassesWhole() {
        String line = "x".repeat(MAX);

        assertThat(split(utf8(line + "\nnext"), 4096)).containsExactly(line, "next");
    }

    @Test
    void aLongerLineIsCutOnceAtACharacterBoundaryAndMarked() {
        String line = "a" + "é".repeat(MAX);
        List<String> lines = split(utf8(line + "\nnext\n"), 1000);

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).isEqualTo("next");
        String cut = lines.get(0);
        assertThat(cut).endsWith(LineSplitter.TRUNCATED);
        String kept = cut.substring(0, cut.length() - LineSplitter.TRUNCATED.length());
        assertThat(line).startsWith(kept);
        assertThat(kept).doesNotContain("\uFFFD");
        assertThat(utf8(kept).length).isBetween(MAX - 1, MAX);
    }

    @Test
    void aLongUnterminatedLastLineIsCutToo() {
        List<String> lines = split(utf8("z".repeat(3 * MAX)), 8192);

        assertThat(lines).containsExactly("z".repeat(MAX) + LineSplitter.TRUNCATED);
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
