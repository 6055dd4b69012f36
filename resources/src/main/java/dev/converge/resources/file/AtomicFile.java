package dev.converge.resources.file;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a path atomically: a hidden temporary file (or symbolic link) in the same directory is
 * written, flushed to disk, given its owner and then its mode (a chown clears set-id bits),
 * renamed over the target, and the directory is flushed. A crash at any point leaves the old
 * target or the new one, never a part of one; a crash before the rename may leave the hidden
 * temporary file, which the target's next check removes ({@link LeftoverTemps}). A failure deletes
 * the temporary file.
 */
final class AtomicFile {

    private static final int COPY_BUFFER = 64 * 1024;
    /** Temporary names are '.', the target's name cut to this many code points, '.', a random part. */
    private static final int NAME_CHARS = 48;
    static final String SUFFIX = ".converge-tmp";

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
     * descriptor that create returned, then renamed over the target in the same directory. If the
     * name renamed is then not the file written (another user swapped entries in the directory),
     * the write fails; nothing was written outside the directory.
     */
    private static void replace(Path target, Filler filler, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        Path dir = parentOf(target);
        String name = target.getFileName().toString();
        int uid = owner == null ? -1 : id(owner.getName(), true);
        int gid = group == null ? -1 : id(group.getName(), false);
        try (OpenDirectory directory = OpenDirectory.open(dir)) {
            String tmp = null;
            int fd = -1;
            for (int attempt = 0; fd < 0; attempt++) {
                String candidate = tempName(name);
                LeftoverTemps.AGENT.writing(dir.resolve(candidate));
                try {
                    fd = directory.createNew(candidate, 0600);
                    tmp = candidate;
                } catch (ErrnoException e) {
                    LeftoverTemps.AGENT.done(dir.resolve(candidate));
                    if (e.errno() != Libc.EEXIST || attempt == 9) {
                        throw e;
                    }
                }
            }
            boolean renamed = false;
            try {
                filler.fill(fd);
                if (uid != -1 || gid != -1) {
                    Libc.fchown(fd, uid, gid);
                }
                Libc.fchmod(fd, mode & 07777);
                Libc.fsync(fd);
                Libc.Stat written = Libc.statx(fd, "", Libc.AT_EMPTY_PATH);
                directory.rename(tmp, name);
                renamed = true;
                if (!directory.stat(name).sameFile(written)) {
                    throw new IOException("the temporary file " + tmp + " was replaced while it was written (the"
                            + " directory's owner can do that); " + target + " may now be what they put there");
                }
            } finally {
                Libc.closeQuietly(fd);
                if (!renamed) {
                    try {
                        directory.unlink(tmp);
                    } catch (ErrnoException e) {
                        // Already gone: nothing is left behind.
                    }
                }
                LeftoverTemps.AGENT.done(dir.resolve(tmp));
            }
            directory.sync();
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

    /** The numeric id of a user (or group) the file resource looked up by name or number. */
    private static int id(String name, boolean user) throws IOException {
        Optional<Integer> id = user ? Libc.uidOf(name) : Libc.gidOf(name);
        return id.orElseThrow(() -> new IOException((user ? "user '" : "group '") + name + "' does not exist"));
    }

    /**
     * Makes {@code target} a symbolic link to {@code linkTarget}, owned by {@code owner} and
     * {@code group} (each null: the agent's). Replaces a file or a link, not a directory.
     */
    static void symlink(Path target, String linkTarget, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        Path dir = parentOf(target);
        Path tmp = null;
        boolean done = false;
        try {
            for (int attempt = 0; tmp == null; attempt++) {
                Path candidate = tempName(dir, target.getFileName().toString());
                LeftoverTemps.AGENT.writing(candidate);
                try {
                    tmp = Files.createSymbolicLink(candidate, Path.of(linkTarget));
                } catch (FileAlreadyExistsException e) {
                    LeftoverTemps.AGENT.done(candidate);
                    if (attempt == 9) {
                        throw e;
                    }
                }
            }
            chown(tmp, owner, group);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done && tmp != null) {
                Files.deleteIfExists(tmp);
            }
            if (tmp != null) {
                LeftoverTemps.AGENT.done(tmp);
            }
        }
        syncDirectory(dir);
    }

    /** Sets the owner and group of {@code path} itself (not a link's target) where they differ. */
    static void chown(Path path, UserPrincipal owner, GroupPrincipal group) throws IOException {
        if (owner == null && group == null) {
            return;
        }
        PosixFileAttributeView view =
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributes now = view.readAttributes();
        if (owner != null && !now.owner().equals(owner)) {
            view.setOwner(owner);
        }
        if (group != null && !now.group().equals(group)) {
            view.setGroup(group);
        }
    }

    /** Flushes a directory's entries (a rename, link or unlink in it) to disk. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static Path parentOf(Path target) {
        return target.toAbsolutePath().getParent();
    }

    private static Path tempName(Path dir, String targetName) {
        return dir.resolve(tempName(targetName));
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
