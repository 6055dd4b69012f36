package dev.converge.resources.exec;

import static dev.converge.resources.exec.ExecBuilder.direct;
import static dev.converge.resources.exec.ExecBuilder.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation and autoedge hints of the exec kind. */
class ExecKindTest {

    private final ExecKind kind = new ExecKind();

    @TempDir
    Path dir;

    private List<Problem> validate(ExecBuilder p) {
        return kind.validate("t", p.build());
    }

    private List<String> errors(ExecBuilder p) {
        return validate(p).stream().filter(Problem::isError).map(e -> e.field() + ": " + e.message()).toList();
    }

    private List<String> warnings(ExecBuilder p) {
        return validate(p).stream().filter(e -> !e.isError()).map(e -> e.field() + ": " + e.message()).toList();
    }

    @Test
    void defaultsAreTheEmptyDeclaration() {
        ExecParams d = kind.defaults();

        assertThat(d).isEqualTo(new ExecBuilder().build());
        assertThat(d.ifequals()).as("ifequals unset differs from ifequals ''").isNull();
        assertThat(d.refreshonly()).isFalse();
        assertThat(d.watchfiles()).isEmpty();
    }

    @Test
    void mgmtExamplesFieldsLoadWithoutProblems() {
        ExecBuilder p = direct("sleep 10s");
        p.state = "present";

        assertThat(validate(p)).isEmpty();
    }

    @Test
    void aFullDeclarationIsValid() {
        ExecBuilder p = sh("make install");
        p.cwd = "/srv/app";
        p.env = Map.of("MAKEFLAGS", "-j4", "_X1", "y");
        p.timeout = 60;
        p.user = "build-bot";
        p.group = "1001";
        p.ifcmd = "test -e Makefile";
        p.ifcwd = "/srv";
        p.ifequals = "";
        p.nifcmd = "test -e /srv/app/.installed";
        p.creates = "/srv/app/bin/app";
        p.donecmd = "touch /srv/app/.installed";
        p.refreshonly = true;
        p.watchcmd = "inotifywait -m /srv/app/src";
        p.watchfiles = List.of("/srv/app/Makefile", "/srv/app/src/");

        assertThat(validate(p)).isEmpty();
    }

    @Test
    void errorsNameTheirField() {
        ExecBuilder p = new ExecBuilder();
        p.shell = "/bin/sh";
        p.args = List.of("-v");
        p.timeout = -1;
        p.cwd = "tmp";
        p.ifcmd = "true";
        p.ifcwd = "rel/if";
        p.nifcmd = "true";
        p.nifcwd = "rel/nif";
        p.donecmd = "true";
        p.donecwd = "rel/done";
        p.watchcmd = "true";
        p.watchcwd = "rel/watch";
        p.creates = "out";
        p.watchfiles = List.of("/ok", "rel/file", "");
        p.user = "-root";
        p.group = "a b";
        p.env = Map.of("1X", "v", "A-B", "v", "OK_1", "v");

        assertThat(errors(p)).containsExactly(
                "cmd: cmd is required",
                "args: args apply only without a shell; put them in cmd",
                "timeout: timeout must be >= 0 seconds, got -1",
                "cwd: cwd must be an absolute path, got 'tmp'",
                "ifcwd: ifcwd must be an absolute path, got 'rel/if'",
                "nifcwd: nifcwd must be an absolute path, got 'rel/nif'",
                "donecwd: donecwd must be an absolute path, got 'rel/done'",
                "watchcwd: watchcwd must be an absolute path, got 'rel/watch'",
                "creates: creates must be an absolute path, got 'out'",
                "watchfiles: watchfiles[1] must be an absolute path, got 'rel/file'",
                "watchfiles: watchfiles[2] is empty; give an absolute path",
                "user: user must be a user name or a numeric id, got '-root'",
                "group: group must be a group name or a numeric id, got 'a b'",
                "env: env: '1X' is not a variable name (letters, digits and _, not starting with a digit)",
                "env: env: 'A-B' is not a variable name (letters, digits and _, not starting with a digit)");
    }

    @Test
    void legacyAndOrphanFieldsAreWarningsAndWatchcmdIsNotOne() {
        ExecBuilder p = direct("true");
        p.pollint = 5;
        p.state = "absent";
        p.watchcmd = "tail -F /var/log/syslog";
        p.ifshell = "/bin/sh";
        p.ifequals = "yes\n";
        p.nifcwd = "/tmp";
        p.doneshell = "/bin/bash";
        p.watchcwd = "/tmp";

        assertThat(errors(p)).isEmpty();
        assertThat(warnings(p)).containsExactly(
                "ifshell: ifshell has no effect without ifcmd; it is ignored",
                "nifcwd: nifcwd has no effect without nifcmd; it is ignored",
                "doneshell: doneshell has no effect without donecmd; it is ignored",
                "ifequals: ifequals has no effect without ifcmd; it is ignored",
                "pollint: pollint is a legacy mgmt field and is ignored; use meta: {poll: SECONDS}",
                "state: state is a legacy mgmt field; only 'present' has a meaning, 'absent' is ignored");
    }

    @Test
    void hintsProvideCreatesAndNeedItsDirectoryTheCwdsAndAbsolutePrograms() {
        ExecBuilder p = direct("/opt/tool/bin/run --fast");
        p.cwd = "/srv/app/";
        p.ifcwd = "/srv/check";
        p.ifcmd = "./relative/prog";
        p.creates = "/srv/app/out/../done";

        PathHints hints = kind.pathHints("t", p.build());

        assertThat(hints.provides()).containsExactly(Path.of("/srv/app/done"));
        assertThat(hints.needs()).containsExactlyInAnyOrder(
                Path.of("/srv/app"), Path.of("/srv/check"), Path.of("/opt/tool/bin/run"));
    }

    @Test
    void hintsFindProgramsOnThePathOfEnvAndTheShellOfEachCommand() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path tool = Files.writeString(bin.resolve("converge-hint-tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        ExecBuilder p = direct("converge-hint-tool x");
        p.env = Map.of("PATH", "relative:" + bin);
        p.donecmd = "converge-no-such-program";
        p.watchshell = "/bin/sh";
        p.watchcmd = "/usr/local/bin/watcher --all | grep x";
        p.nifshell = "/bin/sh";
        p.nifcmd = "/not/plain$(x) && true";

        PathHints hints = kind.pathHints("t", p.build());

        assertThat(hints.provides()).isEmpty();
        assertThat(hints.needs()).containsExactlyInAnyOrder(
                tool, Path.of("/bin/sh"), Path.of("/usr/local/bin/watcher"));
    }

    @Test
    void aShellCommandNeedsItsShellButNotItsWords() {
        ExecBuilder p = sh("echo hi > /tmp/x");

        assertThat(kind.pathHints("t", p.build()).needs()).containsExactly(Path.of("/bin/sh"));
    }

    @Test
    void anExecNeedsTheAccountsItRunsAsUnlessNumeric() {
        ExecBuilder p = direct("true");
        assertThat(kind.accountHints("t", p.build())).isEqualTo(AccountHints.NONE);

        p.user = "alice";
        p.group = "web";
        assertThat(kind.accountHints("t", p.build()).needs())
                .containsExactlyInAnyOrder(Account.user("alice"), Account.group("web"));

        p.user = "1000";
        p.group = "";
        assertThat(kind.accountHints("t", p.build())).isEqualTo(AccountHints.NONE);
    }
}
