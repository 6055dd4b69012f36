package dev.converge.agent.report;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.PrintWriter;
import java.io.Writer;
import org.apache.logging.log4j.Level;

/**
 * Whether the agent's stderr is the systemd journal, and the priority prefix its lines then
 * carry. systemd sets {@code JOURNAL_STREAM} to the device and inode ({@code DEV:INO}, decimal)
 * of the stream it connects to a service's stderr; when stderr is still that stream, a line
 * starting with {@code <N>} is stored at syslog priority N and the prefix removed, so
 * {@code journalctl -p warning} shows the agent's warnings and errors.
 *
 * <p>Stateless; any thread.
 */
public final class Journal {

    /** The system property log4j2.xml puts before each text line: a level-to-priority pattern, or unset. */
    public static final String PREFIX_PROPERTY = "converge.priority";
    /** sd-daemon priorities: error 3, warning 4, info 6, debug 7. */
    private static final String PRIORITY_PATTERN = "%level{FATAL=<2>,ERROR=<3>,WARN=<4>,INFO=<6>,DEBUG=<7>,TRACE=<7>}";
    private static final int STDERR = 2;

    private Journal() {
    }

    /** True when {@code JOURNAL_STREAM} names this process's stderr. */
    public static boolean stderrIsJournal() {
        String stream = System.getenv("JOURNAL_STREAM");
        if (stream == null || stream.isEmpty()) {
            return false;
        }
        try {
            Libc.Stat stat = Libc.statx(STDERR, "", Libc.AT_EMPTY_PATH);
            return names(stream, stat.device(), stat.inode());
        } catch (ErrnoException e) {
            return false;
        }
    }

    /**
     * Whether {@code stream} ({@code DEV:INO}, DEV as the C library's {@code dev_t}) is the file
     * of {@code device} (major in the upper 32 bits, minor in the lower, as statx gives them) and
     * {@code inode}.
     */
    static boolean names(String stream, long device, long inode) {
        int colon = stream.indexOf(':');
        if (colon < 0) {
            return false;
        }
        try {
            long dev = Long.parseUnsignedLong(stream.substring(0, colon));
            long ino = Long.parseUnsignedLong(stream.substring(colon + 1));
            return dev == devT(device >>> 32, device & 0xffffffffL) && ino == inode;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** glibc's {@code makedev}: the {@code dev_t} of a major and minor number. */
    static long devT(long major, long minor) {
        return (major & 0xfffL) << 8 | (major & 0xfffff000L) << 32 | minor & 0xffL | (minor & 0xffffff00L) << 12;
    }

    /**
     * When stderr is the journal, makes log4j's text lines start with their priority; call before
     * log4j reads its configuration.
     */
    public static void usePriorityPrefixIfJournal() {
        if (stderrIsJournal()) {
            System.setProperty(PREFIX_PROPERTY, PRIORITY_PATTERN);
        }
    }

    /** Whether {@link #usePriorityPrefixIfJournal} found the journal. */
    public static boolean prefixing() {
        return System.getProperty(PREFIX_PROPERTY) != null;
    }

    /**
     * {@code out}, each line of it starting with the priority of its severity word ({@code error}
     * 3, {@code warning} 4, {@code info} 6, as {@link LogWriter} reads them): for text the agent
     * prints itself, such as the loader's diagnostics. Thread-safe.
     */
    static PrintWriter prefixed(PrintWriter out) {
        return new PrintWriter(new Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public synchronized void write(char[] chars, int offset, int length) {
                for (int i = offset; i < offset + length; i++) {
                    if (chars[i] == '\n') {
                        out.print(prefix(LogWriter.level(line.toString())) + line + "\n");
                        line.setLength(0);
                    } else {
                        line.append(chars[i]);
                    }
                }
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public synchronized void close() {
                if (!line.isEmpty()) {
                    out.print(prefix(LogWriter.level(line.toString())) + line);
                    line.setLength(0);
                }
                out.flush();
            }
        }, true);
    }

    /** The prefix of a line logged at {@code level}: {@code <3>} for an error, and so on. */
    static String prefix(Level level) {
        if (level.isMoreSpecificThan(Level.ERROR)) {
            return level == Level.FATAL ? "<2>" : "<3>";
        }
        return level == Level.WARN ? "<4>" : level == Level.INFO ? "<6>" : "<7>";
    }
}
