package dev.converge.resources.process;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One platform thread that reads the output of every running command and notices each exit:
 * {@code epoll} over the read ends of their pipes (non-blocking) and their pidfds. This replaces
 * two reader threads per command; a virtual thread cannot wait on a pipe without pinning its
 * carrier.
 *
 * <p>While nothing is watched the thread parks in Java rather than in {@code epoll_wait}: the JVM
 * waits up to 300 ms at exit for a thread that is inside a native call, and an agent that has
 * run its last command must exit at once. Removing the last watch wakes it through a pipe.
 *
 * <p>Threads: {@link #watchOutput}, {@link #watchExit} and {@link Watch#close} may be called
 * from any thread. Every {@link Sink} and exit callback runs on the pump's thread, one at a time,
 * and must not block: a slow callback delays every command's output. After {@link Watch#close}
 * returns, its callbacks are not called again and its descriptor is closed.
 */
final class OutputPump {

    /** Receives one stream's bytes, on the pump's thread. */
    interface Sink {

        /** The next {@code n} bytes of the stream, in {@code bytes} (valid during the call only). */
        void bytes(byte[] bytes, int n);

        /** The stream ended (every writer closed it, or reading failed); called once. */
        void end();
    }

    private static final System.Logger LOG = System.getLogger(OutputPump.class.getName());
    private static final int BUFFER = 64 * 1024;
    private static final int EVENTS = 64;

    private static final class Holder {
        static final OutputPump PUMP = new OutputPump();
    }

    /** The epoll data of the wake pipe; watches count from 1. */
    private static final long WAKE = 0;

    private final int epoll;
    private final int wakeRead;
    private final int wakeWrite;
    private final Map<Long, Watch> watches = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    private final Thread thread;

    private OutputPump() {
        try {
            epoll = Libc.epollCreate();
            int[] wake = Libc.pipe(Libc.O_CLOEXEC | Libc.O_NONBLOCK);
            wakeRead = wake[0];
            wakeWrite = wake[1];
            Libc.epollAdd(epoll, wakeRead, Libc.EPOLLIN, WAKE);
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot set up the epoll instance that reads command output: "
                    + e.getMessage(), e);
        }
        thread = Thread.ofPlatform().daemon().name("command-output").start(this::run);
    }

    /** The JVM's pump, started on first use. */
    static OutputPump instance() {
        return Holder.PUMP;
    }

    /** How many descriptors are watched now; for tests. */
    int watched() {
        return watches.size();
    }

    /**
     * Reads {@code fd} (non-blocking, owned from now on: closed when it ends or by
     * {@link Watch#close}) into {@code sink}.
     */
    Watch watchOutput(int fd, Sink sink) throws ErrnoException {
        return add(new Watch(tokens.incrementAndGet(), fd, sink, null));
    }

    /** Runs {@code exited} once the process of {@code pidfd} (owned from now on) has exited. */
    Watch watchExit(int pidfd, Runnable exited) throws ErrnoException {
        return add(new Watch(tokens.incrementAndGet(), pidfd, null, exited));
    }

    private Watch add(Watch watch) throws ErrnoException {
        watches.put(watch.token, watch);
        try {
            Libc.epollAdd(epoll, watch.fd, Libc.EPOLLIN, watch.token);
        } catch (ErrnoException e) {
            watches.remove(watch.token);
            Libc.closeQuietly(watch.fd);
            throw e;
        }
        LockSupport.unpark(thread);
        return watch;
    }

    private void run() {
        Arena arena = Arena.ofConfined();
        MemorySegment events = arena.allocate(Libc.EPOLL_EVENT, EVENTS);
        MemorySegment buffer = arena.allocate(BUFFER);
        byte[] bytes = new byte[BUFFER];
        while (true) {
            while (watches.isEmpty()) {
                LockSupport.park(this);
            }
            int n;
            try {
                n = Libc.epollWait(epoll, events, -1);
            } catch (ErrnoException e) {
                LOG.log(System.Logger.Level.ERROR, "waiting for command output failed", e);
                continue;
            }
            for (int i = 0; i < n; i++) {
                long token = Libc.epollData(events, i);
                if (token == WAKE) {
                    drainWakes(buffer);
                    continue;
                }
                Watch watch = watches.get(token);
                if (watch != null) {
                    watch.ready(buffer, bytes);
                }
            }
        }
    }

    /** Reads the wake pipe empty. */
    private void drainWakes(MemorySegment buffer) {
        try {
            long n;
            do {
                n = Libc.read(wakeRead, buffer, BUFFER);
            } while (n > 0);
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.ERROR, "reading the command output thread's wake pipe failed", e);
        }
    }

    /** Called when a watch was removed: the last one wakes the thread, which then parks. */
    private void removed() {
        if (watches.isEmpty()) {
            try (Arena arena = Arena.ofConfined()) {
                Libc.write(wakeWrite, arena.allocate(1), 1);
            } catch (ErrnoException e) {
                // EAGAIN: the pipe is full of wakes already.
            }
        }
    }

    /**
     * One watched descriptor. Its lock is held while a callback runs and while it closes, so a
     * descriptor is never read after it is closed (its number may be reused by then).
     */
    final class Watch implements AutoCloseable {

        private final long token;
        private final int fd;
        private final Sink sink;
        private final Runnable exited;
        /** Guarded by this. */
        private boolean closed;

        private Watch(long token, int fd, Sink sink, Runnable exited) {
            this.token = token;
            this.fd = fd;
            this.sink = sink;
            this.exited = exited;
        }

        /** On the pump's thread: the descriptor is readable, at end of file, or its process exited. */
        private synchronized void ready(MemorySegment buffer, byte[] bytes) {
            if (closed) {
                return;
            }
            if (sink == null) {
                release();
                callback(exited);
                return;
            }
            long n;
            try {
                n = Libc.read(fd, buffer, BUFFER);
            } catch (ErrnoException e) {
                n = 0;
            }
            if (n == -Libc.EAGAIN) {
                return;
            }
            if (n > 0) {
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) n);
                int count = (int) n;
                callback(() -> sink.bytes(bytes, count));
                return;
            }
            release();
            callback(sink::end);
        }

        /** Stops watching and closes the descriptor; waits for a callback under way. Idempotent. */
        @Override
        public synchronized void close() {
            if (!closed) {
                release();
            }
        }

        private void release() {
            closed = true;
            watches.remove(token);
            try {
                Libc.epollDelete(epoll, fd);
            } catch (ErrnoException e) {
                // Closing the descriptor below removes it from the epoll set anyway.
            }
            Libc.closeQuietly(fd);
            removed();
        }

        private static void callback(Runnable callback) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a command output callback failed", e);
            }
        }
    }
}
