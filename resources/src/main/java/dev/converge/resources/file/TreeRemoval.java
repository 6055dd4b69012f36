package dev.converge.resources.file;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;

/**
 * Removes a path and, when it is a directory, everything in it, working only relative to opened
 * directories and never following a symbolic link: whatever another user does to the tree
 * meanwhile (swapping a subdirectory it owns for a link to elsewhere, say), nothing outside the
 * tree is removed.
 *
 * <p>How. The path's parent is opened as {@link OpenDirectory#open} does (from {@code /},
 * following only links root owns). The path's own entry is opened relative to it with
 * {@code O_DIRECTORY|O_NOFOLLOW}. Each directory is listed from its own descriptor, and each of
 * its entries is handled relative to that descriptor by the name listed: a subdirectory is opened
 * the same way, emptied, then removed with {@code unlinkat(AT_REMOVEDIR)}; anything else (file,
 * link, FIFO, socket, device) is removed with {@code unlinkat}, which removes a link itself. The
 * listed type is a hint only: a name listed as a directory that is a link or a file when opened
 * ({@code ELOOP}, {@code ENOTDIR}) is unlinked instead; one listed as a file that is a directory
 * when unlinked ({@code EISDIR}) is opened and emptied; one whose emptied directory was replaced
 * or refilled before its removal is handled again; one gone meanwhile is skipped. A name that
 * keeps changing fails after {@value #ATTEMPTS} tries. The parent is flushed once, at the end.
 *
 * <p>Listing is {@code getdents64} on the descriptor (glibc's wrapper), not
 * {@code fdopendir}/{@code readdir}: readdir returns NULL both at the end and on an error and
 * tells them apart only by an {@code errno} the caller set to 0 beforehand, which a downcall
 * cannot do (it captures errno after the call only); its DIR stream would take over the
 * descriptor, and each entry it returns lives in C library memory only until the next call.
 * getdents64 returns -1 with errno, or 0 at the end, fills a buffer this class owns, and leaves
 * the descriptor to this class.
 *
 * <p>Invariants: every open and unlink is by a single name relative to a descriptor of a
 * directory inside the tree (the top's parent for the top itself), and follows no link. Names are
 * the bytes the directory lists, so a name that is not UTF-8 is removed too; paths are built from
 * names for messages only. There is no recursion: an explicit stack holds one level per directory
 * from the top down to the one being emptied, each with its one open descriptor and the part of
 * its listing not handled yet, so depth costs one descriptor per level and no Java stack (a tree
 * deeper than the process's descriptor limit fails with {@code EMFILE}, naming the path). An entry
 * added to a directory while it is being emptied is either found or makes its removal fail as not
 * empty, after {@value #ATTEMPTS} tries.
 *
 * <p>Threads: the methods are static and keep nothing between calls; any thread may call them,
 * each call with its own descriptors and buffer. Two calls on one tree at once are not meant:
 * each skips what the other removed, and either may fail on a directory the other is emptying.
 */
final class TreeRemoval {

    /** Tries per name when its type keeps changing, or its directory keeps filling, under the removal. */
    static final int ATTEMPTS = 16;
    /** Bytes asked of one {@code getdents64} call: a few hundred entries. */
    private static final long BUFFER_BYTES = 32 * 1024;

    private TreeRemoval() {
    }

    /**
     * A directory being emptied: its descriptor (owned: whoever pops the level closes it), its
     * name in the directory above, its path (messages only), the try it was opened at, and the
     * entries read from it and not handled yet.
     */
    private static final class Level {

        final OpenDirectory directory;
        final byte[] name;
        final String path;
        final int attempt;
        private final ArrayDeque<Libc.DirectoryEntry> pending = new ArrayDeque<>();
        private boolean listed;

        Level(OpenDirectory directory, byte[] name, String path, int attempt) {
            this.directory = directory;
            this.name = name;
            this.path = path;
            this.attempt = attempt;
        }

        /** The next entry not handled yet, reading more from the descriptor when needed; null at the end. */
        Libc.DirectoryEntry next(MemorySegment buffer) throws ErrnoException {
            while (pending.isEmpty() && !listed) {
                listed = !directory.list(buffer, pending);
            }
            return pending.poll();
        }
    }

