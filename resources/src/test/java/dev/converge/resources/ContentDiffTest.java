package dev.converge.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentDiffTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String numbered(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
    }

    @Test
    void aChangedLineIsShownWithThreeLinesOfContextUnderPathHeaders() {
        String before = numbered(1, 10);
        String after = before.replace("line 5\n", "line five\n");

        assertThat(ContentDiff.of("/etc/motd", utf8(before), utf8(after))).containsExactly(
                "--- /etc/motd", "+++ /etc/motd", "@@ -2,7 +2,7 @@",
                " line 2", " line 3", " line 4", "-line 5", "+line five", " line 6", " line 7", " line 8");
    }

    @Test
    void hunksFarIntoALongFileCarryTheirRealLineNumbers() {
        String before = numbered(1, 3_000);
        String after = before.replace("line 1500\n", "changed\n").replace("line 2800\n", "");

        assertThat(ContentDiff.of("/f", utf8(before), utf8(after))).containsExactly(
                "--- /f", "+++ /f",
                "@@ -1497,7 +1497,7 @@", " line 1497", " line 1498", " line 1499", "-line 1500", "+changed",
                " line 1501", " line 1502", " line 1503",
                "@@ -2797,7 +2797,6 @@", " line 2797", " line 2798", " line 2799", "-line 2800",
                " line 2801", " line 2802", " line 2803");
    }

    @Test
    void aNewFileIsDiffedFromDevNullAndARemovedOneToIt() {
        assertThat(ContentDiff.of("/etc/new", null, utf8("a\nb\n"))).containsExactly(
                "--- /dev/null", "+++ /etc/new", "@@ -0,0 +1,2 @@", "+a", "+b");
        assertThat(ContentDiff.of("/etc/old", utf8("a\nb\n"), null)).containsExactly(
                "--- /etc/old", "+++ /dev/null", "@@ -1,2 +0,0 @@", "-a", "-b");
    }

    @Test
    void aMissingLastLineBreakIsMarkedAsDiffDoes() {
        assertThat(ContentDiff.of("/f", utf8("a\nb"), utf8("a\nb\n"))).containsExactly(
                "--- /f", "+++ /f", "@@ -1,2 +1,2 @@", " a", "-b", ContentDiff.NO_NEWLINE, "+b");
        assertThat(ContentDiff.of("/f", utf8("a\n"), utf8("b"))).containsExactly(
                "--- /f", "+++ /f", "@@ -1 +1 @@", "-a", "+b", ContentDiff.NO_NEWLINE);
    }

    @Test
    void sameContentHasNoDiff() {
        assertThat(ContentDiff.of("/f", utf8("same\n"), utf8("same\n"))).isEmpty();
        assertThat(ContentDiff.of("/f", null, new byte[0])).as("an empty file created").isEmpty();
    }

    @Test
    void binaryContentOnEitherSideIsOneLine() {
        assertThat(ContentDiff.of("/f", utf8("text\n"), new byte[] {'a', 0, 'b'}))
                .containsExactly(ContentDiff.BINARY);
        assertThat(ContentDiff.of("/f", new byte[] {(byte) 0xff, (byte) 0xfe}, utf8("text\n")))
                .as("not UTF-8").containsExactly(ContentDiff.BINARY);
        assertThat(ContentDiff.of("/f", utf8("caf\u00e9\n"), utf8("caf\u00e8\n")))
                .as("UTF-8 beyond ASCII is text").contains("-caf\u00e9", "+caf\u00e8");
    }

    @Test
    void aLongDiffIsCutAfterTheLimitWithACountOfTheRest() {
        List<String> diff = ContentDiff.of("/f", null, utf8(numbered(1, 500)));

        assertThat(diff).hasSize(ContentDiff.MAX_LINES + 1);
        assertThat(diff.subList(0, 4)).containsExactly("--- /dev/null", "+++ /f", "@@ -0,0 +1,500 @@", "+line 1");
        assertThat(diff.get(ContentDiff.MAX_LINES - 1)).isEqualTo("+line 197");
        // 2 headers + 1 hunk header + 500 lines = 503, of which 200 are kept.
        assertThat(diff.getLast()).isEqualTo("... 303 more lines of diff left out");
    }

    @Test
    void contentTooLargeOrTooDifferentIsNotDiffed() {
        byte[] big = new byte[ContentDiff.MAX_BYTES + 1];
        Arrays.fill(big, (byte) 'x');
        assertThat(ContentDiff.of("/f", utf8("small\n"), big)).containsExactly(ContentDiff.TOO_LARGE);

        String many = numbered(1, ContentDiff.MAX_REGION_LINES + 1);
        assertThat(ContentDiff.of("/f", utf8("x\n" + many), utf8("y\n" + many.replace("line", "row"))))
                .containsExactly(ContentDiff.TOO_MANY_LINES);
        assertThat(ContentDiff.of("/f", utf8("x\n" + many), utf8("y\n" + many)))
                .as("a long file with one line changed is diffed")
                .containsExactly("--- /f", "+++ /f", "@@ -1,4 +1,4 @@", "-x", "+y", " line 1", " line 2", " line 3");
    }

    @Test
    void readTakesOneByteOverTheLimitAtMost() throws Exception {
        byte[] big = new byte[ContentDiff.MAX_BYTES + 100];
        assertThat(ContentDiff.read(new ByteArrayInputStream(big))).hasSize(ContentDiff.MAX_BYTES + 1);
        assertThat(ContentDiff.read(new ByteArrayInputStream(utf8("abc")))).isEqualTo(utf8("abc"));
    }

    /**
     * On random edits, GNU patch applies the diff with no fuzz (all context lines must match)
     * and gets the new content, and every hunk has its three lines of context where the file
     * has them.
     */
    @Test
    void gnuPatchAppliesTheDiffExactly(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/patch")), "GNU patch is not installed");
        var random = new Random(13);
        for (int round = 0; round < 100; round++) {
            var lines = new ArrayList<String>();
            int n = random.nextInt(60);
            for (int i = 0; i < n; i++) {
                lines.add("l" + random.nextInt(8));
            }
            var edited = new ArrayList<>(lines);
            for (int e = random.nextInt(6); e > 0; e--) {
                if (edited.isEmpty()) {
                    edited.add("new" + e);
                    continue;
                }
                int at = random.nextInt(edited.size());
                switch (random.nextInt(3)) {
                    case 0 -> edited.add(at, "new" + e);
                    case 1 -> edited.remove(at);
                    default -> edited.set(at, "set" + e);
                }
            }
            String before = lines.stream().map(l -> l + "\n").collect(Collectors.joining())
                    + (random.nextInt(4) == 0 ? "end" : "");
            String after = edited.stream().map(l -> l + "\n").collect(Collectors.joining())
                    + (random.nextInt(4) == 0 ? "tail" : "");
            List<String> diff = ContentDiff.of("/f", utf8(before), utf8(after));
            if (before.equals(after)) {
                assertThat(diff).isEmpty();
                continue;
            }
            Path target = Files.writeString(dir.resolve("target"), before);
            Path patchFile = Files.writeString(dir.resolve("diff"), String.join("\n", diff) + "\n");
            Process p = new ProcessBuilder("/usr/bin/patch", "--quiet", "--fuzz=0", "--force",
                    "--no-backup-if-mismatch", target.toString(), patchFile.toString()).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(p.waitFor()).as("round %d: patch says %s for\n%s", round, said, String.join("\n", diff))
                    .isZero();
            assertThat(Files.readString(target)).as("round %d", round).isEqualTo(after);
            assertThat(diff.stream().filter(l -> l.startsWith("@@")).count())
                    .as("round %d: hunks", round).isPositive();
            List<String> body = diff.subList(3, diff.size());
            long leading = body.stream().takeWhile(l -> l.startsWith(" ")).count();
            assertThat(leading).as("round %d: context before the first change", round)
                    .isEqualTo(Math.min(ContentDiff.CONTEXT, commonPrefix(before, after)));
        }
    }

    /** How many lines, each with its line break, {@code a} and {@code b} share at their start. */
    private static int commonPrefix(String a, String b) {
        String[] x = a.split("(?<=\n)");
        String[] y = b.split("(?<=\n)");
        int n = 0;
        while (n < x.length && n < y.length && x[n].equals(y[n])) {
            n++;
        }
        return n;
    }

    @Test
    void aCheckResultCarriesADiffOnlyWithAChangeAndOnlyWholeLines() {
        var result = CheckResult.changed("content (1 -> 2 bytes)").withDiff(List.of("--- /f", "+++ /f"));
        assertThat(result.diff()).containsExactly("--- /f", "+++ /f");
        assertThat(CheckResult.changed("x").diff()).isEmpty();
        assertThat(new CheckResult(List.of("x")).diff()).isEmpty();

        assertThatThrownBy(() -> CheckResult.ok().withDiff(List.of("-a")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CheckResult.changed("x").withDiff(List.of("-a\n+b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("-a");
    }
}
