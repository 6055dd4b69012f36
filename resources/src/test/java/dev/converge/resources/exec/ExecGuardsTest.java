package dev.converge.resources.exec;

import static dev.converge.resources.exec.ExecBuilder.direct;
import static dev.converge.resources.exec.ExecBuilder.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Guards (creates, ifcmd with ifequals, nifcmd), donecmd, refreshonly and checking without applying. */
@Timeout(60)
class ExecGuardsTest {

    private static final ResourceId ID = ResourceId.of("exec", "t");

    @TempDir
    Path dir;

    private final RecordingContext ctx = new RecordingContext(ID);

    @AfterEach
    void closeContext() throws IOException {
        ctx.close();
    }

    private CheckResult run(ExecBuilder p, boolean apply) throws Exception {
        return p.resource().checkApply(ctx, apply);
    }

    @Test
    void createsGuardSkipsTheCommandWhenThePathExists() throws Exception {
        Path exists = Files.createFile(dir.resolve("exists"));
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.creates = exists.toString();

        assertThat(run(p, true).isOk()).isTrue();
        assertThat(marker).doesNotExist();

        p.creates = dir.resolve("missing").toString();
        assertThat(run(p, true).isOk()).isFalse();
        assertThat(marker).exists();
    }

    @Test
    void failingIfcmdMeansNothingToDo() throws Exception {
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.ifcmd = "false";

        assertThat(run(p, true)).isEqualTo(CheckResult.ok());
        assertThat(marker).doesNotExist();
    }

    @Test
    void succeedingIfcmdRunsTheCommandAndItsOutputIsRecorded() throws Exception {
        Path marker = dir.resolve("marker");
        ExecBuilder p = sh("echo cmd-ran; touch " + marker);
        p.ifcmd = "echo guard-ran";

        assertThat(run(p, true).changes()).containsExactly("ran `echo cmd-ran; touch " + marker + "`");
        assertThat(marker).exists();
        assertThat(ctx.lines("stdout")).containsExactly("guard-ran", "cmd-ran");
    }

    @Test
    void ifshellRunsTheGuardThroughTheShell() throws Exception {
        Path flag = dir.resolve("flag");
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.ifshell = "/bin/sh";
        p.ifcmd = "test -e " + flag + " && exit 0 || exit 1";

        assertThat(run(p, true).isOk()).isTrue();
        assertThat(marker).doesNotExist();

        Files.createFile(flag);
        assertThat(run(p, true).isOk()).isFalse();
        assertThat(marker).exists();
    }

    @Test
    void guardIsCheckedEvenWhenNotApplying() throws Exception {
        ExecBuilder p = direct("true");
        p.ifcmd = "false";
        assertThat(run(p, false).isOk()).isTrue();

        p.ifcmd = "true";
        assertThat(run(p, false).changes()).containsExactly("run `true`");
    }

    @Test
    void guardsRunInOrderAndTheFirstThatObjectsEndsTheCheck() throws Exception {
        Path exists = Files.createFile(dir.resolve("exists"));
        ExecBuilder p = direct("echo cmd");
        p.ifshell = "/bin/sh";
        p.ifcmd = "echo if";
        p.nifshell = "/bin/sh";
        p.nifcmd = "echo nif; exit 1";

        p.creates = exists.toString();
        assertThat(run(p, true).isOk()).isTrue();
        assertThat(ctx.lines("stdout")).as("creates objects: nothing runs").isEmpty();

        p.creates = dir.resolve("missing").toString();
        assertThat(run(p, true).changes()).containsExactly("ran `echo cmd`");
        assertThat(ctx.lines("stdout")).containsExactly("if", "nif", "cmd");

        p.ifcmd = "echo if; exit 1";
        assertThat(run(p, true).isOk()).isTrue();
        assertThat(ctx.lines("stdout")).as("ifcmd objects: nifcmd does not run")
                .containsExactly("if", "nif", "cmd", "if");
    }

    @Test
    void nifcmdExitingZeroSkipsTheCommand() throws Exception {
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.nifcmd = "true";

        assertThat(run(p, true)).isEqualTo(CheckResult.ok());
        assertThat(marker).doesNotExist();

        p.nifcmd = "false";
        assertThat(run(p, true).changes()).containsExactly("ran `touch " + marker + "`");
        assertThat(marker).exists();
    }

    @Test
    void eachCommandRunsInItsOwnCwdOrElseInCwd() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Path c = Files.createDirectory(dir.resolve("c"));
        ExecBuilder p = direct("pwd");
        p.cwd = a.toString();
        p.ifcmd = "pwd";
        p.ifcwd = b.toString();
        p.nifshell = "/bin/sh";
        p.nifcmd = "pwd; exit 1";
        p.donecmd = "pwd";
        p.donecwd = c.toString();

        run(p, true);

