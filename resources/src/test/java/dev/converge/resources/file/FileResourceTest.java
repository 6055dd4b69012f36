package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class FileResourceTest {

    private static final FileTime OLD = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));

    @TempDir
    Path dir;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("file", "f"));

    @AfterEach
    void closeContext() throws IOException {
        ctx.close();
    }

    /** The resource of {@code params}, which must validate without error. */
    private static Resource resource(String name, FileParams params) {
        var kind = new FileKind();
        assertThat(kind.validate(name, params)).noneMatch(Problem::isError);
        return kind.create(name, params);
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Resource file(Path path, String content, String state, String mode) {
        return new FileKind().create(path.toString(), FileParams.of("", content, state, mode));
    }

    private CheckResult apply(Path path, String content, String mode) throws Exception {
        return file(path, content, "exists", mode).checkApply(ctx, true);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    private static Set<String> names(Path directory) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static Path existing(Path p, String content, int mode) throws IOException {
        Files.writeString(p, content);
        Files.setAttribute(p, "unix:mode", mode);
        Files.setLastModifiedTime(p, OLD);
        return p;
    }

    @Test
    void createsAMissingFileWithContentAndMode() throws Exception {
        Path p = dir.resolve("new.conf");

        CheckResult result = apply(p, "hello\n", "0600");

        assertThat(result.changes()).containsExactly("create (6 bytes, mode 0600)");
        assertThat(Files.readString(p)).isEqualTo("hello\n");
        assertThat(mode(p)).isEqualTo(0600);
        assertThat(names(dir)).containsExactly("new.conf");
    }

    @Test
    void createdFileDefaultsToMode0644RegardlessOfUmask() throws Exception {
        Path p = dir.resolve("new.conf");

        assertThat(apply(p, "héllo", null).changes()).containsExactly("create (6 bytes, mode 0644)");
        assertThat(mode(p)).isEqualTo(0644);
    }

    @Test
    void nullContentCreatesAnEmptyFile() throws Exception {
        Path p = dir.resolve("empty");

        assertThat(apply(p, null, null).changes()).containsExactly("create (0 bytes, mode 0644)");
        assertThat(Files.size(p)).isZero();
    }

    @Test
    void correctFileIsLeftUntouched() throws Exception {
        Path p = existing(dir.resolve("ok.conf"), "same\n", 0640);
        Object inode = inode(p);

        assertThat(apply(p, "same\n", "640")).isEqualTo(CheckResult.ok());
        assertThat(apply(p, null, null)).isEqualTo(CheckResult.ok());

        assertThat(Files.getLastModifiedTime(p)).isEqualTo(OLD);
        assertThat(inode(p)).isEqualTo(inode);
        assertThat(names(dir)).containsExactly("ok.conf");
    }

    @Test
    void contentChangeReplacesTheFileAndKeepsItsMode() throws Exception {
        Path p = existing(dir.resolve("c.conf"), "old", 0640);
        Object inode = inode(p);

        CheckResult result = apply(p, "new content", null);

        assertThat(result.changes()).containsExactly("content (3 -> 11 bytes)");
        assertThat(Files.readString(p)).isEqualTo("new content");
        assertThat(mode(p)).isEqualTo(0640);
        assertThat(inode(p)).as("replaced by rename, not rewritten in place").isNotEqualTo(inode);
        assertThat(names(dir)).containsExactly("c.conf");
    }

    @Test
    void sameSizeDifferentBytesIsAContentChange() throws Exception {
        Path p = existing(dir.resolve("c.conf"), "abc", 0644);

        assertThat(apply(p, "abd", null).changes()).containsExactly("content (3 -> 3 bytes)");
        assertThat(Files.readString(p)).isEqualTo("abd");
    }

    @Test
    void modeOnlyChangeIsMadeInPlace() throws Exception {
        Path p = existing(dir.resolve("m.conf"), "keep", 0644);
        Object inode = inode(p);

        CheckResult result = apply(p, "keep", "600");

        assertThat(result.changes()).containsExactly("mode 0644 -> 0600");
        assertThat(mode(p)).isEqualTo(0600);
        assertThat(inode(p)).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(p)).isEqualTo(OLD);
        assertThat(Files.readString(p)).isEqualTo("keep");
    }

    @Test
    void contentAndModeChangeTogether() throws Exception {
        Path p = existing(dir.resolve("b.conf"), "one", 0644);

        CheckResult result = apply(p, "three", "0600");

        assertThat(result.changes()).containsExactly("content (3 -> 5 bytes)", "mode 0644 -> 0600");
        assertThat(Files.readString(p)).isEqualTo("three");
        assertThat(mode(p)).isEqualTo(0600);
    }

    @Test
    void notApplyingNeverTouchesTheDisk() throws Exception {
        Path missing = dir.resolve("missing");
        Path p = existing(dir.resolve("x.conf"), "old", 0644);
        Object inode = inode(p);

        assertThat(file(missing, "abc", "exists", "0600").checkApply(ctx, false).changes())
                .containsExactly("create (3 bytes, mode 0600)");
        assertThat(file(p, "new!", "exists", "0600").checkApply(ctx, false).changes())
                .containsExactly("content (3 -> 4 bytes)", "mode 0644 -> 0600");
        assertThat(file(p, null, "absent", null).checkApply(ctx, false).changes())
                .containsExactly("remove");

        assertThat(missing).doesNotExist();
        assertThat(Files.readString(p)).isEqualTo("old");
        assertThat(mode(p)).isEqualTo(0644);
        assertThat(inode(p)).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(p)).isEqualTo(OLD);
        assertThat(names(dir)).containsExactly("x.conf");
    }

    @Test
    void absentRemovesAFile() throws Exception {
        Path p = existing(dir.resolve("gone"), "x", 0644);

        assertThat(file(p, null, "absent", null).checkApply(ctx, true).changes()).containsExactly("remove");
        assertThat(p).doesNotExist();
        assertThat(file(p, null, "absent", null).checkApply(ctx, true)).isEqualTo(CheckResult.ok());
    }

    @Test
    void absentRemovesASymlinkButNotItsTarget() throws Exception {
        Path target = existing(dir.resolve("target"), "x", 0644);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        assertThat(file(link, null, "absent", null).checkApply(ctx, true).changes()).containsExactly("remove (symlink)");
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(target).exists();
    }

    @Test
    void absentRefusesANonEmptyDirectoryWithoutForce() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        Files.writeString(d.resolve("inside"), "x");

        assertThatThrownBy(() -> file(d, null, "absent", null).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("is a directory with 1 entry; set force: true (or recurse: true)");
        assertThat(d.resolve("inside")).exists();
    }

    @Test
    void existsRefusesADirectoryAndLeavesNoTempFile() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));

        assertThatThrownBy(() -> apply(d, "x", null))
                .isInstanceOf(ResourceException.class)
                .satisfies(e -> assertThat(((ResourceException) e).id()).isEqualTo(ResourceId.of("file", d.toString())))
                .hasMessageContaining("is a directory, not a regular file; set force: true to replace it");
        assertThat(names(dir)).containsExactly("d");
        assertThat(names(d)).isEmpty();
    }

    @Test
    void existsRefusesASymlink() throws Exception {
        Path target = existing(dir.resolve("target"), "x", 0644);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        assertThatThrownBy(() -> apply(link, "y", null))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("is a symbolic link, not a regular file; set force: true");
        assertThat(Files.readString(target)).isEqualTo("x");
    }

    @Test
    void missingParentDirectoryIsAnError() throws Exception {
        Path parent = dir.resolve("no-such-dir");

        assertThatThrownBy(() -> apply(parent.resolve("f"), "x", null))
                .isInstanceOf(ResourceException.class)
                .hasMessage("parent directory " + parent + " does not exist");
        assertThat(names(dir)).isEmpty();
    }

    @Test
    void failedReplaceDeletesItsTempFile() throws Exception {
        Path target = Files.createDirectory(dir.resolve("busy"));
        Files.writeString(target.resolve("inside"), "x");

        assertThatThrownBy(() -> AtomicFile.write(target, "new".getBytes(StandardCharsets.UTF_8), 0644, null, null))
                .isInstanceOf(IOException.class);

        assertThat(names(dir)).containsExactly("busy");
        assertThat(names(target)).containsExactly("inside");
    }

    @Test
    void rewriteKeepsOwnerAndGroup() throws Exception {
        Path p = existing(dir.resolve("owned"), "old", 0644);
        assumeTrue((Integer) Files.getAttribute(p, "unix:uid") == 0, "needs root to chown");
        Files.setAttribute(p, "unix:uid", 1);
        Files.setAttribute(p, "unix:gid", 1);

        apply(p, "new", null);

        assertThat(Files.readString(p)).isEqualTo("new");
        assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(1);
        assertThat(Files.getAttribute(p, "unix:gid")).isEqualTo(1);
    }

    @Test
    void readersSeeTheOldOrTheNewFileNeverAPart() throws Exception {
        Path p = dir.resolve("big");
        String a = "a".repeat(256 * 1024);
        String b = "b".repeat(200 * 1024);
        apply(p, a, null);
        var stop = new AtomicBoolean();
        var seen = new AtomicReference<String>();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    String s = Files.readString(p);
                    if (!s.equals(a) && !s.equals(b)) {
                        seen.set(s.length() + " chars starting " + s.substring(0, Math.min(8, s.length())));
                    }
                } catch (IOException e) {
                    seen.set(e.toString());
                }
            }
        });
        try {
            for (int i = 0; i < 40; i++) {
                apply(p, i % 2 == 0 ? b : a, null);
            }
        } finally {
            stop.set(true);
            reader.join();
        }

        assertThat(seen.get()).isNull();
        assertThat(names(dir)).containsExactly("big");
    }

    @Test
    void changeDescriptionsListedInOrder() throws Exception {
        Path p = existing(dir.resolve("d.conf"), "12 bytes....", 0644);

        assertThat(apply(p, "x".repeat(40), "0600").changes())
                .isEqualTo(List.of("content (12 -> 40 bytes)", "mode 0644 -> 0600"));
    }

    @Test
    void symbolicModeAppliesToTheCurrentMode() throws Exception {
        Path p = existing(dir.resolve("s"), "x", 0640);

        CheckResult result = resource(p.toString(), FileParams.of("", null, "exists", "u+x,g-r,o=r")).checkApply(ctx, true);

        assertThat(result.changes()).containsExactly("mode 0640 -> 0704");
        assertThat(mode(p)).isEqualTo(0704);
        assertThat(resource(p.toString(), FileParams.of("", null, "exists", "u+x,g-r,o=r")).checkApply(ctx, true))
                .isEqualTo(CheckResult.ok());
    }

    @Test
    void symbolicModeOfANewFileStartsFrom0666() throws Exception {
        Path p = dir.resolve("new");

        assertThat(resource(p.toString(), FileParams.of("", "x", "exists", "go-w")).checkApply(ctx, true).changes())
                .containsExactly("create (1 byte, mode 0644)");
        assertThat(mode(p)).isEqualTo(0644);
        Path q = dir.resolve("exe");
        resource(q.toString(), FileParams.of("", "x", "exists", "a+x")).checkApply(ctx, true);
        assertThat(mode(q)).isEqualTo(0777);
    }

    @Test
    void ownerAndGroupByNameOrIdAreSetAndReported() throws Exception {
        assumeTrue(root(), "chown needs root");
        Path p = existing(dir.resolve("o"), "x", 0644);
        Object inode = inode(p);
        var params = FileParams.of("", null, "exists", null).withOwner("nobody").withGroup("65534");

        assertThat(resource(p.toString(), params).checkApply(ctx, false).changes())
                .containsExactly("owner root -> nobody", "group root -> 65534");
        assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(0);

        assertThat(resource(p.toString(), params).checkApply(ctx, true).changes())
                .containsExactly("owner root -> nobody", "group root -> 65534");
        assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(65534);
        assertThat(Files.getAttribute(p, "unix:gid")).isEqualTo(65534);
        assertThat(inode(p)).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(p)).isEqualTo(OLD);
        assertThat(resource(p.toString(), params.withOwner("65534").withGroup("nogroup")).checkApply(ctx, true))
                .isEqualTo(CheckResult.ok());
    }

    @Test
    void contentRewriteWithNewOwnerSetsItOnTheNewFile() throws Exception {
        assumeTrue(root(), "chown needs root");
        Path p = existing(dir.resolve("o"), "old", 0600);

        CheckResult result = resource(p.toString(), FileParams.of("", "new!", "exists", null).withOwner("nobody"))
                .checkApply(ctx, true);

        assertThat(result.changes()).containsExactly("content (3 -> 4 bytes)", "owner root -> nobody");
        assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(65534);
        assertThat(mode(p)).isEqualTo(0600);
        assertThat(names(dir)).containsExactly("o");
    }

    @Test
    void chownKeepsTheSetuidBit() throws Exception {
        assumeTrue(root(), "chown needs root");
        Path p = existing(dir.resolve("suid"), "x", 04755);

        resource(p.toString(), FileParams.of("", null, "exists", null).withOwner("nobody")).checkApply(ctx, true);

        assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(65534);
        assertThat(mode(p)).isEqualTo(04755);
    }

    @Test
    void unknownOwnerIsAnErrorOfTheResource() throws Exception {
        Path p = existing(dir.resolve("o"), "x", 0644);

        assertThatThrownBy(() -> resource(p.toString(), FileParams.of("", null, "exists", null)
                .withOwner("no-such-user-here")).checkApply(ctx, false))
                .isInstanceOf(ResourceException.class)
                .hasMessage("owner 'no-such-user-here' is neither a user name nor a uid");
    }

    @Test
    void forceReplacesADirectoryWithAFile() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        Files.writeString(d.resolve("inside"), "x");
        var params = FileParams.of("", "now a file", "exists", null).withFlags(false, true, false);

        assertThat(resource(d.toString(), params).checkApply(ctx, false).changes())
                .containsExactly("replace directory (force)", "create (10 bytes, mode 0644)");
        assertThat(d).isDirectory();

        resource(d.toString(), params).checkApply(ctx, true);
        assertThat(d).isRegularFile().hasContent("now a file");
    }

    @Test
    void forceReplacesASymlinkWithAFileAndLeavesTheTargetAlone() throws Exception {
        Path target = existing(dir.resolve("target"), "t", 0644);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        CheckResult result = resource(link.toString(), FileParams.of("", "mine", "exists", null)
                .withFlags(false, true, false)).checkApply(ctx, true);

        assertThat(result.changes()).containsExactly("replace symbolic link (force)", "create (4 bytes, mode 0644)");
        assertThat(Files.isSymbolicLink(link)).isFalse();
        assertThat(link).hasContent("mine");
        assertThat(target).hasContent("t");
    }

    @Test
    void sourceFileIsCopiedWithItsModeAndRecopiedWhenItChanges() throws Exception {
        Path src = existing(dir.resolve("src"), "source bytes", 0600);
        Path dst = dir.resolve("dst");
        var params = FileParams.of("", null, "exists", null).withSource(src.toString());

        assertThat(resource(dst.toString(), params).checkApply(ctx, true).changes())
                .containsExactly("create (12 bytes, mode 0600)");
        assertThat(dst).hasContent("source bytes");
        assertThat(resource(dst.toString(), params).checkApply(ctx, true)).isEqualTo(CheckResult.ok());

        Files.writeString(src, "changed");
        Files.setAttribute(dst, "unix:mode", 0640);
        assertThat(resource(dst.toString(), params).checkApply(ctx, true).changes())
                .containsExactly("content (12 -> 7 bytes)");
        assertThat(dst).hasContent("changed");
        assertThat(mode(dst)).as("an existing file keeps its mode").isEqualTo(0640);
    }

    @Test
    void missingSourceIsAnError() {
        Path dst = dir.resolve("dst");

        assertThatThrownBy(() -> resource(dst.toString(), FileParams.of("", null, "exists", null)
                .withSource(dir.resolve("nope").toString())).checkApply(ctx, false))
                .isInstanceOf(ResourceException.class)
                .hasMessage("source " + dir.resolve("nope") + " does not exist");
    }

    @Test
    void fragmentsAreJoinedInOrderAndADirectoryAddsItsFilesByName() throws Exception {
        Path head = Files.writeString(dir.resolve("head"), "head\n");
        Path parts = Files.createDirectory(dir.resolve("parts"));
        Files.writeString(parts.resolve("20-b"), "b\n");
        Files.writeString(parts.resolve("10-a"), "a\n");
        Files.createDirectory(parts.resolve("30-not-a-file"));
        Path out = Files.createDirectory(dir.resolve("out")).resolve("joined");
        var params = FileParams.of("", null, "exists", null)
                .withFragments(List.of(head.toString(), parts + "/"));

        assertThat(resource(out.toString(), params).checkApply(ctx, true).changes())
                .containsExactly("create (9 bytes, mode 0644)");
        assertThat(out).hasContent("head\na\nb\n");
        assertThat(resource(out.toString(), params).checkApply(ctx, true)).isEqualTo(CheckResult.ok());
    }

    @Test
    void symlinkIsCreatedRetargetedAndLeftAloneWhenRight() throws Exception {
        Path link = dir.resolve("link");
        var params = FileParams.of("", null, "exists", null).withSymlink("/etc/hostname");

        assertThat(resource(link.toString(), params).checkApply(ctx, false).changes())
                .containsExactly("symlink -> /etc/hostname");
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(resource(link.toString(), params).checkApply(ctx, true).changes())
                .containsExactly("symlink -> /etc/hostname");
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("/etc/hostname"));
        assertThat(resource(link.toString(), params).checkApply(ctx, true)).isEqualTo(CheckResult.ok());

        var relative = FileParams.of("", null, "exists", null).withSymlink("relative/target");
        assertThat(resource(link.toString(), relative).checkApply(ctx, true).changes())
                .containsExactly("symlink -> relative/target (was /etc/hostname)");
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("relative/target"));
        assertThat(names(dir)).containsExactly("link");
    }

    @Test
    void mgmtSymlinkTrueTakesTheTargetFromSource() throws Exception {
        Path link = dir.resolve("link");
        var params = FileParams.of("", null, "exists", null).withSource("/tmp").withSymlink("true");

        resource(link.toString(), params).checkApply(ctx, true);

        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("/tmp"));
    }

    @Test
    void symlinkOverAFileNeedsForce() throws Exception {
        Path p = existing(dir.resolve("f"), "x", 0644);
        var params = FileParams.of("", null, "exists", null).withSymlink("/etc/hostname");

        assertThatThrownBy(() -> resource(p.toString(), params).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("is a regular file, not a symbolic link; set force: true");
        assertThat(resource(p.toString(), params.withFlags(false, true, false)).checkApply(ctx, true).changes())
                .containsExactly("replace regular file (force)", "symlink -> /etc/hostname");
        assertThat(Files.readSymbolicLink(p)).isEqualTo(Path.of("/etc/hostname"));
    }

    @Test
    void dirnameAndBasenameReplaceThePartsOfThePath() throws Exception {
        Files.createDirectory(dir.resolve("other"));
        var params = FileParams.of("/ignored/dir/name", "x", "exists", null)
                .withDirname(dir.resolve("other") + "/").withBasename("renamed");

        resource("r", params).checkApply(ctx, true);

        assertThat(dir.resolve("other/renamed")).hasContent("x");
    }

    /**
     * A write killed between creating its temporary file and renaming it leaves the file behind;
     * the target's next check removes it (and reports it), and touches no other resource's.
     */
    @Test
    void leftoverTemporaryFilesOfTheTargetAreRemovedByItsNextCheck() throws Exception {
        Path target = dir.resolve("motd");
        Path first = Files.writeString(dir.resolve(".motd.0123456789abcdef.converge-tmp"), "half");
        Path second = Files.writeString(dir.resolve(".motd.fedcba9876543210.converge-tmp"), "half");
        Path otherTarget = Files.writeString(dir.resolve(".issue.0123456789abcdef.converge-tmp"), "half");
        Path notOurs = Files.writeString(dir.resolve(".motd.backup.converge-tmp"), "kept");

        CheckResult dry = file(target, "hello\n", "exists", "0644").checkApply(ctx, false);
        assertThat(dry.changes()).contains("remove " + first.getFileName() + ", left by a write that was interrupted",
                "remove " + second.getFileName() + ", left by a write that was interrupted");
        assertThat(first).exists();

        CheckResult applied = apply(target, "hello\n", "0644");

        assertThat(applied.changes()).contains("remove " + first.getFileName() + ", left by a write that was interrupted");
        assertThat(first).doesNotExist();
        assertThat(second).doesNotExist();
        assertThat(otherTarget).as("another target's").exists();
        assertThat(notOurs).as("not a name the agent makes").exists();
        assertThat(target).hasContent("hello");
        assertThat(apply(target, "hello\n", "0644").isOk()).isTrue();
    }
}
