package dev.converge.bench.micro;

import dev.converge.resources.process.CommandException;
import dev.converge.resources.process.CommandOutput;
import dev.converge.resources.process.GroupCommand;
import dev.converge.resources.process.RunAs;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code /bin/true} spawned and reaped, one after another: what a command costs the agent
 * beyond the command itself. {@code groupCommand} is the agent's runner ({@code posix_spawn} with
 * a new session, pipes read by the output thread, pidfd, reap, the group checked empty);
 * {@code processBuilder} is the JDK's, without a session of its own, for scale.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SpawnBenchmark {

    private final GroupCommand trueCommand = new GroupCommand("`/bin/true`", List.of("/bin/true"), "", Map.of(),
            Duration.ZERO, RunAs.AGENT, CommandOutput.DISCARD);

    @Benchmark
    public int groupCommand() throws CommandException, InterruptedException {
        return trueCommand.run().status();
    }

    @Benchmark
    public int processBuilder() throws IOException, InterruptedException {
        return new ProcessBuilder("/bin/true").start().waitFor();
    }
}
