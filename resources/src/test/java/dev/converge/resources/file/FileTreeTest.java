package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Directories: made, replaced, removed, and copied as trees from a source, with purge. */
@Timeout(60)
class FileTreeTest {

    private static final FileTime OLD = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));

    @TempDir
    Path tmp;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("file", "tree"));

    @AfterEach
    void closeContext() throws IOException {
        ctx.close();
    }

    private static Resource resource(String path, FileParams params) {
        var kind = new FileKind();
        FileParams withPath = params.withPath(path);
        assertThat(kind.validate(path, withPath)).noneMatch(Problem::isError);
        return kind.create(path, withPath);
    }

    private static FileParams directory() {
        return FileParams.DEFAULTS;
    }

    private static FileParams copyOf(Path source) {
        return FileParams.DEFAULTS.withSource(source + "/").withFlags(true, false, false);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    /** Every entry under {@code root}: relative path to a description of type, content or target, and mode. */
    private static Map<String, String> snapshot(Path root) throws IOException {
        var map = new TreeMap<String, String>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String key = root.relativize(p).toString();
                String what = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p) ? "dir " + Integer.toOctalString(mode(p))
                        : "file " + Files.readString(p) + " " + Integer.toOctalString(mode(p));
                map.put(key, what);
            }
        }
        return map;
    }

    /** Every entry under {@code root} with its inode and modification time. */
    private static Map<String, String> stamps(Path root) throws IOException {
        var map = new TreeMap<String, String>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                var a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                map.put(root.relativize(p).toString(), a.fileKey() + " " + a.lastModifiedTime());
            }
        }
        return map;
    }

    /** A source tree: two files (one 0600), a subdirectory 0700 with a file, and a symbolic link. */
    private Path sourceTree() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("src"));
        Files.writeString(src.resolve("a.conf"), "alpha");
        Files.writeString(src.resolve("secret"), "s3cret");
        Files.setAttribute(src.resolve("secret"), "unix:mode", 0600);
        Path sub = Files.createDirectory(src.resolve("sub"));
        Files.setAttribute(sub, "unix:mode", 0700);
        Files.writeString(sub.resolve("b.txt"), "beta");
        Files.createSymbolicLink(src.resolve("link"), Path.of("a.conf"));
        return src;
    }

    @Test
    void aDirectoryPathIsMadeWithMode0755AndThenLeftAlone() throws Exception {
        Path d = tmp.resolve("d");

        assertThat(resource(d + "/", directory()).checkApply(ctx, false).changes())
                .containsExactly("create directory (mode 0755)");
        assertThat(d).doesNotExist();
        assertThat(resource(d + "/", directory()).checkApply(ctx, true).changes())
                .containsExactly("create directory (mode 0755)");
        assertThat(d).isDirectory();
        assertThat(mode(d)).isEqualTo(0755);

        Files.setLastModifiedTime(d, OLD);
        assertThat(resource(d + "/", directory()).checkApply(ctx, true)).isEqualTo(CheckResult.ok());
        assertThat(Files.getLastModifiedTime(d)).isEqualTo(OLD);
    }

    @Test
    void aDirectorysModeIsSetSymbolicallyRelativeTo0777() throws Exception {
        Path d = tmp.resolve("d");

        resource(d + "/", directory().withMode("o-rwx")).checkApply(ctx, true);
        assertThat(mode(d)).isEqualTo(0770);

        assertThat(resource(d + "/", directory().withMode("0700")).checkApply(ctx, true).changes())
                .containsExactly("mode 0770 -> 0700");
        assertThat(mode(d)).isEqualTo(0700);
    }

    @Test
    void aMissingParentIsAnError() {
        Path d = tmp.resolve("no/such");

        assertThatThrownBy(() -> resource(d + "/", directory()).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessage("parent directory " + tmp.resolve("no") + " does not exist");
    }

    @Test
    void aFileWhereADirectoryIsDeclaredNeedsForce() throws Exception {
        Path d = Files.writeString(tmp.resolve("d"), "file");

        assertThatThrownBy(() -> resource(d + "/", directory()).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessage(d + "/ is a regular file, not a directory; set force: true to replace it");
        assertThat(d).isRegularFile();

        assertThat(resource(d + "/", directory().withFlags(false, true, false)).checkApply(ctx, true).changes())
                .containsExactly("replace regular file (force)", "create directory (mode 0755)");
        assertThat(d).isDirectory();
    }

    @Test
    void aSymlinkToADirectoryCountsAsThatDirectory() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Files.setAttribute(real, "unix:mode", 0755);
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);

        assertThat(resource(link + "/", directory()).checkApply(ctx, true)).isEqualTo(CheckResult.ok());
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void absentRemovesAnEmptyDirectoryAndATreeOnlyWithForceOrRecurse() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThat(resource(empty + "/", directory().withState("absent")).checkApply(ctx, true).changes())
                .containsExactly("remove (empty directory)");
        assertThat(empty).doesNotExist();

        Path full = sourceTree();
        assertThatThrownBy(() -> resource(full + "/", directory().withState("absent")).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("is a directory with 4 entries; set force: true (or recurse: true)");
        assertThat(full.resolve("sub/b.txt")).exists();

        Path outside = Files.writeString(tmp.resolve("outside"), "kept");
        Files.createSymbolicLink(full.resolve("sub/out"), outside);
        assertThat(resource(full + "/", directory().withState("absent").withFlags(true, false, false))
                .checkApply(ctx, true).changes())
                .containsExactly("remove (directory with 4 entries)");
        assertThat(full).doesNotExist();
        assertThat(outside).hasContent("kept");
    }

    @Test
    void aSourceTreeIsCopiedWithModesAndLinksThenLeftUntouched() throws Exception {
        Path src = sourceTree();
        Path dst = tmp.resolve("dst");

        CheckResult first = resource(dst + "/", copyOf(src)).checkApply(ctx, true);

        assertThat(first.changes()).containsExactly("create directory (mode 0755)",
                "copy 5 files from " + src + "/");
        Map<String, String> want = snapshot(src);
        want.put("", "dir 755");
        assertThat(snapshot(dst)).isEqualTo(want);

        Map<String, String> before = stamps(dst);
        assertThat(resource(dst + "/", copyOf(src)).checkApply(ctx, true)).isEqualTo(CheckResult.ok());
        assertThat(stamps(dst)).isEqualTo(before);
    }

    @Test
    void driftInTheCopyIsRepairedAndExtraEntriesStayWithoutPurge() throws Exception {
        Path src = sourceTree();
        Path dst = tmp.resolve("dst");
        resource(dst + "/", copyOf(src)).checkApply(ctx, true);
        Files.writeString(dst.resolve("sub/b.txt"), "edited");
        Files.setAttribute(dst.resolve("secret"), "unix:mode", 0644);
        Files.delete(dst.resolve("link"));
        Files.writeString(dst.resolve("extra"), "mine");
        Object untouched = Files.getAttribute(dst.resolve("a.conf"), "unix:ino");

        CheckResult result = resource(dst + "/", copyOf(src)).checkApply(ctx, true);

        assertThat(result.changes()).containsExactly("copy 3 files from " + src + "/");
        assertThat(dst.resolve("sub/b.txt")).hasContent("beta");
        assertThat(mode(dst.resolve("secret"))).isEqualTo(0600);
        assertThat(Files.readSymbolicLink(dst.resolve("link"))).isEqualTo(Path.of("a.conf"));
        assertThat(dst.resolve("extra")).hasContent("mine");
        assertThat(Files.getAttribute(dst.resolve("a.conf"), "unix:ino")).isEqualTo(untouched);
    }

    @Test
    void purgeRemovesWhatTheSourceLacks() throws Exception {
        Path src = sourceTree();
        Path dst = tmp.resolve("dst");
        resource(dst + "/", copyOf(src)).checkApply(ctx, true);
        Files.writeString(dst.resolve("extra"), "x");
        Path extraDir = Files.createDirectories(dst.resolve("sub/extra-dir/deeper"));
        Files.writeString(extraDir.resolve("f"), "x");
        var purging = copyOf(src).withFlags(true, false, true);

        assertThat(resource(dst + "/", purging).checkApply(ctx, false).changes())
                .containsExactly("purge 2 entries");
        assertThat(dst.resolve("extra")).exists();

        assertThat(resource(dst + "/", purging).checkApply(ctx, true).changes())
                .containsExactly("purge 2 entries");
        assertThat(dst.resolve("extra")).doesNotExist();
        assertThat(dst.resolve("sub/extra-dir")).doesNotExist();
        Map<String, String> want = snapshot(src);
        want.put("", "dir 755");
        assertThat(snapshot(dst)).isEqualTo(want);
    }

    @Test
    void checkingATreeChangesNothing() throws Exception {
        Path src = sourceTree();
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        Files.setAttribute(dst, "unix:mode", 0755);
        Files.writeString(dst.resolve("a.conf"), "stale");
        Files.writeString(dst.resolve("extra"), "x");
        Map<String, String> before = stamps(dst);
        Map<String, String> contents = snapshot(dst);

        CheckResult result = resource(dst + "/", copyOf(src).withFlags(true, false, true).withMode("0700"))
                .checkApply(ctx, false);

        assertThat(result.changes()).containsExactly("copy 5 files from " + src + "/", "purge 1 entry",
                "mode 0755 -> 0700");
        assertThat(stamps(dst)).isEqualTo(before);
        assertThat(snapshot(dst)).isEqualTo(contents);
    }

    @Test
    void aWrongTypeInsideTheTreeNeedsForce() throws Exception {
        Path src = sourceTree();
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        Files.writeString(dst.resolve("sub"), "a file where the source has a directory");

        assertThatThrownBy(() -> resource(dst + "/", copyOf(src)).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessage(dst.resolve("sub") + " is a regular file where the source has a directory;"
                        + " set force: true to replace it");
        assertThat(dst.resolve("sub")).isRegularFile();

        resource(dst + "/", copyOf(src).withFlags(true, true, false)).checkApply(ctx, true);
        assertThat(dst.resolve("sub/b.txt")).hasContent("beta");
    }

    @Test
    void aMissingSourceDirectoryIsAnError() {
        Path dst = tmp.resolve("dst");

        assertThatThrownBy(() -> resource(dst + "/", copyOf(tmp.resolve("nope"))).checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessage("source " + tmp.resolve("nope") + "/ does not exist");
        assertThat(dst).doesNotExist();
    }
}
