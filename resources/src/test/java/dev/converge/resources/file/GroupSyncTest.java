package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupSyncTest {

    private static final int EIO = 5;

    @TempDir
    Path dir;

    private final List<Integer> fds = new ArrayList<>();
    private final List<String> order = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() {
        fds.forEach(Libc::closeQuietly);
    }

    /** A real file in the temporary directory, written and left open; its request flushes it alone by fsync. */
    private GroupSync.Request file(String name, GroupSync.Flush alone) throws IOException {
        int fd = Libc.openat(Libc.AT_FDCWD, dir.resolve(name).toString(),
                Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
        fds.add(fd);
        Libc.writeAll(fd, name.getBytes(), 0, name.length());
        long device = Libc.statx(fd, "", Libc.AT_EMPTY_PATH).device();
        return new GroupSync.Request(device, fd, GroupSync.opened(), alone);
    }

    private Thread flushing(GroupSync sync, GroupSync.Request request, String name) {
        return Thread.ofVirtual().start(() -> {
            try {
                sync.flush(request);
                order.add(name + " returned");
            } catch (IOException e) {
                order.add(name + " failed: " + e.getMessage());
            }
        });
    }

    /** A flush under way, held in its own flush until {@code release} counts down. */
    private record Held(Thread thread, CountDownLatch release) {
    }

    /**
     * Starts a flush of a file "first" whose own flush runs {@code then} and then waits for the
     * returned latch; returns once the flusher is in it, so that the requests made next wait for
     * the following round.
     */
    private Held holdTheFlusher(GroupSync sync, Runnable then) throws Exception {
        var started = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        Thread thread = flushing(sync, file("first", () -> {
            started.countDown();
            awaitQuietly(release);
            then.run();
        }), "first");
        started.await();
        return new Held(thread, release);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void requestsMadeDuringAFlushWaitForItAndShareTheNextOne() throws Exception {
        var sync = new GroupSync();
        var aloneCalls = new AtomicInteger();
        Held first = holdTheFlusher(sync, () -> order.add("first flushed"));

        Thread b = flushing(sync, file("b", aloneCalls::incrementAndGet), "b");
        Thread c = flushing(sync, file("c", aloneCalls::incrementAndGet), "c");
        await().until(() -> sync.waiting() == 2);
        assertThat(order).isEmpty();
        first.release().countDown();
        for (Thread t : List.of(first.thread(), b, c)) {
            t.join();
        }

        assertThat(order.getFirst()).isEqualTo("first flushed");
        assertThat(order).containsExactlyInAnyOrder("first flushed", "first returned", "b returned", "c returned");
        assertThat(aloneCalls).as("b and c share one syncfs instead of an fsync each").hasValue(0);
        assertThat(sync.counts()).containsExactly(2, 3);
    }

    @Test
    void aFailedFlushFailsItsOwnWriterAndNotTheNext() throws Exception {
        var sync = new GroupSync();
        assertThatThrownBy(() -> sync.flush(file("bad", () -> {
            throw new ErrnoException("fsync", EIO);
        }))).isInstanceOf(ErrnoException.class).hasMessageContaining("fsync");
        var flushed = new AtomicInteger();
        sync.flush(file("good", flushed::incrementAndGet));
        assertThat(flushed).hasValue(1);
    }

    @Test
    void aSyncfsThatFailsFailsEveryWriterOfItsFileSystem() throws Exception {
        var sync = new GroupSync();
        Held first = holdTheFlusher(sync, () -> { });
        GroupSync.Request b = file("b", () -> { });
        // A descriptor that is closed: syncfs fails with EBADF, as a failed writeback would.
        GroupSync.Request broken = new GroupSync.Request(b.device(), 1 << 20, 0, () -> { });
        Thread tb = flushing(sync, broken, "b");
        Thread tc = flushing(sync, file("c", () -> { }), "c");
        await().until(() -> sync.waiting() == 2);
        first.release().countDown();
        for (Thread t : List.of(first.thread(), tb, tc)) {
            t.join();
        }
        assertThat(order).contains("first returned")
                .anyMatch(line -> line.startsWith("b failed: syncfs"))
                .anyMatch(line -> line.startsWith("c failed: syncfs"));
    }

    @Test
    void requestsOnTwoFileSystemsInOneRoundAreEachFlushedAlone() throws Exception {
        var sync = new GroupSync();
        Held first = holdTheFlusher(sync, () -> { });
        var alone = new CopyOnWriteArrayList<String>();
        GroupSync.Request here = file("here", () -> alone.add("here"));
        GroupSync.Request other = file("other", () -> alone.add("other"));
        Thread b = flushing(sync, here, "here");
        Thread c = flushing(sync, new GroupSync.Request(other.device() + 1, other.fd(), other.opened(), other.alone()),
                "other");
        await().until(() -> sync.waiting() == 2);
        first.release().countDown();
        for (Thread t : List.of(first.thread(), b, c)) {
            t.join();
        }
        assertThat(alone).containsExactlyInAnyOrder("here", "other");
        assertThat(sync.counts()).containsExactly(2, 3);
    }

    @Test
    void manyConcurrentWritersAllReturn() throws Exception {
        var sync = new GroupSync();
        int writers = 500;
        var start = new CountDownLatch(1);
        var threads = new ArrayList<Thread>();
        var requests = new ArrayList<GroupSync.Request>();
        for (int i = 0; i < writers; i++) {
            requests.add(file("w" + i, () -> { }));
        }
        for (GroupSync.Request r : requests) {
            threads.add(Thread.ofVirtual().start(() -> {
                awaitQuietly(start);
                try {
                    sync.flush(r);
                    order.add("ok");
                } catch (IOException e) {
                    order.add(e.getMessage());
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(order).hasSize(writers).containsOnly("ok");
        assertThat(sync.counts()[1]).isEqualTo(writers);
        assertThat(Files.list(dir).count()).isEqualTo(writers);
    }
}
