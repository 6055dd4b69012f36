package dev.converge.resources.process;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts the bytes a command writes into lines, decoded as UTF-8, without their {@code \n} (and a
 * {@code \r} before it), and passes each on as soon as it is complete.
 *
 * <p>Invariant: it holds at most {@link #MAX_LINE_BYTES} bytes whatever it is fed. A longer line
 * is passed on once, as soon as it exceeds the limit: its first {@link #MAX_LINE_BYTES} bytes
 * (less an incomplete last character) followed by {@link #TRUNCATED}; the rest of it, up to the
 * next {@code \n}, is dropped.
 *
 * <p>Not thread-safe: one splitter per stream.
 */
public final class LineSplitter {

    /** The longest line passed on whole, in bytes. */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    /** Appended to a line cut at {@link #MAX_LINE_BYTES}. */
    public static final String TRUNCATED = " [truncated: line longer than " + MAX_LINE_BYTES + " bytes]";

    private final Consumer<String> sink;
    private byte[] line = new byte[256];
    private int length;
    private boolean dropping;

    LineSplitter(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Takes the next {@code n} bytes of the stream. */
    void feed(byte[] b, int off, int n) {
        int start = off;
        int end = off + n;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                append(b, start, i - start);
                if (!dropping) {
                    sink.accept(decode(line, length, true));
                }
                length = 0;
                dropping = false;
                start = i + 1;
            }
        }
        append(b, start, end - start);
    }

    /** The stream ended: passes on its last line if it had no {@code \n}. */
    void finish() {
        if (length > 0 && !dropping) {
            sink.accept(decode(line, length, true));
        }
        length = 0;
        dropping = false;
    }

    private void append(byte[] b, int off, int n) {
        if (dropping || n == 0) {
            return;
        }
        int room = MAX_LINE_BYTES - length;
        int taken = Math.min(n, room);
        if (length + taken > line.length) {
            line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, Math.max(line.length * 2, length + taken)));
        }
        System.arraycopy(b, off, line, length, taken);
        length += taken;
        if (n > room) {
            sink.accept(decode(line, completeLength(line, length), false) + TRUNCATED);
            length = 0;
            dropping = true;
        }
    }

    private static String decode(byte[] b, int len, boolean stripCr) {
        int end = stripCr && len > 0 && b[len - 1] == '\r' ? len - 1 : len;
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    /** {@code len} less the bytes of a UTF-8 sequence that the cut at {@code len} left incomplete. */
    private static int completeLength(byte[] b, int len) {
        int i = len - 1;
        while (i >= 0 && len - i <= 3 && (b[i] & 0xC0) == 0x80) {
            i--;
        }
        if (i < 0) {
            return len;
        }
        int lead = b[i] & 0xFF;
        int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return len - i < need ? i : len;
    }
}
