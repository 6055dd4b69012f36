package dev.converge.resources.svc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.resources.CheckResult;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * checkApply's decisions and texts against a fake {@code systemctl} and {@code journalctl} first
 * on the commands' PATH: they answer {@code show} from a file, record every call, and fail the
 * verbs the test asks them to. The real systemd is in the agent's SvcIT.
 */
class SvcResourceTest {

    private static final ResourceId ID = ResourceId.of("svc", "web");

    @TempDir
    Path bin;

    private RecordingContext ctx;

    @BeforeEach
    void fakeCommands() throws IOException {
        script("systemctl", """
                #!/bin/sh
                d=$(dirname "$0")
                echo "$*" >> "$d/calls"
                [ "$1" = --user ] && shift
                case "$1" in
                  show) cat "$d/show" ;;
                  *) if [ -f "$d/fail-$1" ]; then cat "$d/fail-$1" >&2; exit 1; fi ;;
                esac
                """);
        script("journalctl", """
                #!/bin/sh
                d=$(dirname "$0")
                echo "journalctl $*" >> "$d/calls"
                cat "$d/journal"
                """);
        Files.writeString(bin.resolve("journal"), "Dec 03 web.service: cannot read /etc/web.conf\nDec 03 Failed to start web.service.\n");
        ctx = new RecordingContext(ID);
    }

    private void script(String name, String text) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private void unit(String active, String sub, String fileState, boolean canReload) throws IOException {
        Files.writeString(bin.resolve("show"), "LoadState=loaded\nActiveState=" + active + "\nSubState=" + sub
                + "\nUnitFileState=" + fileState + "\nCanReload=" + (canReload ? "yes" : "no")
                + "\nInvocationID=abc\n");
    }

    private SvcResource resource(String state, String startup, String refresh) {
        return new SvcResource(ID, "web.service", new SvcParams(state, startup, false, refresh),
                ServiceManager.of(false).withSearchPath(bin + ":/usr/bin:/bin"));
    }

    /** The verbs run, show and journal reads left out. */
    private List<String> changes() throws IOException {
        Path calls = bin.resolve("calls");
        if (!Files.exists(calls)) {
            return List.of();
        }
        return Files.readAllLines(calls).stream().filter(l -> !l.replace("--user ", "").startsWith("show") && !l.startsWith("journalctl"))
                .toList();
    }

    @Test
    void aRunningEnabledUnitIsOk() throws Exception {
        unit("active", "running", "enabled", false);

        assertThat(resource("running", "enabled", "restart").checkApply(ctx, true).isOk()).isTrue();
        assertThat(changes()).isEmpty();
        assertThat(Files.readAllLines(bin.resolve("calls")).getFirst())
                .isEqualTo("show --property=LoadState,ActiveState,SubState,UnitFileState,CanReload,InvocationID"
                        + " -- web.service");
    }

    @Test
    void noopSaysWhatWouldChangeAndChangesNothing() throws Exception {
        unit("inactive", "dead", "disabled", false);

        CheckResult result = resource("running", "enabled", "restart").checkApply(ctx, false);

        assertThat(result.changes()).containsExactly("enable (was disabled)", "start (was inactive/dead)");
        assertThat(changes()).isEmpty();
    }

    @Test
    void appliesTheStartupFirstThenTheState() throws Exception {
        unit("inactive", "dead", "disabled", false);

        CheckResult result = resource("running", "enabled", "restart").checkApply(ctx, true);

        assertThat(result.changes()).containsExactly("enabled (was disabled)", "started (was inactive/dead)");
        assertThat(changes()).containsExactly("enable -- web.service", "start -- web.service");
    }

    @Test
    void stopsAndDisables() throws Exception {
        unit("active", "running", "enabled", false);

        CheckResult result = resource("stopped", "disabled", "restart").checkApply(ctx, true);

        assertThat(result.changes()).containsExactly("disabled (was enabled)", "stopped (was active/running)");
        assertThat(changes()).containsExactly("disable -- web.service", "stop -- web.service");
    }

