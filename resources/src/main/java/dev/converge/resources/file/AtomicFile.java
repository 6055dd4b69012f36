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
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file's content atomically: a hidden temporary file in the same directory is
 * written, flushed to disk, given its mode and owner, renamed over the target, and the directory
 * is flushed. A crash at any point leaves the old file or the new one, never a mix; a failure
 * deletes the temporary file.
 */
final class AtomicFile {

    /** Temporary names are '.', the target's name cut to this many code points, '.', a random part. */
    private static final int NAME_CHARS = 48;
    private static final String SUFFIX = ".converge-tmp";

    private AtomicFile() {
    }

    /**
     * Makes {@code target} a regular file holding {@code content} with permission bits
     * {@code mode}, owned like {@code ownerOf} when it is non-null.
     */
    static void write(Path target, byte[] content, int mode, PosixFileAttributes ownerOf) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = createTemp(dir, target.getFileName().toString());
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (ownerOf != null) {
                PosixFileAttributeView view =
                        Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                PosixFileAttributes now = view.readAttributes();
                if (!now.owner().equals(ownerOf.owner())) {
                    view.setOwner(ownerOf.owner());
                }
                if (!now.group().equals(ownerOf.group())) {
                    view.setGroup(ownerOf.group());
                }
            }
            FileModes.set(tmp, mode);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        syncDirectory(dir);
    }

    /** Flushes a directory's entries (a rename or unlink in it) to disk. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static Path createTemp(Path dir, String targetName) throws IOException {
        String stem = targetName.codePointCount(0, targetName.length()) > NAME_CHARS
                ? targetName.substring(0, targetName.offsetByCodePoints(0, NAME_CHARS))
                : targetName;
        var attr = PosixFilePermissions.asFileAttribute(FileModes.permissions(0600));
        for (int attempt = 0; ; attempt++) {
            String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Path tmp = dir.resolve("." + stem + "." + random + SUFFIX);
            try {
                return Files.createFile(tmp, attr);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 9) {
                    throw e;
                }
            }
        }
    }
}
