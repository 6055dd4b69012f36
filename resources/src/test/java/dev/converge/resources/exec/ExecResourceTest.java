package dev.converge.resources.exec;

import static dev.converge.resources.testing.Processes.alive;
import static dev.converge.resources.exec.ExecBuilder.direct;
import static dev.converge.resources.testing.Processes.publish;
import static dev.converge.resources.testing.Processes.readPid;
import static dev.converge.resources.exec.ExecBuilder.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class ExecResourceTest {

    private static final ResourceId ID = ResourceId.of("exec", "t");
    private static final Duration PATIENCE = Duration.ofSeconds(60);

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
    void runsTheCommandAndReportsAChange() throws Exception {
        Path marker = dir.resolve("marker");

        CheckResult result = run(direct("touch " + marker), true);

        assertThat(result.changes()).containsExactly("ran `touch " + marker + "`");
        assertThat(marker).exists();
    }

    @Test
    void withoutGuardsEveryCallRunsTheCommand() throws Exception {
        Path counter = dir.resolve("counter");
        ExecBuilder p = sh("echo x >> " + counter);

        run(p, true);
        run(p, true);

        assertThat(Files.readAllLines(counter)).containsExactly("x", "x");
    }

    @Test
    void outputLinesArriveInOrderAndAttributedToTheirStream() throws Exception {
        run(sh("i=1; while [ $i -le 500 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done"), true);

        assertThat(ctx.lines("stdout"))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 500).mapToObj(i -> "out " + i).toList());
        assertThat(ctx.lines("stderr"))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 500).mapToObj(i -> "err " + i).toList());
    }

    @Test
    void linesAreSplitOnNewlinesWithoutTerminators() throws Exception {
        run(sh("printf 'a\\r\\nb\\n\\nlast without newline'"), true);

        assertThat(ctx.lines("stdout")).containsExactly("a", "b", "", "last without newline");
    }

    @Test
    void outputIsPassedOnWhileTheCommandStillRuns() throws Exception {
        Path go = dir.resolve("go");
        ExecBuilder p = sh("echo first; while [ ! -e " + go + " ]; do sleep 0.02; done; echo second");
        var failure = new AtomicReference<Throwable>();
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                run(p, true);
            } catch (Throwable e) {
                failure.set(e);
            }
        });

        await().atMost(PATIENCE).until(() -> ctx.lines("stdout").contains("first"));
        assertThat(runner.isAlive()).isTrue();
        assertThat(ctx.lines("stdout")).containsExactly("first");

        Files.createFile(go);
        assertThat(runner.join(PATIENCE)).isTrue();
        assertThat(failure.get()).isNull();
        assertThat(ctx.lines("stdout")).containsExactly("first", "second");
    }

    /**
     * Silent commands, more than there are carriers, each run on a virtual thread: their output is
     * read by the one command-output thread, and while they all wait another virtual thread still
     * runs (none of them pins a carrier).
     */
    @Test
    void silentCommandsShareOneOutputThreadAndPinNoCarrier() throws Exception {
        int commands = 4 * Runtime.getRuntime().availableProcessors() + 4;
        var runners = new ArrayList<Thread>();
        var failures = new ConcurrentLinkedQueue<Throwable>();
        for (int i = 0; i < commands; i++) {
            Path started = dir.resolve("started-" + i);
            runners.add(Thread.ofVirtual().start(() -> {
                try {
                    run(sh(publish("up", started) + "; sleep 300"), true);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        List<String> platformThreads;
        boolean anotherVirtualThreadRan;
        try {
            for (int i = 0; i < commands; i++) {
                Path started = dir.resolve("started-" + i);
                await().atMost(PATIENCE).until(() -> Files.exists(started));
            }
            platformThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
            anotherVirtualThreadRan = Thread.ofVirtual().start(() -> { }).join(PATIENCE);
        } finally {
            runners.forEach(Thread::interrupt);
        }

        assertThat(platformThreads).as("one output thread for all commands")
                .containsOnlyOnce("command-output")
                .noneMatch(name -> name.startsWith("exec-"));
        assertThat(anotherVirtualThreadRan).isTrue();
        for (Thread runner : runners) {
            assertThat(runner.join(PATIENCE)).isTrue();
        }
        assertThat(failures).hasSize(commands).allMatch(InterruptedException.class::isInstance);
    }

    @Test
    void commandRunsAsLeaderOfItsOwnProcessGroupAndSession() throws Exception {
        run(sh("echo $$; cat /proc/$$/stat"), true);

        List<String> out = ctx.lines("stdout");
        String pid = out.get(0);
        String stat = out.get(1);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertThat(fields[2]).as("pgrp").isEqualTo(pid);
        assertThat(fields[3]).as("session").isEqualTo(pid);
        assertThat(pid).isNotEqualTo(Long.toString(ProcessHandle.current().pid()));
    }

    @Test
    void nonZeroExitThrowsWithIdStatusAndTheLastLinesOfBothStreams() {
        var e = catchThrowable(() -> run(sh("echo fine; echo boom >&2; exit 3"), true));

        assertThat(e).isInstanceOf(CommandFailedException.class);
        var failure = (CommandFailedException) e;
        assertThat(failure.id()).isEqualTo(ID);
        assertThat(failure.status()).isEqualTo(3);
        assertThat(failure.command()).isEqualTo("`echo fine; echo boom >&2; exit 3`");
        assertThat(failure.outputTail()).containsExactlyInAnyOrder("fine", "boom");
        assertThat(failure.getMessage())
                .startsWith("`echo fine; echo boom >&2; exit 3` exited with status 3; last 2 line(s) of output:\n")
                .contains("fine", "boom");
    }

    @Test
    void errorMessageKeepsOnlyTheLastLines() {
        var e = catchThrowable(() -> run(
                sh("i=1; while [ $i -le 30 ]; do printf 'e%02d\\n' $i >&2; i=$((i+1)); done; exit 1"), true));

        assertThat(e).isInstanceOf(CommandFailedException.class);
        assertThat(((CommandFailedException) e).outputTail())
                .containsExactlyElementsOf(IntStream.rangeClosed(11, 30).mapToObj(i -> String.format("e%02d", i)).toList());
        assertThat(e.getMessage()).contains("e11", "e20", "e30").doesNotContain("e10", "e01");
        assertThat(ctx.lines("stderr")).hasSize(30);
    }

    @Test
    void withoutShellTheCommandIsSplitOnWhitespaceAndNotInterpreted() throws Exception {
        run(direct("printf [%s]\\n   a \t  b"), true);
        run(direct("echo one && echo two"), true);

        assertThat(ctx.lines("stdout")).containsExactly("[a]", "[b]", "one && echo two");
    }

    @Test
    void shellInterpretsTheCommand() throws Exception {
        run(sh("echo one && echo two"), true);

        assertThat(ctx.lines("stdout")).containsExactly("one", "two");
    }

    @Test
    void argsAreAppendedUnsplit() throws Exception {
        ExecBuilder p = direct("printf [%s]\\n");
        p.args = List.of("x  y", "z");

        assertThat(run(p, true).changes()).containsExactly("ran `printf [%s]\\n x  y z`");
        assertThat(ctx.lines("stdout")).containsExactly("[x  y]", "[z]");
    }

    @Test
    void cwdIsTheWorkingDirectory() throws Exception {
        ExecBuilder p = direct("pwd");
        p.cwd = dir.toString();

        run(p, true);

        assertThat(ctx.lines("stdout")).containsExactly(dir.toRealPath().toString());
    }

    @Test
    void envIsAddedToTheAgentEnvironment() throws Exception {
        ExecBuilder p = sh("echo \"$CONVERGE_TEST_VAR\"; echo \"$PATH\"");
        p.env = Map.of("CONVERGE_TEST_VAR", "a b  c");

        run(p, true);

        assertThat(ctx.lines("stdout")).containsExactly("a b  c", System.getenv("PATH"));
    }

    @Test
    void commandIsFoundOnThePathGivenInEnv() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path tool = bin.resolve("converge-test-tool");
        Files.writeString(tool, "#!/bin/sh\necho tool ran\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        ExecBuilder p = direct("converge-test-tool");
        p.env = Map.of("PATH", bin + ":/usr/bin:/bin");

        run(p, true);

        assertThat(ctx.lines("stdout")).containsExactly("tool ran");
    }

    @Test
    void notApplyingRunsNothing() throws Exception {
        Path marker = dir.resolve("marker");

        CheckResult result = run(direct("touch " + marker), false);

        assertThat(result.changes()).containsExactly("run `touch " + marker + "`");
        assertThat(marker).doesNotExist();
        assertThat(ctx.outputs()).isEmpty();
    }

    /**
     * A shell that records its pid in {@code leader}, starts a background sleep (pid in
     * {@code child}) and a double-forked sleep that is no longer its descendant but stays in its
     * process group (pid in {@code orphan}), then waits.
     */
    private static ExecBuilder familyOfSleepers(Path leader, Path child, Path orphan) {
        return sh(publish("$$", leader)
                + "; (sleep 300 & " + publish("$!", orphan) + ")"
                + "; sleep 300 & " + publish("$!", child) + "; wait");
    }

    @Test
    void timeoutKillsTheWholeGroupIncludingGrandchildren() throws Exception {
        Path leader = dir.resolve("leader");
        Path child = dir.resolve("child");
        Path orphan = dir.resolve("orphan");
        ExecBuilder p = familyOfSleepers(leader, child, orphan);
        p.timeout = 1;

        assertThatThrownBy(() -> run(p, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("timed out after 1 s; process group killed");

        assertThat(alive(readPid(leader))).as("shell").isFalse();
        assertThat(alive(readPid(child))).as("grandchild sleep").isFalse();
        assertThat(alive(readPid(orphan))).as("double-forked sleep").isFalse();
    }

    @Test
    void timeoutAlsoKillsDescendantsThatLeftTheGroup() throws Exception {
        Path escaped = dir.resolve("escaped");
        ExecBuilder p = sh("setsid sleep 300 & " + publish("$!", escaped) + "; wait");
        p.timeout = 1;

        assertThatThrownBy(() -> run(p, true)).isInstanceOf(ResourceException.class);

        assertThat(alive(readPid(escaped))).as("sleep in a session of its own").isFalse();
    }

    @Test
    void interruptKillsTheGroupThenThrowsInterruptedException() throws Exception {
        Path leader = dir.resolve("leader");
        Path child = dir.resolve("child");
        Path orphan = dir.resolve("orphan");
        ExecBuilder p = familyOfSleepers(leader, child, orphan);
        var thrown = new AtomicReference<Throwable>();
        var interruptedAfter = new AtomicReference<Boolean>();
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                run(p, true);
            } catch (Throwable e) {
                thrown.set(e);
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            }
        });
        await().atMost(PATIENCE).until(() -> Files.exists(leader) && Files.exists(child) && Files.exists(orphan));
        long leaderPid = readPid(leader);
        long childPid = readPid(child);
        long orphanPid = readPid(orphan);
        assertThat(alive(childPid)).isTrue();
        assertThat(alive(orphanPid)).isTrue();

        runner.interrupt();

        assertThat(runner.join(PATIENCE)).isTrue();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(interruptedAfter.get()).as("interrupt status after the throw").isFalse();
        assertThat(alive(leaderPid)).as("shell").isFalse();
        assertThat(alive(childPid)).as("grandchild sleep").isFalse();
        assertThat(alive(orphanPid)).as("double-forked sleep").isFalse();
    }

    @Test
    void interruptingTheGuardKillsItToo() throws Exception {
        Path guard = dir.resolve("guard");
        Path marker = dir.resolve("marker");
        ExecBuilder p = direct("touch " + marker);
        p.ifshell = "/bin/sh";
        p.ifcmd = publish("$$", guard) + "; sleep 300";
        var thrown = new AtomicReference<Throwable>();
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                run(p, true);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        await().atMost(PATIENCE).until(() -> Files.exists(guard));

        runner.interrupt();

        assertThat(runner.join(PATIENCE)).isTrue();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(alive(readPid(guard))).isFalse();
        assertThat(marker).doesNotExist();
    }

    @Test
    void processesLeftBehindAfterANormalExitAreTerminated() throws Exception {
        Path child = dir.resolve("child");

        CheckResult result = run(sh("sleep 300 & " + publish("$!", child)), true);

        assertThat(result.isOk()).isFalse();
        assertThat(alive(readPid(child))).isFalse();
        assertThat(ctx.warnings()).singleElement().asString().contains("exited and left processes in its process group");
    }

    @Test
    void missingCommandIsAClearError() {
        assertThatThrownBy(() -> run(direct("converge-no-such-command --flag"), true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("command not found: converge-no-such-command");
    }

    @Test
    void missingShellIsAClearError() {
        ExecBuilder p = sh("true");
        p.shell = dir.resolve("no-shell").toString();

        assertThatThrownBy(() -> run(p, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining(p.shell + " is not an executable file");
    }

    @Test
    void missingGuardCommandIsAClearError() {
        ExecBuilder p = direct("true");
        p.ifcmd = "converge-no-such-guard";

        assertThatThrownBy(() -> run(p, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("ifcmd `converge-no-such-guard`")
                .hasMessageContaining("command not found");
    }

    @Test
    void missingCwdIsAClearError() {
        ExecBuilder p = direct("true");
        p.cwd = dir.resolve("gone").toString();

        assertThatThrownBy(() -> run(p, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageContaining("cwd " + p.cwd + " is not a directory");
    }
}
