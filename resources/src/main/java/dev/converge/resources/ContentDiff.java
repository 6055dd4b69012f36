package dev.converge.resources;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.algorithm.myers.MeyersDiff;
import com.github.difflib.patch.AbstractDelta;
import com.github.difflib.patch.Chunk;
import com.github.difflib.patch.Patch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The unified diff of a content change, old to new, as {@link CheckResult#diff()} carries it:
 * headers {@code --- NAME} and {@code +++ NAME}, then hunks with {@value #CONTEXT} lines of
 * context, as GNU {@code diff -u} prints them (a missing side is named {@value #NO_FILE} and its
 * range is {@code 0,0}; a last line without a line break is followed by {@value #NO_NEWLINE}).
 * The changes are found by java-diff-utils (Myers' algorithm) in the region that differs, after
 * the lines the two sides share at their start and end; its unified diff writer makes the hunks,
 * whose headers are rewritten in GNU's form.
 *
 * <p>Some content is not shown line by line: binary content (a NUL byte, or bytes that are not
 * UTF-8, on either side) gives the one line {@value #BINARY}; a side over {@link #MAX_BYTES},
 * or a region that differs (from the first line that differs to the last) of more than
 * {@value #MAX_REGION_LINES} lines on a side, gives one line saying the content is too large. A
 * diff of more than {@value #MAX_LINES} lines keeps its first {@value #MAX_LINES} and ends with
 * a line counting the ones left out. Sensitive content is never given to this class: its
 * owner reports {@link #SENSITIVE} instead.
 *
 * <p>Invariants: equal content gives no line; no line holds a {@code '\n'}. Stateless, so any
 * thread may call it.
 */
public final class ContentDiff {

    /** Lines of context around each change. */
    public static final int CONTEXT = 3;
    /** The most lines a diff keeps; one more line says how many were left out. */
    public static final int MAX_LINES = 200;
    /** Content larger than this on either side (1 MiB) is not diffed. */
    public static final int MAX_BYTES = 1 << 20;
    /**
     * The most lines on either side of the region that differs; beyond it the content is not
     * diffed, as the algorithm's time grows with the product of the two sides.
     */
    public static final int MAX_REGION_LINES = 2_000;
    /** The name of a missing side: the file is created, or removed. */
    public static final String NO_FILE = "/dev/null";
    /** The one line that stands for the diff of sensitive content. */
    public static final String SENSITIVE = "content changed (sensitive)";
    /** The one line that stands for the diff of binary content. */
    public static final String BINARY = "binary content differs";
    /** The one line for content of more than {@link #MAX_BYTES} on a side. */
    public static final String TOO_LARGE = "content too large to diff (over 1 MiB)";
    /** The one line for a region that differs of more than {@link #MAX_REGION_LINES} lines. */
    public static final String TOO_MANY_LINES = "changes too large to diff (over " + MAX_REGION_LINES + " lines)";
    /** Follows a last line that has no line break, as in {@code diff -u}. */
    public static final String NO_NEWLINE = "\\ No newline at end of file";

    /** java-diff-utils' hunk header: {@code @@ -start,count +start,count @@}. */
    private static final Pattern HUNK = Pattern.compile("@@ -(\\d+),(\\d+) \\+(\\d+),(\\d+) @@");

    private ContentDiff() {
    }

    /**
     * The diff of the content at {@code name} from {@code before} to {@code after}.
     *
     * @param before the old content, or null when there was no file (created)
     * @param after  the new content, or null when there will be none (removed)
     * @return the lines; empty when the content is the same
     */
    public static List<String> of(String name, byte[] before, byte[] after) {
        byte[] old = before == null ? new byte[0] : before;
        byte[] now = after == null ? new byte[0] : after;
        if (Arrays.equals(old, now)) {
            return List.of();
        }
        if (old.length > MAX_BYTES || now.length > MAX_BYTES) {
            return List.of(TOO_LARGE);
        }
        String oldText = text(old);
        String newText = text(now);
        if (oldText == null || newText == null) {
            return List.of(BINARY);
        }
        List<String> a = lines(oldText);
        List<String> b = lines(newText);
        int prefix = 0;
        while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < a.size() - prefix && suffix < b.size() - prefix
                && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
            suffix++;
        }
        if (a.size() - prefix - suffix > MAX_REGION_LINES || b.size() - prefix - suffix > MAX_REGION_LINES) {
            return List.of(TOO_MANY_LINES);
        }
        // Only the region that differs is diffed; its changes are moved to their place in the whole.
        Patch<String> region = DiffUtils.diff(a.subList(prefix, a.size() - suffix),
                b.subList(prefix, b.size() - suffix), new MeyersDiff<String>());
        var patch = new Patch<String>(region.getDeltas().size());
        for (AbstractDelta<String> d : region.getDeltas()) {
            patch.addDelta(d.withChunks(new Chunk<>(d.getSource().getPosition() + prefix, d.getSource().getLines()),
                    new Chunk<>(d.getTarget().getPosition() + prefix, d.getTarget().getLines())));
        }
        List<String> unified = UnifiedDiffUtils.generateUnifiedDiff(header(before == null ? NO_FILE : name),
                header(after == null ? NO_FILE : name), a, patch, CONTEXT);
        var out = new ArrayList<String>(Math.min(unified.size() + 2, MAX_LINES + 1));
        int total = 0;
        for (int i = 0; i < unified.size(); i++) {
            String line = unified.get(i);
            if (i < 2) {
                total = keep(out, total, line);
            } else if (line.startsWith("@@")) {
                total = keep(out, total, hunk(line));
            } else if (line.endsWith("\n")) {
                total = keep(out, total, line.substring(0, line.length() - 1));
            } else {
                total = keep(out, total, line);
                total = keep(out, total, NO_NEWLINE);
            }
        }
        if (total > MAX_LINES) {
            int left = total - MAX_LINES;
            out.add("... " + left + (left == 1 ? " more line" : " more lines") + " of diff left out");
        }
        return List.copyOf(out);
    }

    /**
     * Reads {@code in} up to one byte over {@link #MAX_BYTES}: all of content that can be
     * diffed, and enough of larger content for {@link #of} to say it is too large.
     */
    public static byte[] read(InputStream in) throws IOException {
        return in.readNBytes(MAX_BYTES + 1);
    }

    /** Adds {@code line} while fewer than {@link #MAX_LINES} are kept; the count of lines so far. */
    private static int keep(List<String> out, int total, String line) {
        if (total < MAX_LINES) {
            out.add(line);
        }
        return total + 1;
    }

    /**
     * A hunk header as {@code diff -u} writes it: an empty range starts at the line before it
     * ({@code -0,0} for a new file), and a range of one line has no count.
     */
    private static String hunk(String line) {
        Matcher m = HUNK.matcher(line);
        if (!m.lookingAt()) {
            throw new IllegalStateException("unexpected hunk header from java-diff-utils: " + line);
        }
        return "@@ -" + range(m.group(1), m.group(2)) + " +" + range(m.group(3), m.group(4)) + " @@"
                + line.substring(m.end());
    }

    private static String range(String start, String count) {
        int from = Integer.parseInt(start);
        int lines = Integer.parseInt(count);
        return lines == 1 ? Integer.toString(from) : (lines == 0 ? from - 1 : from) + "," + lines;
    }

    /** A header's file name on one line: a line break in a path is shown as {@code \n}. */
    private static String header(String name) {
        return name.replace("\n", "\\n");
    }

    /** The content as text, or null when it is binary: a NUL byte, or not UTF-8. */
    private static String text(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The lines of {@code text}, each with its {@code '\n'}; the last has none when the text
     * does not end with one. Comparing lines with their breaks tells a missing final break apart.
     */
    private static List<String> lines(String text) {
        var lines = new ArrayList<String>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            int next = end < 0 ? text.length() : end + 1;
            lines.add(text.substring(start, next));
            start = next;
        }
        return lines;
    }
}
