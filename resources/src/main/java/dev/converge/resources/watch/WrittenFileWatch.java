package dev.converge.resources.watch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reports each time one file has been written <em>and closed</em>, or renamed into place, and
 * never while a writer is still at it: Linux inotify's {@code IN_CLOSE_WRITE} and
 * {@code IN_MOVED_TO} on the file's directory, called through {@code java.lang.foreign} (the JDK's
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
    private static final int IN_NONBLOCK = 0x800;
    private static final int IN_CLOEXEC = 0x80000;
    private static final int O_CLOEXEC = 0x80000;
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle INOTIFY_INIT1 = call("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH =
            call("inotify_add_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle READ = call("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = call("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = call("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PIPE2 = call("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

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
        this.inotify = check((int) invoke(INOTIFY_INIT1, IN_NONBLOCK | IN_CLOEXEC), "inotify_init1");
        int[] pipe;
        try (Arena arena = Arena.ofConfined()) {
            int wd = (int) invoke(INOTIFY_ADD_WATCH, inotify, arena.allocateFrom(absolute.getParent().toString()),
                    IN_CLOSE_WRITE | IN_MOVED_TO);
            if (wd < 0) {
                invoke(CLOSE, inotify);
                throw new IOException("cannot watch " + absolute.getParent() + " (inotify_add_watch failed)");
            }
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            if ((int) invoke(PIPE2, fds, O_CLOEXEC) < 0) {
                invoke(CLOSE, inotify);
                throw new IOException("pipe2 failed");
            }
            pipe = new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
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
                if ((int) invoke(POLL, polls, 2L, -1) < 0) {
                    continue;
                }
                if ((short) POLL_REVENTS.get(polls, 0L, 1L) != 0) {
                    return;
                }
                long n = (long) invoke(READ, inotify, buffer, buffer.byteSize());
                if (n > 0 && written(buffer, n)) {
                    report();
                }
            }
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
            invoke(WRITE, wakeWrite, arena.allocate(1), 1L);
        }
        reader.join();
        invoke(CLOSE, inotify);
        invoke(CLOSE, wakeRead);
        invoke(CLOSE, wakeWrite);
    }

    private static MethodHandle call(String function, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.find(function).orElseThrow(
                () -> new IllegalStateException("libc has no " + function + ": Linux with glibc only")),
                descriptor);
    }

    private static int check(int result, String what) throws IOException {
        if (result < 0) {
            throw new IOException(what + " failed");
        }
        return result;
    }

    /** Calls a libc function; they throw nothing but what the JVM would, which is rethrown unchecked. */
    private static Object invoke(MethodHandle function, Object... args) {
        try {
            return function.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
