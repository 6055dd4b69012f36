package dev.converge.resources.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@link GroupCommand} over {@link Spawner} and {@link OutputPump}: what a child starts with, and output under load. */
@Timeout(120)
class GroupCommandTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Signals 32 and 33 as bits of /proc's signal sets (bit N-1 is signal N). */
    private static final long GLIBC_INTERNAL_SIGNALS = 0x180000000L;

    @TempDir
    Path dir;

    /** Collects lines per stream; lines arrive on the output thread. */
    private static final class Lines implements CommandOutput {

        final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
        final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
        final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void line(String stream, String line) {
            (stream.equals("stdout") ? stdout : stderr).add(line);
        }

        @Override
        public void warn(String message) {
            warnings.add(message);
        }
    }

    private static GroupCommand command(List<String> argv, String cwd, CommandOutput output) {
        return new GroupCommand("`" + String.join(" ", argv) + "`", argv, cwd, Map.of(), Duration.ZERO, RunAs.AGENT,
                output);
    }

    @Test
    void aChildHasOnlyStdinFromDevNullAndItsTwoPipes() throws Exception {
        var lines = new Lines();

        GroupCommand.Result result = command(List.of("ls", "-1", "/proc/self/fd"), "", lines).run();

        assertThat(result.status()).isZero();
        assertThat(lines.stdout).as("0-2, and 3: the directory ls reads; no descriptor of the agent")
                .containsExactly("0", "1", "2", "3");
        var stdin = new Lines();
        command(List.of("readlink", "/proc/self/fd/0"), "", stdin).run();
        assertThat(stdin.stdout).containsExactly("/dev/null");
    }

    /**
     * The agent ignoring SIGHUP (as under nohup) does not make its commands ignore it. glibc keeps
     * its two internal signals (32, 33) ignored in a spawned child; no other signal is.
     */
    @Test
    void aChildBlocksNoSignalAndIgnoresNoStandardOne() throws Exception {
        var lines = new Lines();
        var hup = new Signal("HUP");
        SignalHandler previous = Signal.handle(hup, SignalHandler.SIG_IGN);
        try {
            command(List.of("grep", "-E", "^(SigBlk|SigIgn):", "/proc/self/status"), "", lines).run();
        } finally {
            Signal.handle(hup, previous);
        }

        assertThat(lines.stdout).hasSize(2);
        long blocked = Long.parseUnsignedLong(lines.stdout.get(0).substring("SigBlk:\t".length()), 16);
        long ignored = Long.parseUnsignedLong(lines.stdout.get(1).substring("SigIgn:\t".length()), 16);
        assertThat(blocked).isZero();
        assertThat(ignored & ~GLIBC_INTERNAL_SIGNALS).as("ignored signals besides glibc's").isZero();
    }

    @Test
    void aChildRunsInItsWorkingDirectory() throws Exception {
        var lines = new Lines();

        command(List.of("pwd"), dir.toString(), lines).run();

        assertThat(lines.stdout).containsExactly(dir.toRealPath().toString());
    }

    @Test
    void whatCannotStartIsAStartErrorNamingWhy() throws Exception {
        Path notABinary = Files.writeString(dir.resolve("garbage"), "\u0001\u0002 not a program\n");
        Files.setPosixFilePermissions(notABinary, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThatThrownBy(() -> command(List.of("converge-no-such-program"), "", new Lines()).run())
                .isInstanceOf(CommandStartException.class)
                .hasMessageContaining("command not found: converge-no-such-program");
        assertThatThrownBy(() -> command(List.of("true"), dir.resolve("missing").toString(), new Lines()).run())
                .isInstanceOf(CommandStartException.class)
                .hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> command(List.of(notABinary.toString()), "", new Lines()).run())
                .as("exec's own failure, as posix_spawn reports it")
                .isInstanceOf(CommandStartException.class)
                .hasMessageContaining("posix_spawn: Exec format error");
    }

    @Test
    void bothStreamsArriveApartAndTheStatusIsTheExitCode() throws Exception {
        var lines = new Lines();

        GroupCommand.Result result = command(List.of("sh", "-c", "echo out; echo err >&2; exit 7"), "", lines).run();

        assertThat(result.status()).isEqualTo(7);
        assertThat(lines.stdout).containsExactly("out");
        assertThat(lines.stderr).containsExactly("err");
        assertThat(result.tail()).containsExactlyInAnyOrder("out", "err");
    }

    @Test
    void aSignalledCommandReports128PlusTheSignal() throws Exception {
        assertThat(command(List.of("sh", "-c", "kill -TERM $$"), "", new Lines()).run().status()).isEqualTo(143);
    }

    /**
     * Once no command runs, the output thread waits parked in Java, not inside {@code epoll_wait}:
     * the JVM waits up to 300 ms at exit for a thread in a native call, which every run of the
     * agent would pay.
     */
    @Test
    void theOutputThreadLeavesNativeCodeOnceNothingRuns() throws Exception {
        command(List.of("true"), "", new Lines()).run();

        Thread output = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("command-output")).findFirst().orElseThrow();
        await().atMost(PATIENCE).until(() -> output.getState() == Thread.State.WAITING);
        assertThat(OutputPump.instance().watched()).isZero();
    }

    /**
     * Many commands at once, released together, each printing its own name on both streams: every
     * line reaches its own command's output, none is lost, and the pump holds nothing after.
     */
    @Test
    void concurrentCommandsKeepTheirOwnOutput() throws Exception {
        int commands = 64;
        int linesEach = 200;
        var barrier = new CyclicBarrier(commands);
        var failures = new ConcurrentLinkedQueue<Throwable>();
        var outputs = new ArrayList<Lines>();
        var runners = new ArrayList<Thread>();
        for (int i = 0; i < commands; i++) {
            var lines = new Lines();
            outputs.add(lines);
            String name = "c" + i;
            var command = command(List.of("sh", "-c", "for i in $(seq " + linesEach + "); do echo " + name
                    + "; echo " + name + " >&2; done"), "", lines);
            runners.add(Thread.ofVirtual().start(() -> {
                try {
                    barrier.await();
                    command.run();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread runner : runners) {
            assertThat(runner.join(PATIENCE)).isTrue();
        }

        assertThat(failures).isEmpty();
        for (int i = 0; i < commands; i++) {
            assertThat(outputs.get(i).stdout).hasSize(linesEach).containsOnly("c" + i);
            assertThat(outputs.get(i).stderr).hasSize(linesEach).containsOnly("c" + i);
            assertThat(outputs.get(i).warnings).isEmpty();
        }
        assertThat(OutputPump.instance().watched()).isZero();
    }
}
