package dev.converge.resources.exec;

import static dev.converge.resources.testing.Processes.alive;
import static dev.converge.resources.exec.ExecBuilder.direct;
import static dev.converge.resources.exec.ExecBuilder.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * user and group: every command of the resource runs as them. Needs root (the tests switch to
 * {@code nobody}/{@code nogroup}); skipped otherwise. The test of the non-root error runs only
 * when not root.
 */
@Timeout(60)
class ExecUserTest {

    private static final ResourceId ID = ResourceId.of("exec", "t");

    @TempDir
    Path dir;

    private final RecordingContext ctx = new RecordingContext(ID);

    @AfterEach
    void closeContext() throws IOException {
        ctx.close();
    }

    private static void asRoot() {
        assumeTrue(ExecBuilder.isRoot(), "switching users needs root");
    }

    /** A command that prints who runs it: user, group, supplementary groups, HOME. */
    private static final String WHO = "echo $(id -un) $(id -gn) [$(id -Gn)] $HOME";

    @Test
    void everyCommandRunsAsTheUserWithItsGroupsAndHome() throws Exception {
        asRoot();
        ExecBuilder p = sh(WHO);
        p.user = "nobody";
        p.ifshell = "/bin/sh";
        p.ifcmd = WHO;
        p.nifshell = "/bin/sh";
        p.nifcmd = WHO + "; exit 1";
        p.doneshell = "/bin/sh";
        p.donecmd = WHO;

        assertThat(p.resource().checkApply(ctx, true).isOk()).isFalse();

        assertThat(ctx.lines("stdout")).hasSize(4).containsOnly("nobody nogroup [nogroup] /nonexistent");
    }

    @Test
    void groupOverridesThePrimaryGroupAndEnvOverridesHome() throws Exception {
        asRoot();
        ExecBuilder p = sh(WHO);
        p.user = "65534";
        p.group = "root";
        p.env = Map.of("HOME", "/home/elsewhere");

        p.resource().checkApply(ctx, true);

        assertThat(ctx.lines("stdout")).containsExactly("nobody root [root nogroup] /home/elsewhere");
    }

    @Test
    void groupAloneKeepsTheUserAndDropsSupplementaryGroups() throws Exception {
        asRoot();
        ExecBuilder p = sh("echo $(id -u) $(id -gn) [$(id -Gn)]");
        p.group = "nogroup";

        p.resource().checkApply(ctx, true);

        assertThat(ctx.lines("stdout")).containsExactly("0 nogroup [nogroup]");
    }

    @Test
    void aMissingUserOrGroupFailsTheCheckBeforeAnythingRuns() {
        asRoot();
        ExecBuilder p = direct("echo ran");
        p.ifcmd = "echo guard";
        p.user = "converge-no-such-user";

        assertThatThrownBy(() -> p.resource().checkApply(ctx, false))
                .isInstanceOf(ResourceException.class)
                .hasMessage("user: no such user 'converge-no-such-user' on this host");

        p.user = "nobody";
        p.group = "converge-no-such-group";
        assertThatThrownBy(() -> p.resource().checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessage("group: no such group 'converge-no-such-group' on this host");
        assertThat(ctx.outputs()).isEmpty();
    }

    @Test
    void noUserIsLookedUpWhileCreatesExists() throws Exception {
        ExecBuilder p = direct("echo ran");
        p.creates = dir.toString();
        p.user = "converge-no-such-user";

        assertThat(p.resource().checkApply(ctx, true).isOk()).isTrue();
        assertThat(ctx.outputs()).isEmpty();
    }

    @Test
    void aTimeoutKillsTheWholeGroupOfAnotherUser() throws Exception {
        asRoot();
        ExecBuilder p = sh("echo $$; sleep 300 & echo $!; wait");
        p.user = "nobody";
        p.timeout = 1;

        assertThatThrownBy(() -> p.resource().checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("timed out after 1 s; process group killed");

        List<String> pids = ctx.lines("stdout");
        assertThat(pids).hasSize(2);
        for (String pid : pids) {
            assertThat(alive(Long.parseLong(pid))).as("pid " + pid).isFalse();
        }
    }

    @Test
    void theWatchCommandRunsAsTheUserToo() throws Exception {
        asRoot();
        ExecBuilder p = direct("true");
        p.user = "nobody";
        p.watchshell = "/bin/sh";
        p.watchcmd = "id -un; exit 3";

        assertThatThrownBy(() -> p.resource().watch(ctx)).isInstanceOf(CommandFailedException.class);

        assertThat(ctx.lines("stdout")).containsExactly("nobody");
        assertThat(ctx.events()).isEqualTo(1);
    }

    @Test
    void withoutRootAUserIsAClearError() {
        assumeTrue(!ExecBuilder.isRoot(), "only meaningful when not root");
        ExecBuilder p = direct("true");
        p.user = "nobody";

        assertThatThrownBy(() -> p.resource().checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessage("cannot run commands as user 'nobody': that needs the agent to run as root");
    }
}