        assertThat(ctx.lines("stdout")).containsExactly(
                b.toRealPath().toString(), a.toRealPath().toString(), a.toRealPath().toString(),
                c.toRealPath().toString());
    }

    @Test
    void ifequalsMatchingTheWholeOutputSkipsTheCommand() throws Exception {
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.ifshell = "/bin/sh";
        p.ifcmd = "echo ok";

        p.ifequals = "ok\n";
        assertThat(run(p, true).isOk()).isTrue();
        assertThat(marker).doesNotExist();

        p.ifequals = "ok";
        assertThat(run(p, true).isOk()).as("the trailing newline counts").isFalse();
        assertThat(marker).exists();
        assertThat(ctx.lines("stdout")).as("the guard's output is still recorded").containsExactly("ok", "ok");
    }

    @Test
    void ifequalsComparesStdoutAndStderrInTheOrderWritten() throws Exception {
        ExecBuilder p = direct("true");
        p.ifshell = "/bin/sh";
        p.ifcmd = "printf a; printf b >&2; printf 'c\\n'";
        p.ifequals = "abc\n";

        assertThat(run(p, true).isOk()).isTrue();
        assertThat(run(p, false).isOk()).isTrue();

        p.ifequals = "ac\n";
        assertThat(run(p, true).isOk()).isFalse();
    }

    @Test
    void emptyIfequalsMatchesASilentGuardWhileUnsetIfequalsDoesNotCompare() throws Exception {
        ExecBuilder p = direct("true");
        p.ifcmd = "true";

        p.ifequals = "";
        assertThat(run(p, true).isOk()).isTrue();

        p.ifequals = null;
        assertThat(run(p, true).isOk()).isFalse();
    }

    @Test
    void ifequalsDoesNotRescueAFailingIfcmd() throws Exception {
        ExecBuilder p = direct("true");
        p.ifshell = "/bin/sh";
        p.ifcmd = "echo x; exit 1";
        p.ifequals = "no match";

        assertThat(run(p, true).isOk()).isTrue();
    }

    @Test
    void donecmdRunsAfterTheCommandSucceeded() throws Exception {
        ExecBuilder p = direct("echo cmd");
        p.donecmd = "echo done";

        assertThat(run(p, true).changes()).containsExactly("ran `echo cmd`", "ran donecmd `echo done`");
        assertThat(ctx.lines("stdout")).containsExactly("cmd", "done");
    }

    @Test
    void donecmdDoesNotRunWhenTheCommandFails() {
        Path marker = dir.resolve("marker");
        ExecBuilder p = sh("exit 2");
        p.donecmd = "touch " + marker;

        var e = catchThrowable(() -> run(p, true));

        assertThat(e).isInstanceOf(CommandFailedException.class);
        assertThat(((CommandFailedException) e).command()).isEqualTo("`exit 2`");
        assertThat(marker).doesNotExist();
    }

    @Test
    void failingDonecmdFailsTheResource() {
        ExecBuilder p = direct("true");
        p.doneshell = "/bin/sh";
        p.donecmd = "echo bad >&2; exit 5";

        var e = catchThrowable(() -> run(p, true));

        assertThat(e).isInstanceOf(CommandFailedException.class);
        var failure = (CommandFailedException) e;
        assertThat(failure.command()).isEqualTo("donecmd `echo bad >&2; exit 5`");
        assertThat(failure.status()).isEqualTo(5);
        assertThat(failure.outputTail()).containsExactly("bad");
        assertThat(failure.id()).isEqualTo(ID);
    }

    @Test
    void notApplyingRunsTheGuardsButNeitherCmdNorDonecmd() throws Exception {
        Path marker = dir.resolve("marker");
        Path done = dir.resolve("done");
        ExecBuilder p = direct("touch " + marker);
        p.ifcmd = "echo if";
        p.nifshell = "/bin/sh";
        p.nifcmd = "echo nif; exit 1";
        p.donecmd = "touch " + done;

        assertThat(run(p, false).changes())
                .containsExactly("run `touch " + marker + "`", "run donecmd `touch " + done + "`");
        assertThat(ctx.lines("stdout")).containsExactly("if", "nif");
        assertThat(marker).doesNotExist();
        assertThat(done).doesNotExist();
    }

    @Test
    void refreshonlyRunsOnlyWhenRefreshed() throws Exception {
        Path counter = dir.resolve("counter");
        ExecBuilder p = sh("echo x >> " + counter);
        p.refreshonly = true;
        p.ifcmd = "echo guard";

        assertThat(run(p, true)).isEqualTo(CheckResult.ok());
        assertThat(counter).doesNotExist();
        assertThat(ctx.outputs()).as("not even the guard runs").isEmpty();

        ctx.setRefreshing(true);
        assertThat(run(p, true).changes()).containsExactly("ran `echo x >> " + counter + "`");
        assertThat(Files.readAllLines(counter)).containsExactly("x");

        ctx.setRefreshing(false);
        assertThat(run(p, true).isOk()).isTrue();
        assertThat(Files.readAllLines(counter)).containsExactly("x");
    }

    @Test
    void aRefreshDoesNotBypassTheGuards() throws Exception {
        Path exists = Files.createFile(dir.resolve("exists"));
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.refreshonly = true;
        p.creates = exists.toString();
        ctx.setRefreshing(true);

        assertThat(run(p, true).isOk()).isTrue();
        assertThat(ctx.logs()).containsExactly(
                "refreshed, but creates " + exists + " exists: not running `touch " + marker + "`");

        p.refreshonly = false;
        p.creates = "";
        p.ifcmd = "false";
        assertThat(run(p, true).isOk()).isTrue();
        assertThat(marker).doesNotExist();
    }

    @Test
    void aRefreshedCheckWithoutApplyingRunsNothing() throws Exception {
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.refreshonly = true;
        ctx.setRefreshing(true);

        assertThat(run(p, false).changes()).containsExactly("run `touch " + marker + "`");
        assertThat(marker).doesNotExist();
    }
}
