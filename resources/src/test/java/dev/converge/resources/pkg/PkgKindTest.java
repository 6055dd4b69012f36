package dev.converge.resources.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.resources.Kinds;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import dev.converge.resources.ResourceId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkgKindTest {

    private final PkgKind kind = new PkgKind();

    private static PkgParams state(String state) {
        return new PkgParams(state, false, false, false, false);
    }

    private List<Problem> errors(String name, PkgParams p) {
        return kind.validate(name, p).stream().filter(Problem::isError).toList();
    }

    @Test
    void isBuiltInWithMgmtsDefaults() {
        assertThat(Kinds.builtIn().get("pkg")).containsInstanceOf(PkgKind.class);
        assertThat(kind.defaults()).isEqualTo(new PkgParams("installed", false, false, false, false));
        assertThat(kind.implicitSemaphores()).containsExactly("pkg");
    }

    @Test
    void acceptsTheFourStates() {
        for (String s : List.of("installed", "uninstalled", "newest", "2.10-3", "1:7.88.1-10+deb12u5", "5.02-1+b1",
                "2.12.1-2.fc40", "1.0~rc1")) {
            assertThat(kind.validate("hello", state(s))).as(s).isEmpty();
        }
    }

    @Test
    void rejectsStatesThatAreNeitherAWordNorAVersion() {
        assertThat(errors("hello", state(""))).singleElement()
                .satisfies(p -> assertThat(p.field()).isEqualTo("state"))
                .satisfies(p -> assertThat(p.message()).contains("cannot be empty"));
        assertThat(errors("hello", state("latest"))).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("did you mean 'newest'"));
        for (String s : List.of("absent", "present", "2.10 3", "-1.0", "1.0;rm", "Installed")) {
            assertThat(errors("hello", state(s))).as(s).singleElement()
                    .satisfies(p -> assertThat(p.field()).isEqualTo("state"));
        }
    }

    @Test
    void namesFollowDebianAndRpmRules() {
        for (String n : List.of("hello", "libc6:amd64", "g++", "python3.11", "perl-Data-Dumper", "hello.x86_64",
                "xorg-x11-server_Xorg", "0ad")) {
            assertThat(errors(n, PkgParams.DEFAULTS)).as(n).isEmpty();
        }
        for (String n : List.of("-rf", "hello world", "", "a;b", "hello:AMD64", ".hidden", "hello:")) {
            assertThat(errors(n, PkgParams.DEFAULTS)).as(n).singleElement()
                    .satisfies(p -> assertThat(p.field()).isEqualTo("name"));
        }
        assertThat(errors("/tmp/hello.deb", PkgParams.DEFAULTS)).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("by path is not supported"));
    }

    @Test
    void mgmtsFlagsLoadWithWarnings() {
        var all = new PkgParams("newest", true, true, true, true);
        assertThat(kind.validate("hello", all)).allMatch(p -> p.severity() == Problem.Severity.WARNING)
                .extracting(Problem::field)
                .containsExactlyInAnyOrder("allowdowngrade", "allowuntrusted", "allownonfree", "allowunsupported");
        assertThat(kind.validate("hello", new PkgParams("2.10-3", true, false, false, false))).isEmpty();
    }

    @Test
    void groupKeyIsTheKindOfStatePlusTransactionOptions() {
        assertThat(kind.groupKey("a", state("installed"))).contains("installed");
        assertThat(kind.groupKey("a", state("uninstalled"))).contains("uninstalled");
        assertThat(kind.groupKey("a", state("newest"))).contains("newest");
        assertThat(kind.groupKey("a", state("1.0-1"))).isEqualTo(kind.groupKey("b", state("2.3-4")))
                .contains("version");
        assertThat(kind.groupKey("a", new PkgParams("installed", false, true, false, false)))
                .contains("installed+allowuntrusted");
        assertThat(kind.groupKey("a", new PkgParams("1.0", true, false, false, false))).contains("version+allowdowngrade");
        assertThat(kind.groupKey("a", new PkgParams("installed", false, false, true, true))).contains("installed");
        assertThat(kind.groupKey("a", state("latest"))).isEmpty();
    }

    @Test
    void aGroupIsOneResourceNamedAfterItsMembers() {
        var members = new LinkedHashMap<String, PkgParams>();
        members.put("hello", state("installed"));
        members.put("sl", state("installed"));
        members.put("cowsay", state("installed"));
        var group = (PkgResource) kind.createGroup(members);
        assertThat(group.id()).isEqualTo(ResourceId.of("pkg", "autogroup:(hello,sl,cowsay)"));
        assertThat(group.members()).extracting(PkgResource.Member::name).containsExactly("hello", "sl", "cowsay");

        var one = new LinkedHashMap<String, PkgParams>();
        one.put("hello", state("newest"));
        assertThat(kind.createGroup(one).id()).isEqualTo(ResourceId.of("pkg", "hello"));
    }

    @Test
    void membersOfAGroupMustShareTheKey() {
        var members = new LinkedHashMap<String, PkgParams>();
        members.put("hello", state("installed"));
        members.put("sl", state("uninstalled"));
        assertThatThrownBy(() -> kind.createGroup(members)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sl cannot join the group of hello");
        assertThatThrownBy(() -> kind.createGroup(new LinkedHashMap<>()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void providesTheFilesOfAnInstalledPackageButNoDirectories() {
        assumeTrue(PackageManager.detect(PkgSettings.hostSearchPath()).equals(Optional.of(PackageManager.APT)),
                "needs dpkg");
        PathHints bash = kind.pathHints("bash", PkgParams.DEFAULTS);
        assertThat(bash.needs()).isEmpty();
        assertThat(bash.provides()).containsAnyOf(Path.of("/bin/bash"), Path.of("/usr/bin/bash"))
                .noneMatch(Files::isDirectory)
                .doesNotContain(Path.of("/etc"), Path.of("/usr/bin"));
        assertThat(kind.pathHints("bash", state("uninstalled"))).isEqualTo(PathHints.NONE);
        assertThat(kind.pathHints("converge-no-such-package", PkgParams.DEFAULTS)).isEqualTo(PathHints.NONE);
        assertThat(kind.pathHints("not a package", PkgParams.DEFAULTS)).isEqualTo(PathHints.NONE);
    }

    @Test
    void providesNothingWithoutAPackageManager(@TempDir Path empty) {
        var bare = new PkgKind(new PkgSettings(new ProcessCommandRunner(), empty.toString(),
                new DpkgLock(empty.resolve("lock"), java.time.Duration.ZERO, java.time.Duration.ofMillis(10)),
                "x86_64"));
        assertThat(bare.pathHints("bash", PkgParams.DEFAULTS)).isEqualTo(PathHints.NONE);
    }
}
