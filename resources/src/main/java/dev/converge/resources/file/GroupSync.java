package dev.converge.resources.file;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of flushes to disk. A writer that needs a file's content, or a directory's
 * entries, on disk asks here and waits; one flusher thread takes every request waiting, flushes
 * them together and wakes their writers, while the requests made meanwhile wait for its next
 * round. A round's only request on a file system is flushed with its own {@code fsync}; several,
 * with one {@code syncfs} there, which writes and waits for everything dirty on it. A writer
 * returns only once a flush that began after its request has completed, so what it wrote before
 * asking is on disk.
 *
 * <p>Why a thread of its own: a flush is a native call that holds the thread making it, and the
 * agent's writers are virtual threads on as many carriers as there are CPUs. A writer that
 * flushed for the others would hold a carrier the others need to reach their flush, and rounds
 * would stay small; the flusher holds none of them.
 *
 * <p>Errors: {@code syncfs} reports a writeback error of its file system that happened since its
 * descriptor was opened (Linux 5.8), so it is called on the descriptor of the round opened first
 * ({@link #opened()} numbers them). An error in any member's writeback fails every writer of
 * that file system's round, and so does an error of another file there: a writer may fail that
 * did not have to; none succeeds whose data is not on disk.
 *
 * <p>Thread-safe: any number of threads call {@link #flush}. The flusher is a daemon platform
 * thread, started by the first request, that parks while there is none.
 */
final class GroupSync {

    /** The one instance: content before renames and directories after them share its rounds. */
    static final GroupSync DISK = new GroupSync();

    /** Numbers descriptors in the order they were opened; see {@link #opened()}. */
    private static final AtomicLong OPENED = new AtomicLong();

    /**
     * What one writer needs on disk: a file or directory on file system {@code device}, its
     * descriptor {@code fd} (readable; numbered {@code opened} by {@link #opened()} right after it
     * was opened) and the flush of that one thing alone.
     */
    record Request(long device, int fd, long opened, Flush alone) {
    }

    /** The flush of one file or directory. */
    @FunctionalInterface
    interface Flush {
        void run() throws ErrnoException;
    }

    /** A request and what became of it. {@code done} and {@code failure} are guarded by {@link #lock}. */
    private static final class Waiter {
        final Request request;
        boolean done;
        IOException failure;

        Waiter(Request request) {
            this.request = request;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a request arrives. */
    private final Condition requested = lock.newCondition();
    /** Signalled when a round ends. */
    private final Condition flushed = lock.newCondition();
    /** Requests not yet taken by the flusher. Guarded by {@link #lock}. */
    private List<Waiter> waiting = new ArrayList<>();
    /** Whether the flusher thread was started. Guarded by {@link #lock}. */
    private boolean started;
    /** Rounds flushed, and the requests they served. Guarded by {@link #lock}. */
    private long rounds;
    private long served;

    /** The next number for a descriptor just opened that may serve a {@code syncfs}. Any thread. */
    static long opened() {
        return OPENED.incrementAndGet();
    }

    /**
     * Returns once a flush that began after this call has put {@code request}'s file or
     * directory on disk; throws that flush's error. Waits without being interruptible: a flush
     * takes as long as the disk does, and a writer that left early could not tell whether its
     * data is on disk. Any thread.
     */
    void flush(Request request) throws IOException {
        var mine = new Waiter(request);
        lock.lock();
        try {
            if (!started) {
                Thread.ofPlatform().daemon().name("file-flush").start(this::flushForever);
                started = true;
            }
            waiting.add(mine);
            requested.signal();
            while (!mine.done) {
                flushed.awaitUninterruptibly();
            }
            if (mine.failure != null) {
                throw mine.failure;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Requests made and not yet taken into a round. Any thread. */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Rounds flushed so far and the requests they served. Any thread. */
    long[] counts() {
        lock.lock();
        try {
            return new long[] {rounds, served};
        } finally {
            lock.unlock();
        }
    }

    /** The flusher: takes every waiting request, flushes them as one round, wakes their writers. */
    private void flushForever() {
        while (true) {
            List<Waiter> round;
            lock.lock();
            try {
                while (waiting.isEmpty()) {
                    requested.awaitUninterruptibly();
                }
                round = waiting;
                waiting = new ArrayList<>();
            } finally {
                lock.unlock();
            }
            Map<Waiter, IOException> failures = run(round);
            lock.lock();
            try {
                for (Waiter w : round) {
                    w.failure = failures.get(w);
                    w.done = true;
                }
                rounds++;
                served += round.size();
                flushed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Flushes a round, per file system: a request alone there by its own flush, several by one
     * syncfs on the descriptor opened first. Returns the failed requests' errors. Flusher only.
     */
    private static Map<Waiter, IOException> run(List<Waiter> round) {
        Map<Long, List<Waiter>> byDevice = new LinkedHashMap<>();
        for (Waiter w : round) {
            byDevice.computeIfAbsent(w.request.device(), d -> new ArrayList<>()).add(w);
        }
        Map<Waiter, IOException> failures = new LinkedHashMap<>();
        for (List<Waiter> same : byDevice.values()) {
            try {
                if (same.size() == 1) {
                    same.getFirst().request.alone().run();
                } else {
                    Waiter first = same.stream()
                            .min(Comparator.comparingLong(w -> w.request.opened())).orElseThrow();
                    Libc.syncfs(first.request.fd());
                }
            } catch (ErrnoException e) {
                same.forEach(w -> failures.put(w, e));
            } catch (RuntimeException e) {
                var failure = new IOException("flushing to disk failed: " + e.getMessage(), e);
                same.forEach(w -> failures.put(w, failure));
            }
        }
        return failures;
    }
}