    @Test
    void aFailedUnitCountsAsStopped() throws Exception {
        unit("failed", "failed", "disabled", false);

        assertThat(resource("stopped", "", "restart").checkApply(ctx, true).isOk()).isTrue();
    }

    @Test
    void anEmptyStateAndStartupLeaveTheUnitAlone() throws Exception {
        unit("inactive", "dead", "enabled", false);

        assertThat(resource("", "", "restart").checkApply(ctx, true).isOk()).isTrue();
        assertThat(changes()).isEmpty();
    }

    @Test
    void aRefreshRestartsARunningUnitOnce() throws Exception {
        unit("active", "running", "enabled", true);
        ctx.setRefreshing(true);

        CheckResult result = resource("running", "", "restart").checkApply(ctx, true);

        assertThat(result.changes()).containsExactly("restarted (refresh)");
        assertThat(changes()).containsExactly("restart -- web.service");
    }

    @Test
    void refreshReloadReloadsAUnitThatCan() throws Exception {
        unit("active", "running", "enabled", true);
        ctx.setRefreshing(true);

        assertThat(resource("running", "", "reload").checkApply(ctx, false).changes())
                .containsExactly("reload (refresh)");
        assertThat(resource("running", "", "reload").checkApply(ctx, true).changes())
                .containsExactly("reloaded (refresh)");
        assertThat(changes()).containsExactly("reload -- web.service");
    }

    @Test
    void refreshReloadRestartsAUnitWithoutAReloadCommandAndSaysSo() throws Exception {
        unit("active", "running", "enabled", false);
        ctx.setRefreshing(true);

        assertThat(resource("running", "", "reload").checkApply(ctx, true).changes())
                .containsExactly("restarted (refresh)");
        assertThat(ctx.logs()).anySatisfy(l -> assertThat(l).contains("no reload command"));
    }

    @Test
    void aUnitStartedByThisCheckIsNotRestartedForTheRefresh() throws Exception {
        unit("inactive", "dead", "enabled", false);
        ctx.setRefreshing(true);

        assertThat(resource("running", "", "restart").checkApply(ctx, true).changes())
                .containsExactly("started (was inactive/dead)");
        assertThat(changes()).containsExactly("start -- web.service");
    }

    @Test
    void aRefreshNeverStartsAStoppedUnit() throws Exception {
        unit("inactive", "dead", "enabled", false);
        ctx.setRefreshing(true);

        assertThat(resource("stopped", "", "restart").checkApply(ctx, true).isOk()).isTrue();
        assertThat(resource("", "", "restart").checkApply(ctx, true).isOk()).isTrue();
        assertThat(changes()).isEmpty();
        assertThat(ctx.logs()).anySatisfy(l -> assertThat(l).contains("nothing to restart"));
    }

    @Test
    void aFailedStartFailsTheResourceWithTheJournal() throws Exception {
        unit("inactive", "dead", "enabled", false);
        Files.writeString(bin.resolve("fail-start"), "Job for web.service failed because the control process exited"
                + " with error code.\n");

        assertThatThrownBy(() -> resource("running", "", "restart").checkApply(ctx, true))
                .isInstanceOfSatisfying(UnitFailedException.class, e -> {
                    assertThat(e.id()).isEqualTo(ID);
                    assertThat(e.unit()).isEqualTo("web.service");
                    assertThat(e.journal()).containsExactly("Dec 03 web.service: cannot read /etc/web.conf",
                            "Dec 03 Failed to start web.service.");
                    assertThat(e.getMessage()).contains("`systemctl start -- web.service` exited with status 1")
                            .contains("Job for web.service failed").contains("cannot read /etc/web.conf");
                });
        assertThat(Files.readString(bin.resolve("calls"))).contains("journalctl --unit=web.service --lines=10");
    }

    @Test
    void aUnitFailedRightAfterItsStartFailsTheResource() throws Exception {
        unit("failed", "failed", "enabled", false);

        assertThatThrownBy(() -> resource("running", "", "restart").checkApply(ctx, true))
                .isInstanceOf(UnitFailedException.class)
                .hasMessageContaining("web.service is failed right after it started")
                .hasMessageContaining("cannot read /etc/web.conf");
    }

