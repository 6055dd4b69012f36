package dev.converge.resources.exec;

import static dev.converge.resources.testing.Processes.alive;
import static dev.converge.resources.exec.ExecBuilder.direct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The watch: watchcmd lines and exit, watchfiles and creates through the shared path watcher. */
@Timeout(60)
class ExecWatchTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("exec", "t"));
    private final List<Thread> watchers = new ArrayList<>();

    /** A watch running on a thread of its own, and what it threw when it ended. */
    private record Watching(Thread thread, AtomicReference<Throwable> thrown) {

        Throwable stop() throws InterruptedException {
            thread.interrupt();
            return end();
        }

        Throwable end() throws InterruptedException {
            assertThat(thread.join(PATIENCE)).as("watch ended").isTrue();
            return thrown.get();
        }
    }

    private Watching watch(ExecBuilder p) {
        var thrown = new AtomicReference<Throwable>();
        var resource = p.resource();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                resource.watch(ctx);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        watchers.add(t);
        return new Watching(t, thrown);
    }

    @AfterEach
    void stopWatchesAndCloseContext() throws Exception {
        for (Thread t : watchers) {
            t.interrupt();
            t.join(PATIENCE);
        }
        ctx.close();
    }

    /** A watchcmd in /bin/sh that prints its pid on stderr, then {@code script}. */
    private static ExecBuilder watchcmd(String script) {
        ExecBuilder p = direct("true");
        p.watchshell = "/bin/sh";
        p.watchcmd = "echo pid=$$ >&2; " + script;
        return p;
    }

    private long watchPid() {
        await().atMost(PATIENCE).until(() -> ctx.lines("stderr").stream().anyMatch(l -> l.startsWith("pid=")));
        return Long.parseLong(ctx.lines("stderr").stream().filter(l -> l.startsWith("pid=")).findFirst()
                .orElseThrow().substring(4));
    }

    @Test
    void eachNonEmptyStdoutLineOfWatchcmdIsAnEvent() throws Exception {
        Path go = dir.resolve("go");
        Watching w = watch(watchcmd("while [ ! -e " + go + " ]; do sleep 0.01; done; printf 'one\\n\\ntwo\\n'; sleep 300"));
        await().atMost(PATIENCE).until(() -> ctx.runningCalls() == 1);

        Files.createFile(go);

        await().atMost(PATIENCE).until(() -> ctx.events() == 2 && ctx.lines("stdout").size() == 3);
        long pid = watchPid();
        assertThat(ctx.runningCalls()).isEqualTo(1);
        assertThat(ctx.lines("stdout")).containsExactly("one", "", "two");

        assertThat(w.stop()).isInstanceOf(InterruptedException.class);
        assertThat(alive(pid)).as("watchcmd killed with its group").isFalse();
        assertThat(ctx.events()).as("the empty line and stderr are no events").isEqualTo(2);
    }

    @Test
    void watchcmdExitingFailsTheWatchWithItsLastLines() throws Exception {
        Watching w = watch(watchcmd("echo started; echo oops >&2; exit 4"));

        Throwable thrown = w.end();

        assertThat(thrown).isInstanceOf(CommandFailedException.class);
        var failure = (CommandFailedException) thrown;
        assertThat(failure.status()).isEqualTo(4);
        assertThat(failure.command()).startsWith("watchcmd `echo pid=$$ >&2;");
        assertThat(failure.outputTail()).contains("started", "oops");
        assertThat(failure.getMessage()).contains("exited with status 4; a watch command must keep running");
        assertThat(ctx.runningCalls()).isEqualTo(1);
        assertThat(ctx.events()).isEqualTo(1);
    }

    @Test
    void watchcmdExitingZeroFailsTheWatchToo() throws Exception {
        ExecBuilder p = direct("true");
        p.watchcmd = "true";

        Throwable thrown = watch(p).end();

        assertThat(thrown).isInstanceOf(CommandFailedException.class)
                .hasMessageStartingWith("watchcmd `true` exited with status 0");
    }

    @Test
    void watchcmdRunsInWatchcwdWithEnvAndNoTimeout() throws Exception {
        ExecBuilder p = watchcmd("pwd; echo \"$V\"; sleep 1.2; echo still-running; sleep 300");
        p.watchcwd = dir.toString();
        p.env = Map.of("V", "from env");
        p.timeout = 1;

        Watching w = watch(p);

        await().atMost(PATIENCE).until(() -> ctx.lines("stdout").contains("still-running"));
        assertThat(ctx.lines("stdout")).containsExactly(dir.toRealPath().toString(), "from env", "still-running");
        assertThat(w.stop()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void withNothingToWatchTheWatchReportsRunningAndWaits() throws Exception {
        Watching w = watch(direct("true"));

        await().atMost(PATIENCE).until(() -> ctx.runningCalls() == 1);
        assertThat(w.thread().isAlive()).isTrue();

        assertThat(w.stop()).isInstanceOf(InterruptedException.class);
        assertThat(ctx.events()).isZero();
    }

    @Test
    void aChangeOfAWatchedFileIsAnEventUntilTheWatchEnds() throws Exception {
        Path file = Files.writeString(dir.resolve("watched"), "1");
        ExecBuilder p = direct("true");
        p.watchfiles = List.of(file.toString());
        Watching w = watch(p);
        await().atMost(PATIENCE).until(() -> ctx.runningCalls() == 1);

        Files.writeString(file, "2");

        await().atMost(PATIENCE).until(() -> ctx.events() >= 1);
        assertThat(w.stop()).isInstanceOf(InterruptedException.class);
        int events = ctx.events();

        Files.writeString(file, "3");
        assertThat(changeSeenAfter(dir.resolve("sentinel"))).isTrue();
        assertThat(ctx.events()).as("no event after the watch ended").isEqualTo(events);
    }

    /**
     * Writes {@code sentinel} and waits until the shared watcher reports it: by then it has
     * dispatched every earlier change in the same directory.
     */
    private boolean changeSeenAfter(Path sentinel) throws IOException, InterruptedException {
        var seen = new CountDownLatch(1);
        PathWatcher.Subscription subscription = ctx.paths().subscribe(sentinel, seen::countDown);
        try {
            Files.writeString(sentinel, "x");
            return seen.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            subscription.close();
        }
    }

    @Test
    void deletingTheCreatesPathIsAnEventAndTheCommandRunsAgain() throws Exception {
        Path created = Files.createFile(dir.resolve("created"));
        ExecBuilder p = direct("touch " + created);
        p.creates = created.toString();
        var resource = p.resource();
        assertThat(resource.checkApply(ctx, true).isOk()).isTrue();
        Watching w = watch(p);
        await().atMost(PATIENCE).until(() -> ctx.runningCalls() == 1);

        Files.delete(created);

        await().atMost(PATIENCE).until(() -> ctx.events() >= 1);
        assertThat(resource.checkApply(ctx, true).changes()).containsExactly("ran `touch " + created + "`");
        assertThat(created).exists();
        assertThat(w.stop()).isInstanceOf(InterruptedException.class);
    }
}
