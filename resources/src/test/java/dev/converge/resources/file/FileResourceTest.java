package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.resources.CheckResult;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class FileResourceTest {

    private static final FileTime OLD = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));

    @TempDir
    Path dir;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("file", "f"));

    private static Resource file(Path path, String content, String state, String mode) {
        return new FileKind().create(path.toString(), new FileParams("", content, state, mode));
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

        assertThat(result.changes()).containsExactly("created (6 bytes, mode 0600)");
        assertThat(Files.readString(p)).isEqualTo("hello\n");
        assertThat(mode(p)).isEqualTo(0600);
        assertThat(names(dir)).containsExactly("new.conf");
    }

    @Test
    void createdFileDefaultsToMode0644RegardlessOfUmask() throws Exception {
        Path p = dir.resolve("new.conf");

        assertThat(apply(p, "héllo", null).changes()).containsExactly("created (6 bytes)");
        assertThat(mode(p)).isEqualTo(0644);
    }

    @Test
    void nullContentCreatesAnEmptyFile() throws Exception {
        Path p = dir.resolve("empty");

        assertThat(apply(p, null, null).changes()).containsExactly("created (0 bytes)");
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
                .containsExactly("would create (3 bytes, mode 0600)");
        assertThat(file(p, "new!", "exists", "0600").checkApply(ctx, false).changes())
                .containsExactly("content (3 -> 4 bytes)", "mode 0644 -> 0600");
        assertThat(file(p, null, "absent", null).checkApply(ctx, false).changes())
                .containsExactly("would remove");

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

        assertThat(file(p, null, "absent", null).checkApply(ctx, true).changes()).containsExactly("removed");
        assertThat(p).doesNotExist();
        assertThat(file(p, null, "absent", null).checkApply(ctx, true)).isEqualTo(CheckResult.ok());
    }

    @Test
    void absentRemovesASymlinkButNotItsTarget() throws Exception {
        Path target = existing(dir.resolve("target"), "x", 0644);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        assertThat(file(link, null, "absent", null).checkApply(ctx, true).changes()).containsExactly("removed");
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(target).exists();
    }

    @Test
    void absentRefusesADirectory() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));

        assertThatThrownBy(() -> file(d, null, "absent", null).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("is a directory");
        assertThat(d).isDirectory();
    }

    @Test
    void existsRefusesADirectoryAndLeavesNoTempFile() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));

        assertThatThrownBy(() -> apply(d, "x", null))
                .isInstanceOf(ResourceException.class)
                .satisfies(e -> assertThat(((ResourceException) e).id()).isEqualTo(ResourceId.of("file", d.toString())))
                .hasMessageContaining("is a directory");
        assertThat(names(dir)).containsExactly("d");
        assertThat(names(d)).isEmpty();
    }

    @Test
    void existsRefusesASymlink() throws Exception {
        Path target = existing(dir.resolve("target"), "x", 0644);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        assertThatThrownBy(() -> apply(link, "y", null))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("is a symbolic link");
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

        assertThatThrownBy(() -> AtomicFile.write(target, "new".getBytes(StandardCharsets.UTF_8), 0644, null))
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
}
