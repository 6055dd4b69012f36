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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProcessGroup}: signals through kill(2), emptiness from ESRCH, and a grace that killNow cuts short. */
@Timeout(120)
class ProcessGroupTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** Runs {@code shellText} in the background as a command of its own group; the outcome lands in {@code outcome}. */
    private static Thread running(String shellText, AtomicReference<Object> outcome) {
        return Background.run(new GroupCommand("t", List.of("sh", "-c", shellText), "", Map.of(), Duration.ZERO,
                RunAs.AGENT, CommandOutput.DISCARD).withLiveGroups(new LiveGroups()), outcome);
    }

    @Test
    void killNowCutsAnHourOfGraceShortForAGroupThatIgnoresTerm() throws Exception {
        Path shell = dir.resolve("shell");
        Path child = dir.resolve("child");
        var outcome = new AtomicReference<Object>();
        Thread runner = running("trap '' TERM; sleep 300 & " + publish("$!", child) + "; " + publish("$$", shell)
                + "; wait", outcome);
        await().atMost(PATIENCE).until(() -> Files.exists(shell) && Files.exists(child));
        var group = new ProcessGroup((int) readPid(shell));
        assertThat(group.isEmpty()).isFalse();
        var dead = new AtomicBoolean();

        Thread terminating = Thread.ofVirtual().start(() -> dead.set(group.terminate(Duration.ofHours(1), List.of())));
        group.killNow();

        assertThat(terminating.join(PATIENCE)).as("terminate returned without the hour of grace").isTrue();
        assertThat(dead).isTrue();
        assertThat(runner.join(PATIENCE)).isTrue();
        assertThat(outcome.get()).isInstanceOfSatisfying(GroupCommand.Result.class,
                r -> assertThat(r.status()).as("128 + SIGKILL").isEqualTo(137));
        assertThat(group.isEmpty()).isTrue();
        assertThat(alive(readPid(child))).isFalse();
    }
}
