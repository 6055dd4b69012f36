package dev.converge.resources.file;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Plans the copy of a source directory tree onto a destination directory, rsync style: every
 * directory, regular file and symbolic link of the source is made at the same place in the
 * destination, with the source's mode (a link's target for a link); a regular file is rewritten
 * only when its bytes differ (atomically, keeping its owner), and an entry that is already right
 * is not touched. With {@code purge}, destination entries the source lacks are removed, whole.
 * An entry of the wrong type (a file where the source has a directory, say) is replaced only
 * with {@code force}. Symbolic links are copied as links, never followed; other special files of
 * the source are skipped with a warning.
 */
final class TreeCopy {

    /** What the copy changes: counts for the report, and the steps, in order. */
    record Result(int copied, int purged, List<Plan.Step> steps) {
        Result {
            steps = List.copyOf(steps);
        }
    }

    private final ResourceId id;
    private final boolean force;
    private final boolean purge;
    private final Consumer<String> warn;
    private final List<Plan.Step> steps = new ArrayList<>();
    private int copied;
    private int purged;

    private TreeCopy(ResourceId id, boolean force, boolean purge, Consumer<String> warn) {
        this.id = id;
        this.force = force;
        this.purge = purge;
        this.warn = warn;
    }

    /**
     * Plans the copy of {@code source}'s entries into {@code dest}; reads the disk only.
     *
     * @param destExists whether {@code dest} is a directory now (else it is about to be made)
     * @throws ResourceException when an entry has the wrong type and {@code force} is not set
     */
    static Result plan(ResourceId id, Path source, Path dest, boolean destExists, boolean force, boolean purge,
            Consumer<String> warn) throws IOException, ResourceException {
        var copy = new TreeCopy(id, force, purge, warn);
        copy.directory(source, dest, destExists);
        return new Result(copy.copied, copy.purged, copy.steps);
    }

    private void directory(Path src, Path dst, boolean dstExists) throws IOException, ResourceException {
        Map<Path, PosixFileAttributes> existing = dstExists ? entries(dst) : new LinkedHashMap<>();
        for (var entry : entries(src).entrySet()) {
            Path name = entry.getKey();
            PosixFileAttributes sa = entry.getValue();
            Path s = src.resolve(name);
            Path d = dst.resolve(name);
            PosixFileAttributes da = existing.remove(name);
            if (sa.isDirectory()) {
                subdirectory(s, d, da);
            } else if (sa.isRegularFile()) {
                file(s, d, da);
            } else if (sa.isSymbolicLink()) {
                link(s, d, da);
            } else {
                warn.accept("skipping " + s + ": not a regular file, directory or symbolic link");
            }
        }
        if (purge) {
            for (Path name : existing.keySet()) {
                Path d = dst.resolve(name);
                purged++;
                steps.add(() -> deleteTree(d));
            }
        }
    }

    private void subdirectory(Path s, Path d, PosixFileAttributes da) throws IOException, ResourceException {
        int mode = FileModes.get(s);
        if (da != null && da.isDirectory()) {
            if (FileModes.get(d) != mode) {
                copied++;
                steps.add(() -> AtomicFile.setInPlace(d, true, null, null, mode));
            }
            directory(s, d, true);
            return;
        }
        if (da != null) {
            requireForce(d, da, "a directory");
            steps.add(() -> deleteTree(d));
        }
        copied++;
        steps.add(() -> {
            AtomicFile.createDirectory(d, mode, null, null);
        });
        directory(s, d, false);
    }

    private void file(Path s, Path d, PosixFileAttributes da) throws IOException, ResourceException {
        int mode = FileModes.get(s);
        if (da != null && da.isRegularFile()) {
            if (da.size() != Files.size(s) || Files.mismatch(s, d) != -1L) {
                copied++;
                steps.add(() -> AtomicFile.copy(s, d, mode, da.owner(), da.group()));
            } else if (FileModes.get(d) != mode) {
                copied++;
                steps.add(() -> AtomicFile.setInPlace(d, false, null, null, mode));
            }
            return;
        }
        if (da != null) {
            requireForce(d, da, "a regular file");
            if (da.isDirectory()) {
                steps.add(() -> deleteTree(d));
            }
        }
        copied++;
        steps.add(() -> AtomicFile.copy(s, d, mode, null, null));
    }

    private void link(Path s, Path d, PosixFileAttributes da) throws IOException, ResourceException {
        String target = Files.readSymbolicLink(s).toString();
        if (da != null && da.isSymbolicLink()) {
            if (!Files.readSymbolicLink(d).toString().equals(target)) {
                copied++;
                steps.add(() -> AtomicFile.symlink(d, target, null, null));
            }
            return;
        }
        if (da != null) {
            requireForce(d, da, "a symbolic link");
            if (da.isDirectory()) {
                steps.add(() -> deleteTree(d));
            }
        }
        copied++;
        steps.add(() -> AtomicFile.symlink(d, target, null, null));
    }

    private void requireForce(Path d, PosixFileAttributes da, String wanted) throws ResourceException {
        if (!force) {
            throw new ResourceException(id, d + " is " + describe(da) + " where the source has " + wanted
                    + "; set force: true to replace it");
        }
    }

    /** The entries of a directory by name, sorted, with their own (not a link target's) attributes. */
    private static Map<Path, PosixFileAttributes> entries(Path dir) throws IOException {
        var names = new ArrayList<Path>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(p -> names.add(p.getFileName()));
        }
        names.sort(null);
        var map = new LinkedHashMap<Path, PosixFileAttributes>();
        for (Path name : names) {
            try {
                map.put(name, Files.readAttributes(dir.resolve(name), PosixFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS));
            } catch (NoSuchFileException e) {
                // Removed since the listing: nothing to copy or purge.
            }
        }
        return map;
    }

    /** What an entry is, for messages: "a directory", "a regular file", ... */
    static String describe(BasicFileAttributes a) {
        return a.isDirectory() ? "a directory"
                : a.isRegularFile() ? "a regular file"
                : a.isSymbolicLink() ? "a symbolic link"
                : "a special file";
    }

    /**
     * Removes {@code path} and, for a directory, everything in it, relative to opened directories;
     * links are removed, never followed (see {@link TreeRemoval}). A missing path is no error.
     */
    static void deleteTree(Path path) throws IOException {
        TreeRemoval.remove(path);
    }

    /** The number of entries directly in a directory, read from a descriptor opened without following a link. */
    static int countEntries(Path dir) throws IOException {
        return TreeRemoval.countEntries(dir);
    }
}
