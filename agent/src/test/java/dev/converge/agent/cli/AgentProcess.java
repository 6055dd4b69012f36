package dev.converge.agent.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code agent} as a real process on the test classpath, as an operator would: with the JVM
 * options the launcher gives it ({@code agent/bin/jvm-defaults}).
 */
final class AgentProcess {

    record Result(int exit, String stdout, String stderr) {}

    /** The launcher's JVM options, read from {@code agent/bin/jvm-defaults} as the launcher reads them. */
    static final List<String> LAUNCHER_OPTIONS = launcherOptions();

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private AgentProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static AgentProcess start(Path workDir, String... args) throws IOException {
        return start(workDir, false, args);
    }

    /**
     * With {@code journal}, the agent's stderr file is announced as the journal's stream, as
     * systemd does for a service: {@code JOURNAL_STREAM} is its device and inode.
     */
    static AgentProcess start(Path workDir, boolean journal, String... args) throws IOException {
        return start(workDir, List.of(), journal, LAUNCHER_OPTIONS, Map.of(), args);
    }

    /** With these JVM options instead of the launcher's. */
    static AgentProcess start(Path workDir, boolean journal, List<String> jvmOptions, String... args)
            throws IOException {
        return start(workDir, List.of(), journal, jvmOptions, Map.of(), args);
    }

    /** With {@code environment} added to the agent's: systemd's NOTIFY_SOCKET and WATCHDOG_USEC, say. */
    static AgentProcess start(Path workDir, Map<String, String> environment, String... args) throws IOException {
        return start(workDir, List.of(), false, LAUNCHER_OPTIONS, environment, args);
    }

    /**
     * With the signals named in {@code ignored} (HUP, INT, ...) ignored from the start, as
     * {@code nohup} or a script's background job leaves them: {@code env --ignore-signal}.
     */
    static AgentProcess startIgnoring(Path workDir, List<String> ignored, String... args) throws IOException {
        return start(workDir, List.of("env", "--ignore-signal=" + String.join(",", ignored)), false,
                LAUNCHER_OPTIONS, Map.of(), args);
    }

    private static AgentProcess start(Path workDir, List<String> launcher, boolean journal, List<String> jvmOptions,
            Map<String, String> environment, String... args)
            throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        var command = new ArrayList<>(launcher);
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.converge.agent.cli.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        var builder = new ProcessBuilder(command);
        builder.environment().remove("JOURNAL_STREAM");
        builder.environment().keySet().removeAll(List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"));
        builder.environment().putAll(environment);
        if (journal) {
            builder.environment().put("JOURNAL_STREAM",
                    Files.getAttribute(err, "unix:dev") + ":" + Files.getAttribute(err, "unix:ino"));
        }
        Process p = builder
                .directory(workDir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        return new AgentProcess(p, out, err);
    }

    private static List<String> launcherOptions() {
        Path defaults = ExamplePlansTest.REPO.resolve("agent/bin/jvm-defaults");
        var builder = new ProcessBuilder("bash", "-c", ". \"$1\" && printf '%s\\n' \"${jvm_defaults[@]}\"", "bash",
                defaults.toString()).redirectErrorStream(true);
        builder.environment().remove("CONVERGE_JAVA_OPTS");
        try {
            Process p = builder.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0 || out.isBlank()) {
                throw new IllegalStateException(defaults + ": cannot read jvm_defaults: " + out);
            }
            return out.lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return start(workDir, args).await(Duration.ofSeconds(60));
    }

    Process process() {
        return process;
    }

    /** Sends the signal named {@code name} (TERM, INT, HUP, ...) to the agent with kill(1). */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0) {
            throw new IOException("kill -s " + name + " " + process.pid() + " failed: " + out);
        }
    }

    String stderrSoFar() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    Result await(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("agent did not exit within " + timeout + "; stderr:\n" + stderrSoFar());
        }
        return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }
}
