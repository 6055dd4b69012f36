package dev.converge.resources.exec;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One command of a resource run to completion as the leader of a new session and process group
 * (through {@code setsid(1)}, then {@code setpriv(1)} when it runs as another user), with stdin
 * from {@code /dev/null} and each line of its stdout and stderr passed to
 * {@link ResourceContext#output} as it arrives (cut by a {@link LineSplitter}).
 *
 * <p>Invariant: when {@link #run} returns or throws, no process of the command's group is left
 * alive. On timeout or interrupt the group and every descendant of the command get SIGTERM, then
 * SIGKILL after {@link #GRACE}. When the command exits by itself, whatever it left running in its
 * group is terminated the same way (with a warning); a process that must outlive the command has
 * to leave the group (its own {@code setsid}, a service manager).
 *
 * <p>While {@link #run} runs, the command's group is in {@link LiveGroups} (the agent's, unless
 * {@link #withLiveGroups} says otherwise), so {@link LiveGroups#killAll} reaches it; after that
 * an interrupt ends the group with SIGKILL at once, without {@link #GRACE}.
 *
 * <p>Memory stays bounded whatever the command prints: one line per stream, the last
 * {@link #TAIL_LINES} lines, and the captured output only up to the capture limit.
 *
 * <p>Immutable; the {@code with} methods return changed copies.
 */
final class GroupCommand {

    /** Time between SIGTERM and SIGKILL. */
    static final Duration GRACE = Duration.ofSeconds(2);

    /** Lines of output (both streams) kept for error messages. */
    static final int TAIL_LINES = 20;

    private static final int MAX_TAIL_LINE_CHARS = 500;
    private static final Duration LEADER_WAIT = Duration.ofSeconds(5);
    private static final Duration READER_WAIT = Duration.ofSeconds(5);

    /**
     * How the command ended.
     *
     * @param status the exit status; 128 + N when a signal N killed it
     * @param tail   the last {@link #TAIL_LINES} lines of stdout and stderr in arrival order,
     *               each cut at {@value #MAX_TAIL_LINE_CHARS} characters
     * @param output stdout and stderr together as written, decoded as UTF-8, when capturing and
     *               it fits in the capture limit; otherwise empty
     */
    record Result(int status, List<String> tail, Optional<String> output) {

        Result {
            tail = List.copyOf(tail);
        }
    }

    private final ResourceId id;
    private final ResourceContext ctx;
    private final CommandLine command;
    private final Map<String, String> env;
    private final long timeoutSeconds;
    private final RunAs runAs;
    private final int captureLimit;
    private final Consumer<String> onStdoutLine;
    private final Runnable onStarted;
    private final LiveGroups liveGroups;

    /**
     * @param command        what to run, where
     * @param env            variables added to the agent's environment (after those of
     *                       {@code runAs})
     * @param timeoutSeconds seconds before the group is killed; 0 is no limit
     * @param runAs          the user and group to run as
     */
    GroupCommand(ResourceId id, ResourceContext ctx, CommandLine command, Map<String, String> env,
            long timeoutSeconds, RunAs runAs) {
        this(id, ctx, command, env, timeoutSeconds, runAs, -1, line -> { }, () -> { }, LiveGroups.agent());
    }

    private GroupCommand(ResourceId id, ResourceContext ctx, CommandLine command, Map<String, String> env,
            long timeoutSeconds, RunAs runAs, int captureLimit, Consumer<String> onStdoutLine,
            Runnable onStarted, LiveGroups liveGroups) {
        this.id = id;
        this.ctx = ctx;
        this.command = command;
        this.env = Map.copyOf(env);
        this.timeoutSeconds = timeoutSeconds;
        this.runAs = runAs;
        this.captureLimit = captureLimit;
        this.onStdoutLine = onStdoutLine;
        this.onStarted = onStarted;
        this.liveGroups = liveGroups;
    }

    /**
     * This command, also keeping its output when it is at most {@code maxBytes} long. Its stderr
     * then shares stdout's pipe, so the output is exactly what it wrote in the order it wrote
     * it, and all its lines are reported as stdout.
     */
    GroupCommand withCapture(int maxBytes) {
        return new GroupCommand(id, ctx, command, env, timeoutSeconds, runAs, maxBytes, onStdoutLine, onStarted,
                liveGroups);
    }

    /** This command, also passing each stdout line to {@code listener} (on a reader thread). */
    GroupCommand withStdoutListener(Consumer<String> listener) {
        return new GroupCommand(id, ctx, command, env, timeoutSeconds, runAs, captureLimit, listener, onStarted,
                liveGroups);
    }

    /** This command, calling {@code started} once the command leads its own process group. */
    GroupCommand withStartedHook(Runnable started) {
        return new GroupCommand(id, ctx, command, env, timeoutSeconds, runAs, captureLimit, onStdoutLine, started,
                liveGroups);
    }

    /** This command, its group kept in {@code groups} instead of the agent's while it runs. */
    GroupCommand withLiveGroups(LiveGroups groups) {
        return new GroupCommand(id, ctx, command, env, timeoutSeconds, runAs, captureLimit, onStdoutLine, onStarted,
                groups);
    }

    /**
     * Runs the command and waits for it.
     *
     * @throws ResourceException when it cannot start or times out
     * @throws InterruptedException when the thread is interrupted; the group is dead by then
     */
    Result run() throws ResourceException, InterruptedException {
        Process process = start(processBuilder());
        long started = System.nanoTime();
        var group = new ProcessGroup(process.pid());
        // Descendants while the leader still links them to it (some may have left the group),
        // then the leader (before setsid it leads no group yet; killed, it forks nothing more),
        // then the group.
        LiveGroups.Member live = () -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            group.killNow();
        };
        liveGroups.add(live);
        try {
            return await(process, group, started);
        } finally {
            liveGroups.remove(live);
        }
    }

    private Process start(ProcessBuilder pb) throws ResourceException {
        try {
            return pb.start();
        } catch (IOException | IllegalArgumentException e) {
            throw new ResourceException(id, "cannot start " + command.label() + ": " + e.getMessage(), e);
        }
    }

    /** Waits for the started command and ends its group; see {@link #run}. */
    private Result await(Process process, ProcessGroup group, long started)
            throws ResourceException, InterruptedException {
        String label = command.label();
        var tail = new ArrayDeque<String>(TAIL_LINES);
        Capture capture = captureLimit < 0 ? null : new Capture(captureLimit);
        Thread out = reader(process.getInputStream(), "stdout", tail, capture, onStdoutLine);
        Thread err = reader(process.getErrorStream(), "stderr", tail, capture, line -> { });
        try {
            if (!becameGroupLeader(process)) {
                kill(process, group, out, err);
                throw new ResourceException(id, label + " did not become the leader of a process group"
                        + " of its own within " + LEADER_WAIT.toSeconds() + " s; killed it");
            }
            started(process, group, out, err);
            if (!exited(process, started)) {
                boolean dead = kill(process, group, out, err);
                throw new ResourceException(id, label + " timed out after " + timeoutSeconds + " s; "
                        + (dead ? "process group killed" : "some of its processes survived SIGKILL"));
            }
        } catch (InterruptedException e) {
            kill(process, group, out, err);
            Thread.interrupted();
            throw e;
        }
        List<Long> left = group.members();
        if (!left.isEmpty()) {
            ctx.warn(label + " exited and left " + left.size() + " process(es) in its process group "
                    + left + "; terminating them");
            if (!group.terminate(GRACE, List.of())) {
                ctx.warn(label + ": processes of group " + group.id() + " survived SIGKILL");
            }
        }
        if (!out.join(READER_WAIT) || !err.join(READER_WAIT)) {
            ctx.warn(label + " exited but a process outside its group still holds its output open;"
                    + " not waiting for more output");
        }
        List<String> lines;
        synchronized (tail) {
            lines = List.copyOf(tail);
        }
        return new Result(process.exitValue(), lines, capture == null ? Optional.empty() : capture.text());
    }

    /** Calls the started hook; if it throws, the command is killed first. */
    private void started(Process process, ProcessGroup group, Thread out, Thread err) {
        try {
            onStarted.run();
        } catch (RuntimeException e) {
            kill(process, group, out, err);
            throw e;
        }
    }

    private ProcessBuilder processBuilder() throws ResourceException {
        String label = command.label();
        List<String> argv = command.argv();
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new ResourceException(id, "cannot run " + label + ": the command is empty");
        }
        var pb = new ProcessBuilder();
        Path dir;
        String cwd = command.cwd();
        if (cwd.isEmpty()) {
            dir = Path.of("").toAbsolutePath();
        } else {
            dir = Path.of(cwd);
            if (!Files.isDirectory(dir)) {
                throw new ResourceException(id, "cannot run " + label + ": cwd " + cwd + " is not a directory");
            }
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(runAs.environment());
        pb.environment().putAll(env);
        String program = argv.get(0);
        String searchPath = pb.environment().getOrDefault("PATH", Executables.DEFAULT_PATH);
        if (Executables.find(program, searchPath, dir).isEmpty()) {
            throw new ResourceException(id, "cannot run " + label + ": "
                    + (program.contains("/")
                            ? program + " is not an executable file"
                            : "command not found: " + program + " (PATH=" + searchPath + ")"));
        }
        Optional<Path> setsid = Executables.findOnAgentPath("setsid");
        if (setsid.isEmpty()) {
            throw new ResourceException(id, "cannot run " + label
                    + ": setsid (util-linux) is needed to give the command a process group of its own"
                    + " and is not installed");
        }
        var full = new ArrayList<String>(1 + runAs.setpriv().size() + argv.size());
        full.add(setsid.get().toString());
        full.addAll(runAs.setpriv());
        full.addAll(argv);
        return pb.command(full)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(captureLimit >= 0);
    }

    /**
     * Waits until the process leads its own session and group, or has already exited. setsid(1)
     * does that in the started process itself, right after exec and before running the command.
     */
    private static boolean becameGroupLeader(Process process) throws InterruptedException {
        long pid = process.pid();
        long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
        while (true) {
            Optional<ProcessGroup.Stat> stat = ProcessGroup.stat(pid);
            if (stat.isEmpty() || stat.get().dead()
                    || (stat.get().pgrp() == pid && stat.get().session() == pid)) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(1);
        }
    }

    private boolean exited(Process process, long started) throws InterruptedException {
        if (timeoutSeconds <= 0) {
            process.waitFor();
            return true;
        }
        long left = TimeUnit.SECONDS.toNanos(timeoutSeconds) - (System.nanoTime() - started);
        return process.waitFor(Math.max(left, 0), TimeUnit.NANOSECONDS);
    }

    /**
     * Terminates the group and the command's descendants, then waits (bounded, ignoring
     * interrupts) for the output readers. Returns whether every process is dead.
     */
    private static boolean kill(Process process, ProcessGroup group, Thread out, Thread err) {
        var targets = new ArrayList<ProcessHandle>();
        targets.add(process.toHandle());
        process.descendants().forEach(targets::add);
        boolean dead = group.terminate(GRACE, targets);
        boolean interrupted = Thread.interrupted();
        for (Thread t : List.of(out, err)) {
            while (true) {
                try {
                    t.join(READER_WAIT);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return dead;
    }

    /**
     * Reads one stream of the command to its end: each line goes to the tail, to
     * {@link ResourceContext#output} and to {@code listener}; the raw bytes to {@code capture}.
     *
     * <p>A platform thread: a read from a pipe blocks in native code and would pin a virtual
     * thread's carrier for as long as the command is silent; two such readers can hold every
     * carrier of a small host and starve all virtual threads, the caller's included.
     */
    private Thread reader(InputStream in, String stream, ArrayDeque<String> tail, Capture capture,
            Consumer<String> listener) {
        return Thread.ofPlatform().daemon().name("exec-" + stream + "-" + id).start(() -> {
            var lines = new LineSplitter(line -> {
                synchronized (tail) {
                    if (tail.size() == TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line.length() > MAX_TAIL_LINE_CHARS
                            ? line.substring(0, MAX_TAIL_LINE_CHARS) + "..." : line);
                }
                ctx.output(stream, line);
                listener.accept(line);
            });
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) != -1) {
                    if (capture != null) {
                        capture.add(buf, n);
                    }
                    lines.feed(buf, 0, n);
                }
            } catch (IOException e) {
                // The pipe broke: the process is gone and there is nothing more to read.
            }
            lines.finish();
        });
    }

    /** The bytes read, up to a limit; past it, nothing. */
    private static final class Capture {

        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean overflowed;

        Capture(int limit) {
            this.limit = limit;
        }

        synchronized void add(byte[] b, int n) {
            if (overflowed) {
                return;
            }
            if (bytes.size() + n > limit) {
                overflowed = true;
                bytes.reset();
                return;
            }
            bytes.write(b, 0, n);
        }

        synchronized Optional<String> text() {
            return overflowed ? Optional.empty() : Optional.of(bytes.toString(StandardCharsets.UTF_8));
        }
    }
}