    @Test
    void anUnknownUnitFailsUnlessADryRunsParentWouldInstallIt() throws Exception {
        Files.writeString(bin.resolve("show"), "LoadState=not-found\nActiveState=inactive\nSubState=dead\n"
                + "UnitFileState=\nCanReload=no\n");

        assertThatThrownBy(() -> resource("running", "enabled", "restart").checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("web.service is not a unit the system manager knows")
                .hasMessageContaining("/etc/systemd/system");

        var dryRun = new ParentsWouldChange(ctx);
        assertThat(resource("running", "enabled", "restart").checkApply(dryRun, false).changes())
                .containsExactly("enable (was no unit file)", "start (was inactive/dead)");
    }

    /** A dry run's context whose parents would change first. */
    private record ParentsWouldChange(RecordingContext inner) implements ResourceContext {

        @Override
        public ResourceId id() {
            return inner.id();
        }

        @Override
        public void log(String message) {
            inner.log(message);
        }

        @Override
        public void warn(String message) {
            inner.warn(message);
        }

        @Override
        public void output(String stream, String line) {
            inner.output(stream, line);
        }

        @Override
        public void running() {
            inner.running();
        }

        @Override
        public void event() {
            inner.event();
        }

        @Override
        public PathWatcher paths() {
            return inner.paths();
        }

        @Override
        public boolean refreshing() {
            return false;
        }

        @Override
        public boolean parentsWouldChange() {
            return true;
        }
    }

    @Test
    void aStaticUnitCannotBeEnabled() throws Exception {
        unit("inactive", "dead", "static", false);

        assertThatThrownBy(() -> resource("", "enabled", "restart").checkApply(ctx, false))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("web.service cannot be enabled: its unit file state is static"
                        + " (it has no [Install] section)");
    }

    @Test
    void aSessionUnitWithoutAUserManagerFailsSayingSo(@TempDir Path runtime) {
        var resource = new SvcResource(ID, "web.service", new SvcParams("running", "", true, "restart"),
                ServiceManager.of(true).withSearchPath(bin + ":/usr/bin:/bin").withRuntimeDir(runtime));

        assertThatThrownBy(() -> resource.checkApply(ctx, false))
                .isInstanceOf(NoServiceManagerException.class)
                .hasMessageContaining("session: true needs the systemd user manager of")
                .hasMessageContaining("and none runs: " + runtime.resolve("systemd/private") + " does not exist")
                .hasMessageContaining("loginctl enable-linger");
        assertThatThrownBy(() -> resource.watch(ctx)).isInstanceOf(NoServiceManagerException.class);
    }

    @Test
    void aSessionUnitIsAskedOfTheUserManager(@TempDir Path runtime) throws Exception {
        Files.createDirectories(runtime.resolve("systemd"));
        Files.createFile(runtime.resolve("systemd/private"));
        unit("inactive", "dead", "enabled", false);
        var resource = new SvcResource(ID, "web.service", new SvcParams("running", "", true, "restart"),
                ServiceManager.of(true).withSearchPath(bin + ":/usr/bin:/bin").withRuntimeDir(runtime));

        resource.checkApply(ctx, true);

        assertThat(changes()).containsExactly("--user start -- web.service");
    }

    @Test
    void theWatchOfAMissingBusFailsSayingWhichBus(@TempDir Path runtime) throws IOException {
        Files.createDirectories(runtime.resolve("systemd"));
        Files.createFile(runtime.resolve("systemd/private"));
        var resource = new SvcResource(ID, "web.service", new SvcParams("running", "", true, "restart"),
                ServiceManager.of(true).withRuntimeDir(runtime));

        assertThatThrownBy(() -> resource.watch(ctx))
                .isInstanceOf(NoServiceManagerException.class)
                .hasMessageContaining("cannot watch web.service on the D-Bus of the user manager of")
                .hasMessageContaining(runtime.resolve("bus").toString());
        assertThat(ctx.runningCalls()).as("running first, so the first check runs and says the same").isEqualTo(1);
    }
}
