package dev.converge.resources.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link ProcessGroup#killNow} ends a termination's grace period, whatever its length. */
class ProcessGroupTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void killNowCutsAnHourOfGraceShortForAGroupThatIgnoresTerm() throws Exception {
        Process shell = new ProcessBuilder("setsid", "sh", "-c", "trap '' TERM; sleep 300 & wait").start();
        long pgid = shell.pid();
        await().atMost(PATIENCE).until(() -> ProcessGroup.stat(pgid).map(s -> s.session() == pgid).orElse(false));
        var group = new ProcessGroup(pgid);
        var dead = new AtomicBoolean();

        Thread terminating = Thread.ofVirtual().start(() -> dead.set(group.terminate(Duration.ofHours(1), List.of())));
        group.killNow();

        assertThat(terminating.join(PATIENCE)).as("terminate returned without the hour of grace").isTrue();
        assertThat(dead).isTrue();
        assertThat(shell.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessGroup.stat(pgid).filter(s -> !s.dead())).isEqualTo(Optional.empty());
    }
}
