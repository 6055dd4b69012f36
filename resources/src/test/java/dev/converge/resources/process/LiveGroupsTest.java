package dev.converge.resources.process;

import static dev.converge.resources.testing.Processes.alive;
import static dev.converge.resources.testing.Processes.publish;
import static dev.converge.resources.testing.Processes.readPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link LiveGroups} with real commands whose shells ignore SIGTERM. */
@Timeout(120)
class LiveGroupsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final LiveGroups groups = new LiveGroups();

    private GroupCommand command(String shellText) {
        return new GroupCommand("stubborn", List.of("sh", "-c", shellText), "", Map.of(), Duration.ZERO, RunAs.AGENT,
                CommandOutput.DISCARD).withLiveGroups(groups);
    }

    /**
     * A shell that ignores SIGTERM (and so do its children), with a child in the background and
     * one that left the group ({@code setsid}), which only the command's interrupt path reaches.
     */
    private GroupCommand stubborn(Path shell, Path child, Path escaped) {
        return command("trap '' TERM; sleep 300 & " + publish("$!", child) + "; setsid sleep 300 & "
                + publish("$!", escaped) + "; " + publish("$$", shell) + "; wait");
    }

    @Test
    void aRunningCommandIsLiveUntilItsGroupIsGone() throws Exception {
        Path go = dir.resolve("go");
        var outcome = new AtomicReference<Object>();
        Thread runner = Background.run(command("until [ -e " + go + " ]; do sleep 0.01; done"), outcome);

        await().atMost(PATIENCE).until(() -> groups.size() == 1);
        Files.createFile(go);
        assertThat(runner.join(PATIENCE)).isTrue();

        assertThat(outcome.get()).isInstanceOf(GroupCommand.Result.class);
        assertThat(groups.size()).isZero();
        assertThat(groups.awaitNone(Duration.ZERO)).isTrue();
    }

    @Test
    void killAllThenInterruptEndsAStubbornGroupWithoutTheGracePeriod() throws Exception {
        Path shell = dir.resolve("shell");
        Path child = dir.resolve("child");
        Path escaped = dir.resolve("escaped");
        var outcome = new AtomicReference<Object>();
        Thread runner = Background.run(stubborn(shell, child, escaped), outcome);
        await().atMost(PATIENCE).until(() -> Files.exists(shell) && Files.exists(child) && Files.exists(escaped));
        long shellPid = readPid(shell);
        long childPid = readPid(child);
        long escapedPid = readPid(escaped);

        runner.interrupt();
        assertThat(groups.killAll()).isEqualTo(1);

        assertThat(groups.awaitNone(PATIENCE)).isTrue();
        assertThat(runner.join(PATIENCE)).isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(alive(shellPid)).as("shell ignoring TERM").isFalse();
        assertThat(alive(childPid)).as("its background child").isFalse();
        assertThat(alive(escapedPid)).as("its child in a session of its own").isFalse();
    }

    @Test
    void aCommandAfterKillAllDoesNotStart() throws Exception {
        groups.killAll();
        Path shell = dir.resolve("shell");
        Path child = dir.resolve("child");
        Path escaped = dir.resolve("escaped");
        var outcome = new AtomicReference<Object>();

        Thread runner = Background.run(stubborn(shell, child, escaped), outcome);

        assertThat(runner.join(PATIENCE)).isTrue();
        assertThat(outcome.get()).isInstanceOfSatisfying(CommandStartException.class,
                e -> assertThat(e).hasMessageContaining("every command was killed to stop the agent"));
        assertThat(groups.size()).isZero();
        assertThat(shell).as("the shell never ran").doesNotExist();
    }
}
