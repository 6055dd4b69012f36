package dev.converge.resources.watch;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reports each time one file has been written <em>and closed</em>, or renamed into place, and
 * never while a writer is still at it: Linux inotify's {@code IN_CLOSE_WRITE} and
 * {@code IN_MOVED_TO} on the file's directory, called through {@link Libc} (the JDK's
 * WatchService offers only "modified", which fires on every write). A file written in place with
 * a pause mid-write is reported once, when the writer closes it.
 *
 * <p>An event queue overflow is reported too (the file may have been written). The directory must
 * exist when the watch starts.
 *
 * <p>Threads: one platform thread of its own waits for events and runs {@code onWritten}, one call
 * at a time; {@link #close} may be called from any thread, wakes it through a pipe, and waits for
 * it to end. A report that throws is logged and does not stop the watch. Linux only.
 */
public final class WrittenFileWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(WrittenFileWatch.class.getName());
    private static final int IN_CLOSE_WRITE = 0x8;
    private static final int IN_MOVED_TO = 0x80;
    private static final int IN_Q_OVERFLOW = 0x4000;
    private static final short POLLIN = 1;
    /** struct inotify_event: wd, mask, cookie, len, then len bytes of NUL-padded name. */
    private static final int EVENT_HEADER = 16;
    private static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    private static final VarHandle POLL_FD = POLLFD.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("fd"));
    private static final VarHandle POLL_EVENTS =
            POLLFD.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("events"));
    private static final VarHandle POLL_REVENTS =
            POLLFD.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("revents"));

    private final String name;
    private final Runnable onWritten;
    private final int inotify;
    private final int wakeRead;
    private final int wakeWrite;
    private final Thread reader;
    /** Events read so far, reported or not; for tests that need the watch to have caught up. */
    private final AtomicInteger eventsRead = new AtomicInteger();

    /**
     * Starts watching {@code file}.
     *
     * @param onWritten run on the watch's thread each time the file was written and closed, or
     *     renamed into place
     * @throws IOException when inotify cannot be set up (no such directory, too many watches)
     */
    public WrittenFileWatch(Path file, Runnable onWritten) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        this.name = absolute.getFileName().toString();
        this.onWritten = onWritten;
        this.inotify = Libc.inotifyInit(Libc.IN_NONBLOCK | Libc.IN_CLOEXEC);
        int[] pipe;
        try {
            Libc.inotifyAddWatch(inotify, absolute.getParent().toString(), IN_CLOSE_WRITE | IN_MOVED_TO);
            pipe = Libc.pipe(Libc.O_CLOEXEC);
        } catch (ErrnoException e) {
            Libc.closeQuietly(inotify);
            throw new IOException("cannot watch " + absolute.getParent() + ": " + e.getMessage(), e);
        }
        this.wakeRead = pipe[0];
        this.wakeWrite = pipe[1];
        this.reader = Thread.ofPlatform().daemon().name("written file watch " + name).start(this::run);
    }

    /** The watch's thread: waits on inotify and the wake pipe, reports matching events, ends on a wake. */
    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment polls = arena.allocate(POLLFD, 2);
            MemorySegment buffer = arena.allocate(64 * 1024, 8);
            while (true) {
                POLL_FD.set(polls, 0L, 0L, inotify);
                POLL_EVENTS.set(polls, 0L, 0L, POLLIN);
                POLL_REVENTS.set(polls, 0L, 0L, (short) 0);
                POLL_FD.set(polls, 0L, 1L, wakeRead);
                POLL_EVENTS.set(polls, 0L, 1L, POLLIN);
                POLL_REVENTS.set(polls, 0L, 1L, (short) 0);
                if (!poll(polls)) {
                    continue;
                }
                if ((short) POLL_REVENTS.get(polls, 0L, 1L) != 0) {
                    return;
                }
                long n = read(buffer);
                if (n > 0 && written(buffer, n)) {
                    report();
                }
            }
        }
    }

    /** Waits for either descriptor; false when woken by a signal or when poll failed. */
    private static boolean poll(MemorySegment polls) {
        try {
            return Libc.poll(polls, 2L, -1) > 0;
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.WARNING, "waiting for inotify events failed", e);
            return false;
        }
    }

    /** Reads queued events; 0 when there are none or reading failed. */
    private long read(MemorySegment buffer) {
        try {
            return Math.max(0, Libc.read(inotify, buffer, buffer.byteSize()));
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.WARNING, "reading inotify events failed", e);
            return 0;
        }
    }

    /** Runs {@code onWritten}; one that throws is logged and the watch goes on. */
    private void report() {
        try {
            onWritten.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "reporting " + name + " written failed", e);
        }
    }

    /** Whether the {@code n} bytes of events in {@code buffer} say the file was written, closed or renamed in. */
    private boolean written(MemorySegment buffer, long n) {
        boolean written = false;
        for (long at = 0; at + EVENT_HEADER <= n; ) {
            int mask = buffer.get(JAVA_INT, at + 4);
            int length = buffer.get(JAVA_INT, at + 12);
            eventsRead.incrementAndGet();
            if ((mask & IN_Q_OVERFLOW) != 0) {
                written = true;
            } else if ((mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0 && length > 0
                    && buffer.getString(at + EVENT_HEADER).equals(name)) {
                written = true;
            }
            at += EVENT_HEADER + length;
        }
        return written;
    }

    /** Events read so far, matching or not. */
    int eventsRead() {
        return eventsRead.get();
    }

    /** Stops the watch and waits for its thread; a report under way finishes first. */
    @Override
    public void close() throws InterruptedException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(wakeWrite, arena.allocate(1), 1L);
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot wake the watch of " + name + ": " + e.getMessage(), e);
        }
        reader.join();
        Libc.closeQuietly(inotify);
        Libc.closeQuietly(wakeRead);
        Libc.closeQuietly(wakeWrite);
    }
}