    /**
     * Removes {@code path} and, for a directory, everything in it; a link is removed, never
     * followed, and a missing path is no error. Then flushes the parent directory.
     *
     * @throws IOException naming the path of the entry that could not be removed (with the
     *     reason), or when a component of the parent is a link root does not own
     */
    static void remove(Path path) throws IOException {
        Path top = path.toAbsolutePath();
        byte[] name = nameOf(top);
        String parentPath = top.getParent().toString();
        try (OpenDirectory parent = OpenDirectory.open(top.getParent()); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER_BYTES, 8);
            Deque<Level> stack = new ArrayDeque<>();
            try {
                push(stack, settle(parent, parentPath, name, true, 0));
                while (!stack.isEmpty()) {
                    Level level = stack.peek();
                    Libc.DirectoryEntry entry;
                    try {
                        entry = level.next(buffer);
                    } catch (ErrnoException e) {
                        throw failure(level.path, e);
                    }
                    if (entry != null) {
                        boolean directory = entry.type() == Libc.DT_DIR || entry.type() == Libc.DT_UNKNOWN;
                        push(stack, settle(level.directory, level.path, entry.name(), directory, 0));
                        continue;
                    }
                    stack.pop();
                    level.directory.close();
                    Level above = stack.peek();
                    push(stack, above == null ? removeEmptied(parent, parentPath, level)
                            : removeEmptied(above.directory, above.path, level));
                }
            } finally {
                stack.forEach(level -> level.directory.close());
            }
            try {
                parent.sync();
            } catch (ErrnoException e) {
                throw failure(parentPath, e);
            }
        }
    }

    /**
     * The number of entries directly in the directory {@code dir}, read from a descriptor opened
     * relative to its parent without following a link.
     *
     * @throws IOException naming {@code dir} when it is missing, or no longer a directory (a link
     *     put in its place, say)
     */
    static int countEntries(Path dir) throws IOException {
        Path top = dir.toAbsolutePath();
        byte[] name = nameOf(top);
        try (OpenDirectory parent = OpenDirectory.open(top.getParent()); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER_BYTES, 8);
            OpenDirectory opened;
            try {
                opened = parent.openDirectory(name);
            } catch (ErrnoException e) {
                if (e.errno() == Libc.ENOTDIR || e.errno() == Libc.ELOOP) {
                    var replaced = new FileSystemException(top.toString(), null, "no longer a directory");
                    replaced.initCause(e);
                    throw replaced;
                }
                throw failure(top.toString(), e);
            }
            try (opened) {
                var entries = new ArrayList<Libc.DirectoryEntry>();
                int n = 0;
                while (opened.list(buffer, entries)) {
                    n += entries.size();
                    entries.clear();
                }
                return n;
            } catch (ErrnoException e) {
                throw failure(top.toString(), e);
            }
        }
    }

    private static void push(Deque<Level> stack, Level level) {
        if (level != null) {
            stack.push(level);
        }
    }

    /**
     * Removes the entry {@code name} of {@code dir} (whose path is {@code dirPath}) when it is not
     * a directory, or opens it when it is; tries the other way when the first finds the other type,
     * from try {@code attempt} on.
     *
     * @param directory whether to try it as a directory first (as listed)
     * @return the opened directory, to be emptied and then removed; null when nothing is left to do
     *     (removed, or gone meanwhile)
     */
    private static Level settle(OpenDirectory dir, String dirPath, byte[] name, boolean directory, int attempt)
            throws IOException {
        boolean asDirectory = directory;
        for (int t = attempt; t < ATTEMPTS; t++) {
            try {
                if (asDirectory) {
                    return new Level(dir.openDirectory(name), name, pathOf(dirPath, name), t);
                }
                dir.unlink(name, false);
                return null;
            } catch (ErrnoException e) {
                int errno = e.errno();
                if (errno == Libc.ENOENT) {
                    return null;
                }
                if (asDirectory && (errno == Libc.ENOTDIR || errno == Libc.ELOOP)) {
                    asDirectory = false;
                } else if (!asDirectory && errno == Libc.EISDIR) {
                    asDirectory = true;
                } else {
                    throw failure(pathOf(dirPath, name), e);
                }
            }
        }
        throw new FileSystemException(pathOf(dirPath, name), null,
                "kept changing between a directory and something else while being removed; " + ATTEMPTS
                        + " tries");
    }

    /**
     * Removes the directory {@code level} emptied (its descriptor already closed) from
     * {@code dir}. When its name is now something else (replaced, or filled again), that is
     * handled as a new try.
     *
     * @return a directory to empty again, or null when done
     */
    private static Level removeEmptied(OpenDirectory dir, String dirPath, Level level) throws IOException {
        try {
            dir.unlink(level.name, true);
            return null;
        } catch (ErrnoException e) {
            int errno = e.errno();
            if (errno == Libc.ENOENT) {
                return null;
            }
            boolean replaced = errno == Libc.ENOTDIR;
            boolean refilled = errno == Libc.ENOTEMPTY || errno == Libc.EEXIST;
            if (!replaced && !refilled || level.attempt + 1 >= ATTEMPTS) {
                throw failure(level.path, e);
            }
            return settle(dir, dirPath, level.name, refilled, level.attempt + 1);
        }
    }

    /** The last name of {@code path} (absolute), as bytes. */
    private static byte[] nameOf(Path path) throws FileSystemException {
        Path name = path.getFileName();
        if (name == null || name.toString().equals(".") || name.toString().equals("..")) {
            throw new FileSystemException(path.toString(), null, "not a path that names an entry of a directory");
        }
        return name.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The path of the entry {@code name} in {@code dir}, for messages only: a string, as a name that
     * is not UTF-8 (shown with U+FFFD) may be no valid {@link Path} in this JVM's encoding.
     */
    private static String pathOf(String dir, byte[] name) {
        String shown = new String(name, StandardCharsets.UTF_8);
        return dir.endsWith("/") ? dir + shown : dir + "/" + shown;
    }

    /** An error of a call on {@code path}, as the JDK's file exceptions say it ("permission denied: path", ...). */
    private static FileSystemException failure(String file, ErrnoException e) {
        FileSystemException f = switch (e.errno()) {
            case Libc.ENOENT -> new NoSuchFileException(file, null, e.getMessage());
            case Libc.EACCES, Libc.EPERM -> new AccessDeniedException(file, null, e.getMessage());
            case Libc.ENOTEMPTY -> new DirectoryNotEmptyException(file);
            default -> new FileSystemException(file, null, e.getMessage());
        };
        f.initCause(e);
        return f;
    }
}
