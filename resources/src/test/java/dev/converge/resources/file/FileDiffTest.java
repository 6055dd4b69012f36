package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ContentDiff;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The diffs a file resource gives when the engine asks for them, and what {@code sensitive} hides. */
@Timeout(60)
class FileDiffTest {

    private static final FileTime OLD = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));
    private static final String SECRET = "hunter2-s3cr3t";

    @TempDir
    Path dir;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("file", "f"));

    @AfterEach
    void closeContext() throws IOException {
        ctx.close();
    }

    private static Resource resource(Path path, FileParams params) {
        var kind = new FileKind();
        assertThat(kind.validate(path.toString(), params)).noneMatch(Problem::isError);
        return kind.create(path.toString(), params);
    }

    private static FileParams content(String content) {
        return FileParams.of("", content, "exists", null);
    }

    private static Path existing(Path p, String content) throws IOException {
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, OLD);
        return p;
    }

    private CheckResult check(Path path, FileParams params, boolean apply) throws Exception {
        ctx.setDiffs(true);
        return resource(path, params).checkApply(ctx, apply);
    }

    @Test
    void aContentChangeCarriesItsDiffAndNoopWritesNothing() throws Exception {
        Path p = existing(dir.resolve("motd"), "one\ntwo\nthree\n");

        CheckResult result = check(p, content("one\n2\nthree\n"), false);

        assertThat(result.changes()).containsExactly("content (14 -> 12 bytes)");
        assertThat(result.diff()).containsExactly(
                "--- " + p, "+++ " + p, "@@ -1,3 +1,3 @@", " one", "-two", "+2", " three");
        assertThat(Files.readString(p)).isEqualTo("one\ntwo\nthree\n");
        assertThat(Files.getLastModifiedTime(p)).isEqualTo(OLD);
    }

    @Test
    void aRealRunCarriesTheDiffOfWhatItWrote() throws Exception {
        Path p = existing(dir.resolve("motd"), "old\n");

        CheckResult result = check(p, content("new\n"), true);

        assertThat(result.diff()).containsExactly("--- " + p, "+++ " + p, "@@ -1 +1 @@", "-old", "+new");
        assertThat(Files.readString(p)).isEqualTo("new\n");
        assertThat(check(p, content("new\n"), true)).isEqualTo(CheckResult.ok());
    }

    @Test
    void noDiffIsMadeWhenNoneIsAskedFor() throws Exception {
        Path p = existing(dir.resolve("motd"), "old\n");

        CheckResult result = resource(p, content("new\n")).checkApply(ctx, false);

        assertThat(result.changes()).containsExactly("content (4 -> 4 bytes)");
        assertThat(result.diff()).isEmpty();
        assertThat(resource(dir.resolve("new"), content("x\n")).checkApply(ctx, false).diff()).isEmpty();
        assertThat(resource(p, FileParams.of("", null, "absent", null)).checkApply(ctx, false).diff()).isEmpty();
    }

    @Test
    void aNewFileIsDiffedFromDevNull() throws Exception {
        Path p = dir.resolve("new.conf");

        CheckResult result = check(p, content("a\nb\n"), false);

        assertThat(result.changes()).containsExactly("create (4 bytes, mode 0644)");
        assertThat(result.diff()).containsExactly("--- /dev/null", "+++ " + p, "@@ -0,0 +1,2 @@", "+a", "+b");
        assertThat(p).doesNotExist();
    }

    @Test
    void aRemovedFileIsDiffedToDevNullAndALinkHasNoDiff() throws Exception {
        Path p = existing(dir.resolve("stale"), "gone\n");
        Path link = Files.createSymbolicLink(dir.resolve("link"), p);

        assertThat(check(p, FileParams.of("", null, "absent", null), false).diff())
                .containsExactly("--- " + p, "+++ /dev/null", "@@ -1 +0,0 @@", "-gone");
        CheckResult unlink = check(link, FileParams.of("", null, "absent", null), false);
        assertThat(unlink.changes()).containsExactly("remove (symlink)");
        assertThat(unlink.diff()).isEmpty();
    }

    @Test
    void aSourceFileAndFragmentsAreDiffedLikeContent() throws Exception {
        Path src = Files.writeString(dir.resolve("src"), "from source\n");
        Path copy = existing(dir.resolve("copy"), "before\n");
        Path part = Files.writeString(dir.resolve("part"), "fragment\n");
        Path joined = existing(dir.resolve("joined"), "fragment\nold tail\n");

        assertThat(check(copy, FileParams.DEFAULTS.withSource(src.toString()), false).diff())
                .containsExactly("--- " + copy, "+++ " + copy, "@@ -1 +1 @@", "-before", "+from source");
        assertThat(check(joined, FileParams.DEFAULTS.withFragments(List.of(part.toString())), false).diff())
                .containsExactly("--- " + joined, "+++ " + joined, "@@ -1,2 +1 @@", " fragment", "-old tail");
        assertThat(check(dir.resolve("new"), FileParams.DEFAULTS.withSource(src.toString()), false).diff())
                .containsExactly("--- /dev/null", "+++ " + dir.resolve("new"), "@@ -0,0 +1 @@", "+from source");
    }

    @Test
    void binaryContentSaysSoInOneLine() throws Exception {
        Path p = dir.resolve("blob");
        Files.write(p, new byte[] {1, 0, 2});

        CheckResult result = check(p, content("text\n"), false);

        assertThat(result.changes()).containsExactly("content (3 -> 5 bytes)");
        assertThat(result.diff()).containsExactly(ContentDiff.BINARY);
    }

    @Test
    void aLongDiffIsCutWithACountOfTheLinesLeftOut() throws Exception {
        Path p = existing(dir.resolve("long"), "");
        String lines = IntStream.rangeClosed(1, 300).mapToObj(i -> i + "\n").collect(Collectors.joining());

        List<String> diff = check(p, content(lines), false).diff();

        assertThat(diff).hasSize(ContentDiff.MAX_LINES + 1);
        assertThat(diff.getLast()).isEqualTo("... 103 more lines of diff left out");
    }

    @Test
    void sensitiveContentAppearsInNoChangeDiffOrLog() throws Exception {
        Path changed = existing(dir.resolve("key"), "old " + SECRET + "\n");
        Path created = dir.resolve("new-key");
        Path removed = existing(dir.resolve("old-key"), SECRET + "\n");
        Path fragment = Files.writeString(dir.resolve("frag"), SECRET + " from a fragment\n");
        Path joined = existing(dir.resolve("joined"), "x\n");
        var results = List.of(
                check(changed, content("new " + SECRET + "\n").withSensitive(true), false),
                check(created, content(SECRET).withSensitive(true).withMode("0600"), false),
                check(removed, FileParams.of("", null, "absent", null).withSensitive(true), false),
                check(joined, FileParams.DEFAULTS.withFragments(List.of(fragment.toString())).withSensitive(true),
                        true));

        assertThat(results.get(0).changes()).containsExactly("content changed (sensitive)");
        assertThat(results.get(1).changes()).containsExactly("create (sensitive content, mode 0600)");
        assertThat(results.get(2).changes()).containsExactly("remove");
        assertThat(results).allSatisfy(r -> assertThat(r.diff()).containsExactly(ContentDiff.SENSITIVE));
        String everything = results.stream().map(r -> r + " " + r.changes() + " " + r.diff())
                .collect(Collectors.joining("\n")) + ctx.logs() + ctx.warnings() + ctx.outputs();
        assertThat(everything).doesNotContain(SECRET).doesNotContain("hunter2");
        assertThat(Files.readString(joined)).as("a real run still writes it").contains(SECRET);
    }

    @Test
    void sensitiveParametersPrintNoContent() {
        assertThat(content(SECRET).withSensitive(true).toString()).doesNotContain(SECRET)
                .contains("content=(sensitive)").contains("sensitive=true");
        assertThat(content("plain").toString()).contains("content=plain");
    }

    @Test
    void sensitiveHidesTheByteCountsEvenWithoutDiffs() throws Exception {
        Path p = existing(dir.resolve("key"), "short\n");

        CheckResult result = resource(p, content(SECRET + "\n").withSensitive(true)).checkApply(ctx, false);

        assertThat(result.changes()).containsExactly("content changed (sensitive)");
        assertThat(result.diff()).isEmpty();
    }

    @Test
    void aFailingSensitiveFileQuotesNoContentInItsError() {
        Path p = dir.resolve("f");
        var params = FileParams.DEFAULTS.withFragments(List.of(dir.resolve("missing").toString())).withSensitive(true);

        assertThatThrownBy(() -> check(p, params, false)).isInstanceOf(ResourceException.class)
                .hasMessage("fragment " + dir.resolve("missing") + " does not exist");
    }

    @Test
    void sensitiveIsFalseByDefaultAndWarnedAboutWhereNoContentIsShown() {
        var kind = new FileKind();
        assertThat(kind.defaults().sensitive()).isFalse();
        assertThat(kind.validate("/x/", FileParams.DEFAULTS.withSensitive(true)))
                .extracting(Problem::field, Problem::isError, Problem::message)
                .containsExactly(tuple("sensitive", false, "sensitive is ignored: path "
                        + "'/x/' ends with '/', so it is a directory, and no content is shown for one"));
        assertThat(kind.validate("/x", FileParams.DEFAULTS.withSymlink("/y").withSensitive(true)))
                .extracting(Problem::message)
                .containsExactly("sensitive is ignored: the path is a symbolic link, and no content is shown for one");
        assertThat(kind.validate("/x", FileParams.of("", null, "absent", null).withSensitive(true))).isEmpty();
    }
}
