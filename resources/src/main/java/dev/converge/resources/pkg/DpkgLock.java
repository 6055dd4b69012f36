package dev.converge.resources.pkg;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;

/**
 * A bounded wait for dpkg's frontend lock ({@code /var/lib/dpkg/lock-frontend}), which apt and
 * dpkg take as an fcntl record lock for a whole transaction; {@link FileChannel#tryLock} takes
 * the same kind of lock, so a probe sees theirs.
 *
 * <p>The probe never keeps the lock: it is released before {@link #awaitFree} returns, and apt
 * then takes it itself (waiting, bounded, with {@code -o DPkg::Lock::Timeout}, should another
 * process win the race in between).
 *
 * @param path  the lock file; when it does not exist nobody holds it
 * @param bound the longest wait before giving up
 * @param poll  the time between two probes
 */
record DpkgLock(Path path, Duration bound, Duration poll) {

    static final Path FRONTEND = Path.of("/var/lib/dpkg/lock-frontend");

    DpkgLock {
        Objects.requireNonNull(path, "path");
        if (bound.isNegative() || poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("bound must be >= 0 and poll > 0");
        }
    }

    /**
     * Returns once no other process holds the lock. Logs once when it has to wait.
     *
     * @throws ResourceException when the lock is still held after {@link #bound}, or cannot be
     *     probed
     */
    void awaitFree(ResourceId id, ResourceContext ctx) throws ResourceException, InterruptedException {
        long start = System.nanoTime();
        boolean waited = false;
        while (!free(id)) {
            long elapsed = System.nanoTime() - start;
            if (!waited) {
                ctx.log("waiting for the dpkg lock held by another process (" + path + ", at most "
                        + bound.toSeconds() + " s)");
                waited = true;
            }
            if (elapsed >= bound.toNanos()) {
                throw new ResourceException(id, "the dpkg lock " + path + " was still held by another process"
                        + " after " + bound.toSeconds() + " s; is another apt or dpkg run stuck?");
            }
            Thread.sleep(poll);
        }
        if (waited) {
            ctx.log("the dpkg lock is free after " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
        }
    }

    /** True when the lock could be taken (and was released again) or the file does not exist. */
    private boolean free(ResourceId id) throws ResourceException, InterruptedException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (NoSuchFileException e) {
            return true;
        } catch (OverlappingFileLockException e) {
            // Another thread of this agent holds it; as good as another process for waiting.
            return false;
        } catch (ClosedByInterruptException e) {
            Thread.interrupted();
            throw new InterruptedException("interrupted while probing the dpkg lock");
        } catch (IOException e) {
            throw new ResourceException(id, "cannot probe the dpkg lock " + path + ": " + e, e);
        }
    }
}
