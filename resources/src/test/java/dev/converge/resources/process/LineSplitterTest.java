package dev.converge.resources.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link LineSplitter} cuts bytes into lines and bounds them. */
class LineSplitterTest {

    private static final int MAX = LineSplitter.MAX_LINE_BYTES;

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
}
