package dev.converge.resources.file;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * A regular file with a given content and mode ({@code state: exists}), or nothing at its path
 * ({@code state: absent}).
 *
 * <p>Invariants: with {@code apply} false nothing on disk is written; a file that is already
 * right is not touched at all; new content replaces the file atomically ({@link AtomicFile}), so
 * a reader or a crash sees the old file or the new one, never a part, and the file keeps its
 * owner, group and (unless {@code mode} says otherwise) its mode; a mode-only change is made in
 * place. For {@code exists} anything at the path but a regular file is an error, and a missing
 * parent directory is an error (directories are resources of their own). For {@code absent} a
 * regular file or a symbolic link (not its target) is removed; a directory is an error.
 */
final class FileResource implements Resource {

    /** The mode of a created file when {@code mode} is not given. */
    static final int DEFAULT_MODE = 0644;

    private final ResourceId id;
    private final String path;
    private final FileParams params;

    FileResource(ResourceId id, String path, FileParams params) {
        this.id = id;
        this.path = path;
        this.params = params;
    }

    @Override
    public ResourceId id() {
        return id;
    }

    @Override
    public CheckResult checkApply(ResourceContext ctx, boolean apply)
            throws ResourceException, InterruptedException {
        Path file;
        try {
            file = Path.of(path);
        } catch (InvalidPathException e) {
            throw new ResourceException(id, "invalid path '" + path + "': " + e.getMessage(), e);
        }
        try {
            return switch (params.state()) {
                case "exists" -> exists(file, apply);
                case "absent" -> absent(file, apply);
                default -> throw new ResourceException(id,
                        "state must be 'exists' or 'absent', got '" + params.state() + "'");
            };
        } catch (ClosedByInterruptException e) {
            Thread.interrupted();
            var interrupted = new InterruptedException("interrupted while writing " + path);
            interrupted.initCause(e);
            throw interrupted;
        } catch (IOException e) {
            throw new ResourceException(id, path + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private CheckResult exists(Path file, boolean apply) throws IOException, ResourceException {
        byte[] content = params.content() == null ? null : params.content().getBytes(StandardCharsets.UTF_8);
        Integer mode = params.mode() == null ? null : FileModes.parse(params.mode());
        PosixFileAttributes now = attributes(file);
        if (now == null) {
            requireParentDirectory(file);
            byte[] bytes = content == null ? new byte[0] : content;
            int newMode = mode == null ? DEFAULT_MODE : mode;
            String what = bytes.length + " bytes" + (mode == null ? "" : ", mode " + FileModes.format(newMode));
            if (!apply) {
                return CheckResult.changed("would create (" + what + ")");
            }
            AtomicFile.write(file, bytes, newMode, null);
            return CheckResult.changed("created (" + what + ")");
        }
        requireRegularFile(now);
        var changes = new ArrayList<String>(2);
        boolean rewrite = content != null && !hasContent(file, now.size(), content);
        if (rewrite) {
            changes.add("content (" + now.size() + " -> " + content.length + " bytes)");
        }
        int oldMode = FileModes.get(file);
        boolean chmod = mode != null && mode != oldMode;
        if (chmod) {
            changes.add("mode " + FileModes.format(oldMode) + " -> " + FileModes.format(mode));
        }
        if (changes.isEmpty() || !apply) {
            return new CheckResult(changes);
        }
        if (rewrite) {
            AtomicFile.write(file, content, chmod ? mode : oldMode, now);
        } else {
            FileModes.set(file, mode);
        }
        return new CheckResult(changes);
    }

    private CheckResult absent(Path file, boolean apply) throws IOException, ResourceException {
        PosixFileAttributes now = attributes(file);
        if (now == null) {
            return CheckResult.ok();
        }
        if (now.isDirectory()) {
            throw new ResourceException(id, path + " is a directory; a file resource does not remove directories");
        }
        if (!now.isRegularFile() && !now.isSymbolicLink()) {
            throw new ResourceException(id, path + " is not a regular file or a symbolic link; not removing it");
        }
        if (!apply) {
            return CheckResult.changed("would remove");
        }
        try {
            Files.delete(file);
        } catch (NoSuchFileException e) {
            return CheckResult.ok();
        }
        AtomicFile.syncDirectory(file.toAbsolutePath().getParent());
        return CheckResult.changed("removed");
    }

    /** The attributes of the path itself (a symbolic link is not followed), or null if missing. */
    private static PosixFileAttributes attributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void requireRegularFile(PosixFileAttributes now) throws ResourceException {
        if (now.isRegularFile()) {
            return;
        }
        String what = now.isDirectory() ? "a directory"
                : now.isSymbolicLink() ? "a symbolic link"
                : "not a regular file";
        throw new ResourceException(id, path + " is " + what + "; a file resource manages regular files only");
    }

    private void requireParentDirectory(Path file) throws ResourceException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            throw new ResourceException(id, path + " has no parent directory");
        }
        if (!Files.isDirectory(parent)) {
            throw new ResourceException(id, Files.exists(parent)
                    ? "parent " + parent + " is not a directory"
                    : "parent directory " + parent + " does not exist");
        }
    }

    private static boolean hasContent(Path file, long size, byte[] content) throws IOException {
        return size == content.length && Arrays.equals(Files.readAllBytes(file), content);
    }
}
