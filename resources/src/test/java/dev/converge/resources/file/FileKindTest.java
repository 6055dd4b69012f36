package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Validation, the effective path and autoedge hints of the {@code file} kind. */
class FileKindTest {

    private final FileKind kind = new FileKind();

    private static FileParams at(String path) {
        return FileParams.DEFAULTS.withPath(path);
    }

    private List<Problem> errors(String name, FileParams p) {
        return kind.validate(name, p).stream().filter(Problem::isError).toList();
    }

    /** The fields of the errors, null standing for "the resource as a whole". */
    private List<String> errorFields(FileParams p) {
        return errors("r", p).stream().map(Problem::field).toList();
    }

    @Test
    void defaultsAreAnExistingFileWithNothingElseSet() {
        assertThat(kind.defaults()).isEqualTo(new FileParams("", "", "", "exists", null, null, List.of(), null,
                null, null, null, false, false, false, false));
        assertThat(kind.validate("/etc/motd", kind.defaults())).isEmpty();
    }

    @Test
    void thePathMustBeAbsolute() {
        assertThat(errors("r", at("etc/motd")))
                .extracting(Problem::field, Problem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("path",
                        "path must be absolute, got 'etc/motd'"));
        assertThat(errors("relative-name", kind.defaults())).extracting(Problem::field).containsExactly((String) null);
    }

