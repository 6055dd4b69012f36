package dev.converge.resources.file;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ContentDiff;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * A file, directory or symbolic link at a path, or nothing there ({@code state: absent}); see
 * {@link FileSpec} for the declaration and docs/resources/file.md for the behaviour.
 *
 * <p>Invariants: with {@code apply} false nothing on disk is written; a path already right is
 * not touched (its mtime and inode stay); content is replaced atomically ({@link AtomicFile}), so
 * a reader or a crash sees the old file or the new one, never a part; a rewritten file keeps its
 * owner, group and mode unless the declaration sets them; a mode or owner change alone is made in
 * place. Something of the wrong type at the path (a directory where a file is declared, say) is
 * replaced only with {@code force}, and a missing parent directory is an error: directories are
 * resources of their own, ordered first by autoedges. The reported changes are the same strings
 * whether applied or not.
 *
 * <p>Diffs ({@link ResourceContext#diffs()}): a regular file's content change — created,
 * rewritten from {@code content}, {@code fragments} or a {@code source} file, or removed with
 * {@code state: absent} — carries its {@link ContentDiff}, old content read without following a
 * link at the path. With {@code sensitive} the content is never read for a diff, and appears in
 * no change, diff or error: the diff is the one line {@link ContentDiff#SENSITIVE} and no byte
 * count is given. Nothing is read for a diff when none is asked for.
 *
 * <p>Watching uses the engine's shared {@link PathWatcher}: the path (so its parent too), the
 * source or fragments, and for a copied tree every directory of both trees, kept up to date as
 * directories come and go. It starts no thread of its own.
 */
final class FileResource implements Resource {

    /** The mode of a created file when neither {@code mode} nor a source says otherwise. */
    static final int DEFAULT_FILE_MODE = 0644;
    /** The mode of a created directory when {@code mode} does not say otherwise. */
    static final int DEFAULT_DIRECTORY_MODE = 0755;

    private final ResourceId id;
    private final FileSpec spec;

    FileResource(ResourceId id, FileSpec spec) {
        this.id = id;
        this.spec = spec;
    }

    @Override
    public ResourceId id() {
        return id;
    }

    @Override
    public CheckResult checkApply(ResourceContext ctx, boolean apply)
            throws ResourceException, InterruptedException {
        var plan = new Plan();
        try {
            for (Path leftover : LeftoverTemps.AGENT.of(spec.path())) {
                plan.add("remove " + leftover.getFileName() + ", left by a write that was interrupted",
                        () -> LeftoverTemps.AGENT.remove(leftover));
            }
            // A dry run with a parent that would change first: a missing parent directory is taken
            // as one that parent would make, so the path is judged as a new one.
            boolean simulated = !apply && ctx.parentsWouldChange();
            if (spec.absent()) {
                planAbsent(plan, ctx.diffs());
            } else if (spec.symlink() != null) {
                planSymlink(plan, simulated);
            } else if (spec.directory()) {
                planDirectory(plan, ctx, simulated);
            } else {
                planFile(plan, simulated, ctx.diffs());
            }
            if (apply) {
                plan.run();
            }
        } catch (ClosedByInterruptException | InterruptedIOException e) {
            Thread.interrupted();
            var interrupted = new InterruptedException("interrupted while writing " + spec.display());
            interrupted.initCause(e);
            throw interrupted;
        } catch (IOException e) {
            throw new ResourceException(id, spec.display() + ": " + explain(e), e);
        }
        return new CheckResult(plan.changes(), plan.diff());
    }

    // ---- state: absent

    private void planAbsent(Plan plan, boolean diffs) throws IOException, ResourceException {
        Path p = spec.path();
        PosixFileAttributes now = lstat(p);
        if (now == null) {
            return;
        }
        if (now.isDirectory()) {
            int entries = TreeCopy.countEntries(p);
            if (entries > 0 && !spec.force()) {
                throw new ResourceException(id, spec.display() + " is a directory with " + entries
                        + (entries == 1 ? " entry" : " entries")
                        + "; set force: true (or recurse: true) to remove it with everything in it");
            }
            plan.add(entries == 0 ? "remove (empty directory)" : "remove (directory with " + entries
                    + (entries == 1 ? " entry)" : " entries)"), () -> TreeCopy.deleteTree(p));
            return;
        }
        plan.add(now.isSymbolicLink() ? "remove (symlink)" : "remove", () -> AtomicFile.remove(p));
        if (diffs && now.isRegularFile()) {
            plan.diff(spec.sensitive() ? List.of(ContentDiff.SENSITIVE)
                    : ContentDiff.of(p.toString(), readCurrent(p), null));
        }
    }

    // ---- symlink

    private void planSymlink(Plan plan, boolean simulated) throws IOException, ResourceException {
        Path p = spec.path();
        String target = spec.symlink();
        UserPrincipal owner = wantedOwner();
        GroupPrincipal group = wantedGroup();
        PosixFileAttributes now = lstat(p);
        if (now != null && now.isSymbolicLink()) {
            String current = Files.readSymbolicLink(p).toString();
            if (!current.equals(target)) {
                UserPrincipal keepOwner = owner != null ? owner : now.owner();
                GroupPrincipal keepGroup = group != null ? group : now.group();
                plan.add("symlink -> " + target + " (was " + current + ")",
                        () -> AtomicFile.symlink(p, target, keepOwner, keepGroup));
                describeOwnership(plan, now, owner, group);
            } else if (describeOwnership(plan, now, owner, group)) {
                plan.step(() -> AtomicFile.chownLink(p, owner, group));
            }
            return;
        }
        if (now != null) {
            replaceWithForce(plan, now, "a symbolic link");
        } else {
            requireParent(p, simulated);
        }
        plan.add("symlink -> " + target + ownershipDetail("", owner, group),
                () -> AtomicFile.symlink(p, target, owner, group));
    }

    // ---- directory

    private void planDirectory(Plan plan, ResourceContext ctx, boolean simulated) throws IOException, ResourceException {
        Path p = spec.path();
        UserPrincipal owner = wantedOwner();
        GroupPrincipal group = wantedGroup();
        if (spec.source() != null) {
            PosixFileAttributes source = stat(spec.source());
            if (source == null || !source.isDirectory()) {
                throw new ResourceException(id, "source " + sourceDisplay()
                        + (source == null ? " does not exist" : " is not a directory"));
            }
        }
        PosixFileAttributes now = lstat(p);
        Path top = p;
        if (now != null && now.isSymbolicLink()) {
            PosixFileAttributes followed = stat(p);
            if (followed != null && followed.isDirectory()) {
                // A link to a directory is that directory, as `mkdir -p` sees it.
                now = followed;
                top = p.toRealPath();
            }
        }
        if (now != null && !now.isDirectory()) {
            replaceWithForce(plan, now, "a directory");
            now = null;
        }
        if (now == null) {
            requireParent(p, simulated);
            int mode = spec.mode() != null ? spec.mode().forNew(true) : DEFAULT_DIRECTORY_MODE;
            plan.add("create directory" + ownershipDetail("mode " + FileModes.format(mode), owner, group), () -> {
                AtomicFile.createDirectory(p, mode, owner, group);
            });
        }
        if (spec.copiesTree()) {
            TreeCopy.Result copy = TreeCopy.plan(id, spec.source(), top, now != null, spec.force(), spec.purge(),
                    ctx::warn);
            if (copy.copied() > 0) {
                plan.describe("copy " + copy.copied() + (copy.copied() == 1 ? " file" : " files")
                        + " from " + sourceDisplay());
            }
            if (copy.purged() > 0) {
                plan.describe("purge " + copy.purged() + (copy.purged() == 1 ? " entry" : " entries"));
            }
            copy.steps().forEach(plan::step);
        }
        if (now != null) {
            planAttributes(plan, top, now, true, owner, group);
        }
    }

    // ---- regular file

    private void planFile(Plan plan, boolean simulated, boolean diffs) throws IOException, ResourceException {
        Path p = spec.path();
        UserPrincipal owner = wantedOwner();
        GroupPrincipal group = wantedGroup();
        PosixFileAttributes source = null;
        if (spec.source() != null) {
            source = stat(spec.source());
            if (source == null || !source.isRegularFile()) {
                throw new ResourceException(id, "source " + sourceDisplay()
                        + (source == null ? " does not exist" : " is not a regular file"));
            }
        }
        byte[] bytes = spec.content() != null ? spec.content().getBytes(StandardCharsets.UTF_8)
                : !spec.fragments().isEmpty() ? fragmentBytes()
                : null;
        PosixFileAttributes now = lstat(p);
        if (now != null && !now.isRegularFile()) {
            replaceWithForce(plan, now, "a regular file");
            now = null;
        }
        if (now == null) {
            requireParent(p, simulated);
            int mode = spec.mode() != null ? spec.mode().forNew(false)
                    : source != null ? FileModes.get(spec.source())
                    : DEFAULT_FILE_MODE;
            long size = bytes != null ? bytes.length : source != null ? source.size() : 0;
            Path from = spec.source();
            byte[] content = bytes != null ? bytes : new byte[0];
            String what = spec.sensitive() ? "sensitive content" : size + (size == 1 ? " byte" : " bytes");
            plan.add("create" + ownershipDetail(what + ", mode " + FileModes.format(mode), owner, group),
                    from != null ? () -> AtomicFile.copy(from, p, mode, owner, group)
                            : () -> AtomicFile.write(p, content, mode, owner, group));
            if (diffs) {
                plan.diff(spec.sensitive() ? List.of(ContentDiff.SENSITIVE)
                        : ContentDiff.of(p.toString(), null, from != null ? readSource() : content));
            }
            return;
        }
        boolean rewrite;
        long newSize;
        if (bytes != null) {
            rewrite = !hasContent(p, now.size(), bytes);
            newSize = bytes.length;
        } else if (source != null) {
            rewrite = source.size() != now.size() || Files.mismatch(spec.source(), p) != -1L;
            newSize = source.size();
        } else {
            rewrite = false;
            newSize = now.size();
        }
        if (!rewrite) {
            planAttributes(plan, p, now, false, owner, group);
            return;
        }
        plan.describe(spec.sensitive() ? ContentDiff.SENSITIVE
                : "content (" + now.size() + " -> " + newSize + " bytes)");
        if (diffs) {
            plan.diff(spec.sensitive() ? List.of(ContentDiff.SENSITIVE)
                    : ContentDiff.of(p.toString(), readCurrent(p), bytes != null ? bytes : readSource()));
        }
        int oldMode = FileModes.get(p);
        int mode = spec.mode() == null ? oldMode : spec.mode().apply(oldMode, false);
        if (mode != oldMode) {
            plan.describe("mode " + FileModes.format(oldMode) + " -> " + FileModes.format(mode));
        }
        describeOwnership(plan, now, owner, group);
        UserPrincipal keepOwner = owner != null ? owner : now.owner();
        GroupPrincipal keepGroup = group != null ? group : now.group();
        Path from = spec.source();
        plan.step(from != null ? () -> AtomicFile.copy(from, p, mode, keepOwner, keepGroup)
                : () -> AtomicFile.write(p, bytes, mode, keepOwner, keepGroup));
    }

    /** The content of the fragments, joined in order; a directory fragment adds its regular files by name. */
    private byte[] fragmentBytes() throws IOException, ResourceException {
        var out = new ByteArrayOutputStream();
        for (FileSpec.Fragment f : spec.fragments()) {
            if (f.directory()) {
                var files = new ArrayList<Path>();
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(f.path())) {
                    for (Path e : entries) {
                        if (Files.isRegularFile(e)) {
                            files.add(e);
                        }
                    }
                } catch (NoSuchFileException e) {
                    throw new ResourceException(id, "fragment directory " + f.path() + "/ does not exist");
                }
                files.sort(null);
                for (Path e : files) {
                    out.write(Files.readAllBytes(e));
                }
            } else {
                try {
                    out.write(Files.readAllBytes(f.path()));
                } catch (NoSuchFileException e) {
                    throw new ResourceException(id, "fragment " + f.path() + " does not exist");
                }
            }
        }
        return out.toByteArray();
    }

    // ---- shared parts

    /**
     * Plans the mode, owner and group of an existing {@code p} in place. A chown clears set-id
     * bits, so the mode is set again after one when it has any.
     */
    private void planAttributes(Plan plan, Path p, PosixFileAttributes now, boolean directory, UserPrincipal owner,
            GroupPrincipal group) throws IOException {
        int oldMode = FileModes.get(p);
        int mode = spec.mode() == null ? oldMode : spec.mode().apply(oldMode, directory);
        if (mode != oldMode) {
            plan.describe("mode " + FileModes.format(oldMode) + " -> " + FileModes.format(mode));
        }
        boolean chown = describeOwnership(plan, now, owner, group);
        boolean chmod = mode != oldMode || chown && (oldMode & 06000) != 0;
        if (chown || chmod) {
            plan.step(() -> AtomicFile.setInPlace(p, directory, chown ? owner : null, chown ? group : null,
                    chmod ? mode : -1));
        }
    }

    /** Describes owner and group changes {@code now} needs; true when there is one. */
    private boolean describeOwnership(Plan plan, PosixFileAttributes now, UserPrincipal owner, GroupPrincipal group) {
        boolean any = false;
        if (owner != null && !owner.equals(now.owner())) {
            plan.describe("owner " + now.owner().getName() + " -> " + spec.owner());
            any = true;
        }
        if (group != null && !group.equals(now.group())) {
            plan.describe("group " + now.group().getName() + " -> " + spec.group());
            any = true;
        }
        return any;
    }

    private String ownershipDetail(String first, UserPrincipal owner, GroupPrincipal group) {
        var parts = new ArrayList<String>();
        if (!first.isEmpty()) {
            parts.add(first);
        }
        if (owner != null) {
            parts.add("owner " + spec.owner());
        }
        if (group != null) {
            parts.add("group " + spec.group());
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    /**
     * Plans removing what is at the path to make room for {@code wanted}: allowed only with
     * {@code force}. A directory is removed with its contents; anything else is replaced by the
     * rename that puts the new entry in place.
     */
    private void replaceWithForce(Plan plan, PosixFileAttributes now, String wanted) throws ResourceException {
        String what = TreeCopy.describe(now);
        if (!spec.force()) {
            throw new ResourceException(id, spec.display() + " is " + what + ", not " + wanted
                    + "; set force: true to replace it");
        }
        Path p = spec.path();
        String kind = what.substring(what.indexOf(' ') + 1);
        if (now.isDirectory() || wanted.equals("a directory")) {
            plan.add("replace " + kind + " (force)", () -> TreeCopy.deleteTree(p));
        } else {
            plan.describe("replace " + kind + " (force)");
        }
    }

    /**
     * Fails unless {@code p}'s parent directory exists; with {@code simulated} (a dry run whose
     * parent resources would change first) a missing one is taken as one they would create.
     */
    private void requireParent(Path p, boolean simulated) throws ResourceException {
        Path parent = p.getParent();
        if (parent == null) {
            throw new ResourceException(id, spec.display() + " has no parent directory");
        }
        if (simulated && !Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(parent)) {
            throw new ResourceException(id, Files.exists(parent, LinkOption.NOFOLLOW_LINKS)
                    ? "parent " + parent + " is not a directory"
                    : "parent directory " + parent + " does not exist");
        }
    }

    private UserPrincipal wantedOwner() throws IOException, ResourceException {
        if (spec.owner() == null) {
            return null;
        }
        try {
            return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(spec.owner());
        } catch (UserPrincipalNotFoundException e) {
            throw new ResourceException(id, "owner '" + spec.owner() + "' is neither a user name nor a uid");
        }
    }

    private GroupPrincipal wantedGroup() throws IOException, ResourceException {
        if (spec.group() == null) {
            return null;
        }
        try {
            return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(spec.group());
        } catch (UserPrincipalNotFoundException e) {
            throw new ResourceException(id, "group '" + spec.group() + "' is neither a group name nor a gid");
        }
    }

    private String sourceDisplay() {
        return spec.directory() ? spec.source() + "/" : spec.source().toString();
    }

    /** The attributes of the path itself (a symbolic link is not followed), or null if missing. */
    private static PosixFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The attributes of what the path leads to (links followed), or null if missing. */
    private static PosixFileAttributes stat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * For a diff: the regular file at {@code p} as {@link ContentDiff#read} reads it, opened
     * without following a link there, so a link swapped in since the check cannot show another
     * file's content.
     */
    private static byte[] readCurrent(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return ContentDiff.read(in);
        }
    }

    /** For a diff: the {@code source} file as {@link ContentDiff#read} reads it. */
    private byte[] readSource() throws IOException {
        try (InputStream in = Files.newInputStream(spec.source())) {
            return ContentDiff.read(in);
        }
    }

    private static boolean hasContent(Path file, long size, byte[] content) throws IOException {
        return size == content.length && Arrays.equals(Files.readAllBytes(file), content);
    }

    private static String explain(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() == null ? "" : ": " + f.getFile())
                    + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    // ---- watch

    /**
     * Watches the path, the source or fragments, and for a copied tree every directory of both
     * trees; each change calls {@link ResourceContext#event()}. For a tree, the watch thread
     * re-lists the trees' directories after changes and subscribes new ones (then reports an
     * event, as changes in a new directory may have come before its watch).
     */
    @Override
    public void watch(ResourceContext ctx) throws Exception {
        PathWatcher paths = ctx.paths();
        var subs = new HashMap<Path, PathWatcher.Subscription>();
        boolean tree = spec.copiesTree();
        var rescan = new Semaphore(0);
        Runnable onChange = tree ? () -> {
            ctx.event();
            rescan.release();
        } : ctx::event;
        try {
            Set<Path> fixed = fixedWatches();
            for (Path p : fixed) {
                subs.put(p, paths.subscribe(p, onChange));
            }
            if (tree) {
                syncTreeWatches(paths, subs, fixed, onChange);
            }
            ctx.running();
            while (true) {
                if (!tree) {
                    Thread.sleep(Long.MAX_VALUE);
                    continue;
                }
                rescan.acquire();
                rescan.drainPermits();
                if (syncTreeWatches(paths, subs, fixed, onChange)) {
                    ctx.event();
                }
            }
        } finally {
            subs.values().forEach(PathWatcher.Subscription::close);
        }
    }

    /** The paths watched for the whole life of the watch. */
    private Set<Path> fixedWatches() {
        var set = new LinkedHashSet<Path>();
        set.add(spec.path());
        if (spec.source() != null) {
            set.add(spec.source());
        }
        spec.fragments().forEach(f -> set.add(f.path()));
        return set;
    }

    /**
     * Subscribes each directory now in the source and destination trees and drops those gone.
     *
     * @return whether a directory was newly subscribed
     */
    private boolean syncTreeWatches(PathWatcher paths, Map<Path, PathWatcher.Subscription> subs, Set<Path> fixed,
            Runnable onChange) throws IOException {
        var wanted = new LinkedHashSet<>(fixed);
        wanted.addAll(directoriesUnder(spec.path()));
        wanted.addAll(directoriesUnder(spec.source()));
        boolean added = false;
        for (Path dir : wanted) {
            if (!subs.containsKey(dir)) {
                subs.put(dir, paths.subscribe(dir, onChange));
                added = true;
            }
        }
        var it = subs.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (!wanted.contains(e.getKey())) {
                e.getValue().close();
                it.remove();
            }
        }
        return added;
    }

    /** The directories of the tree at {@code root} (itself included), links not followed. */
    private static List<Path> directoriesUnder(Path root) throws IOException {
        var dirs = new ArrayList<Path>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return dirs;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                dirs.add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return dirs;
    }
}
