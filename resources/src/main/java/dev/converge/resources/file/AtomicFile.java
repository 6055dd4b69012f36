package dev.converge.resources.file;

import java.io.IOException;
import java.nio.ByteBuffer;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HexFormat;
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

    /** Temporary names are '.', the target's name cut to this many code points, '.', a random part. */
    private static final int NAME_CHARS = 48;
    static final String SUFFIX = ".converge-tmp";

    private AtomicFile() {
    }

    /** What fills a temporary file. */
    @FunctionalInterface
    private interface Filler {
        void fill(FileChannel out) throws IOException;
    }

    /**
     * Makes {@code target} a regular file holding {@code content} with mode {@code mode}, owned
     * by {@code owner} and {@code group} (each null: the agent's).
     */
    static void write(Path target, byte[] content, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        replace(target, out -> {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        }, mode, owner, group);
    }

    /** Like {@link #write}, with the bytes of the regular file {@code source}. */
    static void copy(Path source, Path target, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        replace(target, out -> {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                long size = in.size();
                long done = 0;
                while (done < size) {
                    long n = in.transferTo(done, size - done, out);
                    if (n <= 0) {
                        break;
                    }
                    done += n;
                }
            }
        }, mode, owner, group);
    }

    private static void replace(Path target, Filler filler, int mode, UserPrincipal owner, GroupPrincipal group)
            throws IOException {
        Path dir = parentOf(target);
        Path tmp = createTemp(dir, target.getFileName().toString());
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                filler.fill(ch);
                ch.force(true);
            }
            chown(tmp, owner, group);
            FileModes.set(tmp, mode);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
            LeftoverTemps.AGENT.done(tmp);
        }
        syncDirectory(dir);
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

    private static Path createTemp(Path dir, String targetName) throws IOException {
        var attr = PosixFilePermissions.asFileAttribute(FileModes.permissions(0600));
        for (int attempt = 0; ; attempt++) {
            Path candidate = tempName(dir, targetName);
            LeftoverTemps.AGENT.writing(candidate);
            try {
                return Files.createFile(candidate, attr);
            } catch (IOException e) {
                LeftoverTemps.AGENT.done(candidate);
                if (!(e instanceof FileAlreadyExistsException) || attempt == 9) {
                    throw e;
                }
            }
        }
    }

    private static Path tempName(Path dir, String targetName) {
        String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        return dir.resolve("." + stem(targetName) + "." + random + SUFFIX);
    }

    /** The part of a target's name its temporary files carry: its first {@value #NAME_CHARS} code points. */
    static String stem(String targetName) {
        return targetName.codePointCount(0, targetName.length()) > NAME_CHARS
                ? targetName.substring(0, targetName.offsetByCodePoints(0, NAME_CHARS))
                : targetName;
    }
}