    @Test
    void contentOnADirectoryIsIgnoredWithAWarning() {
        assertThat(kind.validate("r", at("/tmp/foo/").withContent("i am f2")))
                .extracting(Problem::severity, Problem::field, Problem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Problem.Severity.WARNING, "content",
                        "content is ignored: path '/tmp/foo/' ends with '/', so it is a directory, which has no content"));
    }

    @Test
    void onlyOneOfContentSourceFragmentsAndSymlink() {
        assertThat(errors("r", at("/a").withContent("x").withSource("/b")))
                .extracting(Problem::field, Problem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("source",
                        "set only one of content, source, fragments and symlink; got content and source"));
        assertThat(errorFields(at("/a").withSource("/b").withSymlink("/c"))).containsExactly("symlink");
        assertThat(errorFields(at("/a").withContent("").withFragments(List.of("/f")))).containsExactly("fragments");
    }

    @Test
    void recurseAndPurgeNeedASource() {
        assertThat(errorFields(at("/d/").withFlags(true, false, false))).containsExactly("recurse");
        assertThat(errorFields(at("/d/").withFlags(false, false, true))).containsExactly("purge");
        assertThat(errors("r", at("/d/").withFlags(false, false, true)).getFirst().message())
                .isEqualTo("purge removes what a source directory lacks; source is not set");
    }

    @Test
    void aDirectorySourceNeedsADirectoryPathAndRecurse() {
        assertThat(errorFields(at("/d/").withSource("/src/"))).containsExactly("recurse");
        assertThat(errorFields(at("/d").withSource("/src/").withFlags(true, false, false)))
                .containsExactly("source");
        assertThat(errorFields(at("/d/").withSource("/dev/null"))).containsExactly("source");
        assertThat(errorFields(at("/f").withSource("/g").withFlags(true, false, false))).containsExactly("recurse");
        assertThat(errorFields(at("/d/").withSource("/d/sub/").withFlags(true, false, false)))
                .containsExactly("source");
        assertThat(errorFields(at("/d/").withSource("/src/").withFlags(true, true, true))).isEmpty();
    }

    @Test
    void badModesAreErrorsAndBothFormsAreAccepted() {
        for (String good : List.of("0644", "644", "1777", "u=rw,go=r", "a+x", "u+rwx,g-w", "go=", "a=rX")) {
            assertThat(errorFields(at("/f").withMode(good))).as(good).isEmpty();
        }
        for (String bad : List.of("0844", "rw-r--r--", "u=rw,", "z+x", "u~r", "77777")) {
            assertThat(errorFields(at("/f").withMode(bad))).as(bad).containsExactly("mode");
        }
        assertThat(errors("r", at("/f").withMode("rw")).getFirst().message())
                .isEqualTo("mode 'rw' is neither octal (0644) nor symbolic (u=rw,go=r; a+x; u+rwx,g-w)");
    }

    @Test
    void stateIsExistsOrAbsent() {
        assertThat(errors("r", at("/f").withState("present")))
                .extracting(Problem::field, Problem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("state",
                        "state must be 'exists' or 'absent', got 'present'"));
    }

    @Test
    void absentIgnoresContentAndAttributesWithAWarning() {
        // mgmt's file1.yaml declares content for a file that must be absent.
        List<Problem> ignored = kind.validate("r", at("/f").withState("absent").withContent("x"));
        assertThat(ignored).extracting(Problem::severity, Problem::field, Problem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Problem.Severity.WARNING, "content",
                        "content is ignored with state: absent"));
        assertThat(errorFields(at("/d/").withState("absent").withSource("/dev/null"))).isEmpty();
        List<Problem> problems = kind.validate("r", at("/f").withState("absent").withMode("0644").withOwner("root"));
        assertThat(problems).noneMatch(Problem::isError);
        assertThat(problems).extracting(Problem::field).containsExactlyInAnyOrder("mode", "owner");
        assertThat(errorFields(at("/d/").withState("absent").withFlags(true, false, false))).isEmpty();
    }

    @Test
    void symlinkRules() {
        assertThat(errorFields(at("/l").withSymlink("/target"))).isEmpty();
        assertThat(errorFields(at("/l").withSymlink("true").withSource("/target"))).isEmpty();
        assertThat(errorFields(at("/l").withSymlink("false"))).isEmpty();
        assertThat(errorFields(at("/l").withSymlink("true"))).containsExactly("symlink");
        assertThat(errorFields(at("/l/").withSymlink("/target"))).containsExactly("symlink");
        assertThat(errorFields(at("/l").withSymlink("/target").withMode("0644"))).containsExactly("mode");
    }

    @Test
    void dirnameAndBasenameFollowMgmt() {
        assertThat(FileKind.effectivePath("n", at("/a/b/c").withDirname("/x/"))).isEqualTo("/x/c");
        assertThat(FileKind.effectivePath("n", at("/a/b/c").withBasename("d"))).isEqualTo("/a/b/d");
        assertThat(FileKind.effectivePath("n", at("/a/b/").withDirname("/x/"))).isEqualTo("/x/b/");
        assertThat(FileKind.effectivePath("/from/name", kind.defaults())).isEqualTo("/from/name");
        assertThat(errorFields(at("/a/b").withDirname("/x"))).containsExactly("dirname");
        assertThat(errorFields(at("/a/b").withBasename("/c"))).contains("basename");
    }

    @Test
    void fragmentsMustBeAbsoluteAndNotContainTheFile() {
        assertThat(errorFields(at("/f").withFragments(List.of("/a", "/parts/")))).isEmpty();
        assertThat(errorFields(at("/f").withFragments(List.of("rel")))).containsExactly("fragments");
        assertThat(errorFields(at("/parts/f").withFragments(List.of("/parts/")))).containsExactly("fragments");
    }

    @Test
    void pathHintsProvideThePathAndNeedItAndTheSource() {
        PathHints plain = kind.pathHints("/etc/drbd.conf", kind.defaults());
        assertThat(plain.provides()).containsExactly(Path.of("/etc/drbd.conf"));
        assertThat(plain.needs()).containsExactly(Path.of("/etc/drbd.conf"));

        PathHints tree = kind.pathHints("t", at("/tmp/mgmt/hello/").withSource("/var/lib/mgmt/files/some_dir/")
                .withFlags(true, true, false));
        assertThat(tree.provides()).containsExactly(Path.of("/tmp/mgmt/hello"));
        assertThat(tree.needs()).isEqualTo(Set.of(Path.of("/tmp/mgmt/hello"), Path.of("/var/lib/mgmt/files/some_dir")));

        PathHints joined = kind.pathHints("j", at("/f").withFragments(List.of("/a", "/parts/")));
        assertThat(joined.needs()).isEqualTo(Set.of(Path.of("/f"), Path.of("/a"), Path.of("/parts")));
    }

    @Test
    void mgmtCorpusDeclarations() {
        // file2.yaml: a directory tree copy with recurse and force.
        assertThat(kind.validate("file1", at("/tmp/mgmt/hello/").withSource("/var/lib/mgmt/files/some_dir/")
                .withFlags(true, true, false))).isEmpty();
        // autoedges1.yaml: a file and the directory above it.
        assertThat(kind.validate("file1", at("/tmp/foo/bar/f1").withContent("i am f1\n"))).isEmpty();
        assertThat(kind.validate("file2", at("/tmp/foo/"))).isEmpty();
        // autoedges2.yaml: content on a directory path, ignored.
        assertThat(errorFields(at("/tmp/foo/").withContent("i am f2\n"))).isEmpty();
        // file1.yaml: content on an absent file, ignored.
        assertThat(errorFields(at("/tmp/mgmt/f4").withContent("i am f4\n").withState("absent"))).isEmpty();
        // autoedges3.yaml: a directory whose source is the file /dev/null, which mgmt rejects too.
        assertThat(errorFields(at("/etc/drbd.d/").withSource("/dev/null"))).containsExactly("source");
    }

    @Test
    void createRejectsWhatValidateRejects() {
        assertThatThrownBy(() -> kind.create("r", at("relative")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("path must be absolute");
    }

    @Test
    void aFileNeedsTheAccountsThatOwnItUnlessNumericOrAbsent() {
        FileParams owned = at("/srv/a").withOwner("alice").withGroup("web");

        assertThat(kind.accountHints("r", owned)).isEqualTo(AccountHints.needing(
                Set.of(Account.user("alice"), Account.group("web"))));
        assertThat(kind.accountHints("r", at("/srv/a").withOwner("1000").withGroup("0"))).isEqualTo(AccountHints.NONE);
        assertThat(kind.accountHints("r", owned.withState("absent"))).isEqualTo(AccountHints.NONE);
        assertThat(kind.accountHints("r", at("/srv/a"))).isEqualTo(AccountHints.NONE);
    }
}
