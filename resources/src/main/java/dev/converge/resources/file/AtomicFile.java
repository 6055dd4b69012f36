package dev.converge.resources.file;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replaces a path atomically: a hidden temporary file (or symbolic link) in the same directory is
 * written, given its owner and then its mode (a chown clears set-id bits), flushed to disk,
 * renamed over the target, and the directory is flushed. Both flushes are group commits
 * ({@link GroupSync}): writers ready at the same time share one. A crash at any point leaves the old
 * target or the new one, never a part of one; a crash before the rename may leave the hidden
 * temporary file, which the target's next check removes ({@link LeftoverTemps}). A failure deletes
 * the temporary file.
 */
final class AtomicFile {

    private static final int COPY_BUFFER = 64 * 1024;
    /** Temporary names are '.', the target's name cut to this many code points, '.', a random part. */
    private static final int NAME_CHARS = 48;
    static final String SUFFIX = ".converge-tmp";
    /**
     * Writes in flight at once. A write holds two descriptors (its directory, its temporary file)
     * while it waits for the shared flush, and that wait frees its carrier thread, so without a
     * bound every resource of a wide graph could hold two at once: 10,000 files would need 20,000
     * descriptors, more than many hosts let a process open. 512 keep a flush round large and use 1,024.
     */
    static final int MAX_IN_FLIGHT = 512;
    private static final Semaphore IN_FLIGHT = new Semaphore(MAX_IN_FLIGHT, true);
    private static final AtomicInteger inFlight = new AtomicInteger();
    private static final AtomicInteger inFlightPeak = new AtomicInteger();

    private AtomicFile() {
    }

    /** What fills a temporary file, through its descriptor. */
    @FunctionalInterface
    private interface Filler {
        void fill(int fd) throws IOException;
    }

    /**
     * Makes {@code target} a regular file holding {@code content} with mode {@code mode}, owned
     * by {@code owner} and {@code group} (each null: the agent's).
     */
    static void write(Path target, byte[] content, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        replace(target, fd -> Libc.writeAll(fd, content, 0, content.length), mode, owner, group);
    }

