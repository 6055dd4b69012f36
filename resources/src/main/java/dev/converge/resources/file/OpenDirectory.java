package dev.converge.resources.file;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;

/**
 * An opened directory that file operations work relative to ({@code openat}, {@code renameat},
 * {@code statx} on a descriptor), so that a name swapped for a symbolic link between two steps of
 * a write cannot send one of them elsewhere.
 *
 * <p>Opening asks the kernel for the whole path with no symbolic link on the way
 * ({@code openat2} with {@code RESOLVE_NO_SYMLINKS}: one call). When that fails (a link on the
 * way, a missing component, a kernel without {@code openat2}) it walks the path one component at
 * a time from {@code /} without following links. There a component that is a symbolic link is
 * followed only when root owns the link: another user cannot make or replace such a link, so it
 * is part of the host's layout ({@code /var/run}, a merged {@code /usr}), not a redirection. A
 * link another user owns is refused, with its path.
 *
 * <p>Not thread-safe: one thread uses an instance, then closes it.
 */
final class OpenDirectory implements AutoCloseable {

    /** Links followed in one walk, as the kernel's limit. */
    private static final int MAX_LINKS = 40;

    private final int fd;
    /** {@link #readable()}'s descriptor, -1 until then, its number from {@link GroupSync#opened()} and its file system. */
    private int readable = -1;
    private long readableOpened;
    private long device = -1;

    private OpenDirectory(int fd) {
        this.fd = fd;
    }

    /** An instance whose handle {@code fd} is open for reading, so that it serves flushes too. */
    private static OpenDirectory readableAlready(int fd) {
        var directory = new OpenDirectory(fd);
        directory.readable = fd;
        directory.readableOpened = GroupSync.opened();
        return directory;
    }

    /**
     * Opens the directory {@code dir} (absolute).
     *
     * @throws IOException when a component is missing or not a directory, or is a symbolic link
     *     that root does not own
     */
    static OpenDirectory open(Path dir) throws IOException {
        try {
            return readableAlready(Libc.openat2(Libc.AT_FDCWD, dir.normalize().toString(),
                    Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0,
                    Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS));
        } catch (ErrnoException e) {
            return walk(dir);
        }
    }

