package dev.converge.resources.svc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.Kinds;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SvcKindTest {

    private final SvcKind kind = new SvcKind();

    private static SvcParams params(String state, String startup, String refresh) {
        return new SvcParams(state, startup, false, refresh);
    }

    private List<Problem> errors(String name, SvcParams p) {
        return kind.validate(name, p).stream().filter(Problem::isError).toList();
    }

    @Test
    void isBuiltIn() {
        assertThat(Kinds.builtIn().get("svc")).containsInstanceOf(SvcKind.class);
    }

    @Test
    void defaultsManageNothingAndRestartOnRefresh() {
        assertThat(kind.defaults()).isEqualTo(new SvcParams("", "", false, "restart"));
        assertThat(kind.validate("nginx", kind.defaults())).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        "nginx, nginx.service",
        "nginx.service, nginx.service",
        "getty@tty1, getty@tty1.service",
        "getty@tty1.service, getty@tty1.service",
        "fstrim.timer, fstrim.timer",
        "ssh.socket, ssh.socket",
        "multi-user.target, multi-user.target",
        "foo.bar, foo.bar.service",
        "systemd-fsck@dev-disk-by\\x2duuid.service, systemd-fsck@dev-disk-by\\x2duuid.service",
    })
    void aNameWithoutAUnitTypeIsAServiceAsSystemctlReadsIt(String name, String full) {
        assertThat(UnitName.full(name)).isEqualTo(full);
        assertThat(kind.validate(name, kind.defaults())).as(name).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "getty@.service | is a template: name an instance, like getty@NAME.service",
        "getty@ | is a template",
        "-nginx | starts with '-'",
        "web server | invalid unit name 'web server'",
        "a/b.service | invalid unit name",
        "@x.service | nothing before the @",
        "a@b@c.service | invalid unit name",
    })
    void rejectsNamesSystemctlWouldNot(String name, String message) {
        assertThat(errors(name, kind.defaults())).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("name");
            assertThat(p.message()).contains(message);
        });
    }

    @Test
    void rejectsAnEmptyNameAndATooLongOne() {
        assertThat(errors("", kind.defaults())).extracting(Problem::message).singleElement().asString()
                .contains("required");
        assertThat(errors("a".repeat(247), kind.defaults())).isEmpty();
        assertThat(errors("a".repeat(248), kind.defaults())).extracting(Problem::message).singleElement().asString()
                .contains("longer than 255");
    }

    @ParameterizedTest
    @ValueSource(strings = {"running", "stopped", ""})
    void acceptsMgmtsStates(String state) {
        assertThat(kind.validate("x", params(state, "", "restart"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"enabled", "disabled", ""})
    void acceptsMgmtsStartups(String startup) {
        assertThat(kind.validate("x", params("", startup, "restart"))).isEmpty();
    }

    @Test
    void rejectsOtherStatesStartupsAndRefreshes() {
        assertThat(errors("x", params("started", "", "restart"))).singleElement()
                .satisfies(p -> assertThat(p.field()).isEqualTo("state"))
                .satisfies(p -> assertThat(p.message()).contains("running or stopped").contains("'started'"));
        assertThat(errors("x", params("", "on", "restart"))).singleElement()
                .satisfies(p -> assertThat(p.field()).isEqualTo("startup"))
                .satisfies(p -> assertThat(p.message()).contains("enabled or disabled").contains("'on'"));
        assertThat(errors("x", params("", "", "kill"))).singleElement()
                .satisfies(p -> assertThat(p.field()).isEqualTo("refresh"))
                .satisfies(p -> assertThat(p.message()).contains("restart or reload").contains("'kill'"));
        assertThat(kind.validate("x", params("running", "enabled", "reload"))).isEmpty();
    }

    @Test
    void reloadOfAStoppedUnitIsAWarning() {
        assertThat(kind.validate("x", params("stopped", "", "reload"))).singleElement()
                .satisfies(p -> assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING))
                .satisfies(p -> assertThat(p.field()).isEqualTo("refresh"));
    }

    @Test
    void needsTheUnitFileInEverySystemUnitDirectoryAndItsOverride() {
        PathHints hints = kind.pathHints("nginx", kind.defaults());

        assertThat(hints.provides()).isEmpty();
        assertThat(hints.needs()).containsExactlyInAnyOrder(
                Path.of("/etc/systemd/system/nginx.service"),
                Path.of("/etc/systemd/system/nginx.service.d/override.conf"),
                Path.of("/run/systemd/system/nginx.service"),
                Path.of("/run/systemd/system/nginx.service.d/override.conf"),
                Path.of("/lib/systemd/system/nginx.service"),
                Path.of("/lib/systemd/system/nginx.service.d/override.conf"),
                Path.of("/usr/lib/systemd/system/nginx.service"),
                Path.of("/usr/lib/systemd/system/nginx.service.d/override.conf"));
    }

    @Test
    void anInstanceNeedsItsTemplatesFileToo() {
        assertThat(kind.pathHints("getty@tty1", kind.defaults()).needs())
                .contains(Path.of("/lib/systemd/system/getty@.service"),
                        Path.of("/etc/systemd/system/getty@tty1.service"),
                        Path.of("/etc/systemd/system/getty@.service.d/override.conf"));
    }

    @Test
    void aSessionUnitNeedsTheUserUnitDirectories() {
        Path home = Path.of(System.getProperty("user.home"));
        assertThat(kind.pathHints("app.service", new SvcParams("running", "", true, "restart")).needs())
                .contains(home.resolve(".config/systemd/user/app.service"),
                        Path.of("/etc/systemd/user/app.service"), Path.of("/usr/lib/systemd/user/app.service"))
                .doesNotContain(Path.of("/etc/systemd/system/app.service"));
    }

    @Test
    void anInvalidNameHasNoHints() {
        assertThat(kind.pathHints("getty@", kind.defaults())).isEqualTo(PathHints.NONE);
    }

    @ParameterizedTest
    @CsvSource({
        "t1.service, /org/freedesktop/systemd1/unit/t1_2eservice",
        "1a.service, /org/freedesktop/systemd1/unit/_31a_2eservice",
        "getty@tty1.service, /org/freedesktop/systemd1/unit/getty_40tty1_2eservice",
        "dbus-broker.service, /org/freedesktop/systemd1/unit/dbus_2dbroker_2eservice",
    })
    void theUnitsObjectPathIsEscapedAsSystemdDoes(String unit, String path) {
        assertThat(UnitName.objectPath(unit)).isEqualTo(path);
    }
}