    /** Like {@link #write}, with the bytes of the regular file {@code source}. */
    static void copy(Path source, Path target, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        replace(target, fd -> {
            try (InputStream in = Files.newInputStream(source)) {
                byte[] buffer = new byte[COPY_BUFFER];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    Libc.writeAll(fd, buffer, 0, n);
                }
            }
        }, mode, owner, group);
    }

    /**
     * The write itself, relative to the opened parent directory: the temporary file is created
     * exclusively without following links, filled, chowned, chmod'ed and flushed through the one
     * descriptor that create returned, then renamed over the target (see {@link #install}).
     */
    private static void replace(Path target, Filler filler, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        int uid = owner == null ? -1 : id(owner.getName(), true);
        int gid = group == null ? -1 : id(group.getName(), false);
        install(target, (directory, tmp) -> directory.createNew(tmp, 0600), (directory, temp) -> {
            filler.fill(temp.fd());
            if (uid != -1 || gid != -1) {
                Libc.fchown(temp.fd(), uid, gid);
            }
            Libc.fchmod(temp.fd(), mode & 07777);
            return Libc.statx(temp.fd(), "", Libc.AT_EMPTY_PATH);
        });
    }

    /**
     * A temporary entry made in the target's directory: its name, its descriptor (-1 for a link)
     * and when that was opened ({@link GroupSync#opened()}).
     */
    private record Temp(String name, int fd, long opened) {
    }

    /** Makes a new entry {@code name} in {@code directory}; returns its descriptor, or -1 when it has none. */
    @FunctionalInterface
    private interface Creator {
        int create(OpenDirectory directory, String name) throws IOException;
    }

    /** Gives a temporary entry its content and attributes; returns what it then is. */
    @FunctionalInterface
    private interface Preparation {
        Libc.Stat prepare(OpenDirectory directory, Temp temp) throws IOException;
    }

    /**
     * Makes {@code target} what {@code creator} and {@code preparation} make, relative to its
     * opened parent: a new entry under a fresh temporary name (retried when the name is taken),
     * prepared, renamed over the target, and the directory flushed. If the name renamed is then
     * not the entry prepared (another user swapped entries in the directory), it fails; nothing is
     * done outside the directory. On any failure before the rename the temporary entry goes.
     */
    private static void install(Path target, Creator creator, Preparation preparation) throws IOException {
        try {
            IN_FLIGHT.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted before writing " + target);
        }
        int now = inFlight.incrementAndGet();
        inFlightPeak.accumulateAndGet(now, Math::max);
        try {
            installHoldingASlot(target, creator, preparation);
        } finally {
            inFlight.decrementAndGet();
            IN_FLIGHT.release();
        }
    }

    /** The peak of writes in flight at once since the agent started (never more than {@value #MAX_IN_FLIGHT}). */
    static int inFlightPeak() {
        return inFlightPeak.get();
    }

    private static void installHoldingASlot(Path target, Creator creator, Preparation preparation) throws IOException {
        Path dir = parentOf(target);
        String name = target.getFileName().toString();
        try (OpenDirectory directory = OpenDirectory.open(dir)) {
            Temp temp = null;
            for (int attempt = 0; temp == null; attempt++) {
                String candidate = tempName(name);
                LeftoverTemps.AGENT.writing(dir.resolve(candidate));
                try {
                    temp = new Temp(candidate, creator.create(directory, candidate), GroupSync.opened());
                } catch (ErrnoException e) {
                    LeftoverTemps.AGENT.done(dir.resolve(candidate));
                    if (e.errno() != Libc.EEXIST || attempt == 9) {
                        throw e;
                    }
                }
            }
            boolean renamed = false;
            try {
                Libc.Stat made = preparation.prepare(directory, temp);
                if (temp.fd() >= 0) {
                    int fd = temp.fd();
                    GroupSync.DISK.flush(new GroupSync.Request(made.device(), fd, temp.opened(), () -> Libc.fsync(fd)));
                }
                directory.prepareFlush();
                directory.rename(temp.name(), name);
                renamed = true;
                if (!directory.stat(name).sameFile(made)) {
                    throw new IOException("the temporary entry " + temp.name() + " was replaced before its rename"
                            + " (the directory's owner can do that); " + target + " may now be what they put there");
                }
            } finally {
                Libc.closeQuietly(temp.fd());
                if (!renamed) {
                    try {
                        directory.unlink(temp.name());
                    } catch (ErrnoException e) {
                        // Already gone: nothing is left behind.
                    }
                }
                LeftoverTemps.AGENT.done(dir.resolve(temp.name()));
            }
            directory.flush();
        }
    }

    /**
     * Changes the owner and group (each null: kept) and then the mode (negative: kept) of the
     * regular file, or with {@code directory} the directory, {@code path} in place, through a
     * descriptor opened relative to its parent without following a link. A link or another type
     * found there (swapped in since the check) fails the change and is left alone.
     */
    static void setInPlace(Path path, boolean directory, UserPrincipal owner, GroupPrincipal group, int mode)
            throws IOException {
        int uid = owner == null ? -1 : id(owner.getName(), true);
        int gid = group == null ? -1 : id(group.getName(), false);
        try (OpenDirectory parent = OpenDirectory.open(parentOf(path))) {
            int fd = parent.openNoFollow(path.getFileName().toString(), directory);
            try {
                Libc.Stat stat = Libc.statx(fd, "", Libc.AT_EMPTY_PATH);
                if (directory ? !stat.isDirectory() : !stat.isRegularFile()) {
                    throw new IOException(path + " is no longer a " + (directory ? "directory" : "regular file")
                            + "; left alone");
                }
                if (uid != -1 || gid != -1) {
                    Libc.fchown(fd, uid, gid);
                }
                if (mode >= 0) {
                    Libc.fchmod(fd, mode & 07777);
                }
            } finally {
                Libc.closeQuietly(fd);
            }
        } catch (ErrnoException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the new directory {@code path} with {@code mode}, owned by {@code owner} and
     * {@code group} (each null: the agent's), relative to its opened parent: it is created open to
     * its owner alone, then opened without following a link and given its owner and its mode
     * through that descriptor, so it is never more open than {@code mode}, whatever the umask; then
     * the parent is flushed. An entry already at the path fails it.
     */
    static void createDirectory(Path path, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        int uid = owner == null ? -1 : id(owner.getName(), true);
        int gid = group == null ? -1 : id(group.getName(), false);
        String name = path.getFileName().toString();
        try (OpenDirectory parent = OpenDirectory.open(parentOf(path))) {
            parent.prepareFlush();
            parent.mkdir(name, mode & 0700);
            int fd = parent.openNoFollow(name, true);
            try {
                if (uid != -1 || gid != -1) {
                    Libc.fchown(fd, uid, gid);
                }
                Libc.fchmod(fd, mode & 07777);
            } finally {
                Libc.closeQuietly(fd);
            }
            parent.flush();
        } catch (ErrnoException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    /** The numeric id of a user (or group) the file resource looked up by name or number. */
    private static int id(String name, boolean user) throws IOException {
        Optional<Integer> id = user ? Libc.uidOf(name) : Libc.gidOf(name);
        return id.orElseThrow(() -> new IOException((user ? "user '" : "group '") + name + "' does not exist"));
    }

    /**
     * Makes {@code target} a symbolic link to {@code linkTarget}, owned by {@code owner} and
     * {@code group} (each null: the agent's). Replaces a file or a link, not a directory. The
     * link is made under a temporary name and chowned without following it (see {@link #install}).
     */
    static void symlink(Path target, String linkTarget, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        int uid = owner == null ? -1 : id(owner.getName(), true);
        int gid = group == null ? -1 : id(group.getName(), false);
        install(target, (directory, tmp) -> {
            directory.symlink(linkTarget, tmp);
            return -1;
        }, (directory, temp) -> {
            if (uid != -1 || gid != -1) {
                directory.chown(temp.name(), uid, gid);
            }
            return directory.stat(temp.name());
        });
    }

    /** Removes the file or link {@code path} (not a directory), relative to its opened parent; one already gone is no error. */
    static void remove(Path path) throws IOException {
        try (OpenDirectory directory = OpenDirectory.open(parentOf(path))) {
            directory.prepareFlush();
            try {
                directory.unlink(path.getFileName().toString());
            } catch (ErrnoException e) {
                if (e.errno() != Libc.ENOENT) {
                    throw e;
                }
                return;
            }
            directory.flush();
        }
    }

    /** Sets the owner and group (each null: kept) of the link {@code path} itself, relative to its opened parent. */
    static void chownLink(Path path, UserPrincipal owner, GroupPrincipal group) throws IOException {
        int uid = owner == null ? -1 : id(owner.getName(), true);
        int gid = group == null ? -1 : id(group.getName(), false);
        try (OpenDirectory directory = OpenDirectory.open(parentOf(path))) {
            directory.chown(path.getFileName().toString(), uid, gid);
        }
    }

    /** Flushes a directory's entries (a rename, link or unlink in it) to disk, as a group commit. */
    static void syncDirectory(Path dir) throws IOException {
        try (OpenDirectory directory = OpenDirectory.open(dir.toAbsolutePath())) {
            directory.flush();
        }
    }

    private static Path parentOf(Path target) {
        return target.toAbsolutePath().getParent();
    }

    private static String tempName(String targetName) {
        String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        return "." + stem(targetName) + "." + random + SUFFIX;
    }

    /** The part of a target's name its temporary files carry: its first {@value #NAME_CHARS} code points. */
    static String stem(String targetName) {
        return targetName.codePointCount(0, targetName.length()) > NAME_CHARS
                ? targetName.substring(0, targetName.offsetByCodePoints(0, NAME_CHARS))
                : targetName;
    }
}