    /** Opens {@code dir} one component at a time, following only the links root owns. */
    private static OpenDirectory walk(Path dir) throws IOException {
        var rest = new ArrayDeque<String>();
        dir.normalize().forEach(p -> rest.add(p.toString()));
        int current;
        try {
            current = Libc.openat(Libc.AT_FDCWD, "/", Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            throw new IOException("cannot open /: " + e.getMessage(), e);
        }
        Path walked = Path.of("/");
        int links = 0;
        try {
            while (!rest.isEmpty()) {
                String name = rest.removeFirst();
                if (name.equals(".")) {
                    continue;
                }
                int next = Libc.openat(current, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
                Libc.Stat stat;
                try {
                    stat = Libc.statx(next, "", Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW);
                } catch (ErrnoException e) {
                    Libc.closeQuietly(next);
                    throw e;
                }
                Path here = name.equals("..") ? parentOf(walked) : walked.resolve(name);
                if (stat.isDirectory()) {
                    Libc.closeQuietly(current);
                    current = next;
                    walked = here;
                    continue;
                }
                Libc.closeQuietly(next);
                if (!stat.isSymbolicLink()) {
                    throw new IOException(here + " is not a directory");
                }
                if (stat.uid() != 0) {
                    throw new IOException("refusing to follow the symbolic link " + here + ": uid " + stat.uid()
                            + " owns it, and only a link root owns is followed on the way to a file");
                }
                if (++links > MAX_LINKS) {
                    throw new IOException("too many symbolic links on the way to " + dir);
                }
                String target = Libc.readlinkat(current, name);
                Deque<String> parts = new ArrayDeque<>();
                Path.of(target).forEach(p -> parts.add(p.toString()));
                while (!parts.isEmpty()) {
                    rest.addFirst(parts.removeLast());
                }
                if (target.startsWith("/")) {
                    Libc.closeQuietly(current);
                    current = Libc.openat(Libc.AT_FDCWD, "/", Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
                    walked = Path.of("/");
                }
            }
            return new OpenDirectory(current);
        } catch (ErrnoException e) {
            Libc.closeQuietly(current);
            throw new IOException("cannot open the directory " + dir + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            Libc.closeQuietly(current);
            throw e;
        }
    }

    private static Path parentOf(Path p) {
        Path parent = p.getParent();
        return parent == null ? p : parent;
    }

    /** Creates {@code name}, a new regular file that must not exist, with {@code mode}; returns its descriptor for writing. */
    int createNew(String name, int mode) throws ErrnoException {
        return Libc.openat(fd, name,
                Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_NOCTTY | Libc.O_CLOEXEC, mode);
    }

    /**
     * Opens {@code name} for reading without following a link (a link fails with
     * {@code ELOOP}), without blocking on a FIFO; with {@code directory}, only a directory.
     */
    int openNoFollow(String name, boolean directory) throws ErrnoException {
        return Libc.openat(fd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_NOCTTY
                | Libc.O_CLOEXEC | (directory ? Libc.O_DIRECTORY : 0), 0);
    }

    /** Makes {@code name} a new directory with {@code mode} (less the umask). */
    void mkdir(String name, int mode) throws ErrnoException {
        Libc.mkdirat(fd, name, mode);
    }

    /** Makes {@code name} a new symbolic link to {@code target}. */
    void symlink(String target, String name) throws ErrnoException {
        Libc.symlinkat(target, fd, name);
    }

    /** Sets the owner and group (-1: kept) of {@code name} itself, a link not followed. */
    void chown(String name, int uid, int gid) throws ErrnoException {
        Libc.lchownat(fd, name, uid, gid);
    }

    /** What {@code name} itself is (a link is not followed). */
    Libc.Stat stat(String name) throws ErrnoException {
        return Libc.statx(fd, name, Libc.AT_SYMLINK_NOFOLLOW);
    }

    /** Renames {@code from} over {@code to}, both in this directory. */
    void rename(String from, String to) throws ErrnoException {
        Libc.renameat(fd, from, fd, to);
    }

    /** Removes the file {@code name}. */
    void unlink(String name) throws ErrnoException {
        Libc.unlinkat(fd, name);
    }

    /** Flushes the directory's entries to disk, alone. */
    void sync() throws ErrnoException {
        Libc.fsync(readable());
    }

    /**
     * Flushes the directory's entries to disk, sharing the flush with the other writers that
     * flush at the same time ({@link GroupSync}).
     */
    void flush() throws IOException {
        int handle = readable();
        if (device < 0) {
            device = Libc.statx(handle, "", Libc.AT_EMPTY_PATH).device();
        }
        GroupSync.DISK.flush(new GroupSync.Request(device, handle, readableOpened, this::sync));
    }

    /**
     * Opens what {@link #flush()} needs; called before the change to flush, so that a shared flush
     * reports the errors of writing that change back.
     */
    void prepareFlush() throws ErrnoException {
        readable();
    }

    /** A descriptor of the directory that can be flushed (a handle walked to cannot), opened once. */
    private int readable() throws ErrnoException {
        if (readable < 0) {
            readable = Libc.openat(fd, ".", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
            readableOpened = GroupSync.opened();
        }
        return readable;
    }

    @Override
    public void close() {
        Libc.closeQuietly(fd);
        if (readable >= 0 && readable != fd) {
            Libc.closeQuietly(readable);
        }
    }

    /**
     * Opens the subdirectory {@code name} (bytes, as listed) for listing and for working relative
     * to it, never through a link. A link there fails ({@code ELOOP} or {@code ENOTDIR}), and so
     * does anything else but a directory ({@code ENOTDIR}; {@code O_DIRECTORY} is checked before a
     * FIFO or device would be opened). The caller closes the result.
     */
    OpenDirectory openDirectory(byte[] name) throws ErrnoException {
        return new OpenDirectory(Libc.openat(fd, name,
                Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0));
    }

    /**
     * Adds this directory's next entries (not {@code .} and {@code ..}) to {@code entries}, read
     * from the descriptor, through {@code buffer} (see {@link Libc#getdents64}). Only for a
     * directory from {@link #openDirectory}: one from {@link #open} is not open for reading.
     *
     * @return false once every entry has been read
     */
    boolean list(MemorySegment buffer, Collection<Libc.DirectoryEntry> entries) throws ErrnoException {
        return Libc.getdents64(fd, buffer, entries);
    }

    /**
     * Removes the entry {@code name} (bytes, as listed): with {@code directory} false a file,
     * link (never its target), FIFO, socket or device, {@code EISDIR} for a directory; with
     * {@code directory} true an empty directory, {@code ENOTDIR} for anything else.
     */
    void unlink(byte[] name, boolean directory) throws ErrnoException {
        Libc.unlinkat(fd, name, directory ? Libc.AT_REMOVEDIR : 0);
    }
}
