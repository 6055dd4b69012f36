package dev.converge.resources.process;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One command run to completion as the leader of a new session and process group (see
 * {@link Spawner}; through {@code setpriv(1)} when it runs as another user), with stdin from
 * {@code /dev/null} and each line of its stdout and stderr passed to a {@link CommandOutput} as
 * it arrives (cut by a {@link LineSplitter}, read by the {@link OutputPump}).
 *
 * <p>Invariant: when {@link #run} returns or throws, no process of the command's group is left
 * alive. On timeout or interrupt the group and every descendant of the command get SIGTERM, then
 * SIGKILL after {@link #GRACE}. When the command exits by itself, whatever it left running in its
 * group is terminated the same way (with a warning); a process that must outlive the command has
 * to leave the group (its own {@code setsid}, a service manager). Only the timeout and interrupt
 * paths look for descendants outside the group, in {@code /proc}.
 *
 * <p>While {@link #run} runs, the command's group is in {@link LiveGroups} (the agent's, unless
 * {@link #withLiveGroups} says otherwise), so {@link LiveGroups#killAll} reaches it; after that
 * an interrupt ends the group with SIGKILL at once, without {@link #GRACE}.
 *
 * <p>Memory stays bounded whatever the command prints: one line per stream, the last
 * {@link #TAIL_LINES} lines, and the captured output only up to the capture limit.
 *
 * <p>Immutable; the {@code with} methods return changed copies. {@link #run} may be called by any
 * thread, virtual ones included (it parks, it never pins a carrier), and more than once.
 */
public final class GroupCommand {

    /** Time between SIGTERM and SIGKILL. */
    public static final Duration GRACE = Duration.ofSeconds(2);

    /** Lines of output (both streams) kept for error messages. */
    public static final int TAIL_LINES = 20;

    private static final int MAX_TAIL_LINE_CHARS = 500;
    private static final Duration OUTPUT_WAIT = Duration.ofSeconds(5);

    /**
     * How the command ended.
     *
     * @param status the exit status; 128 + N when a signal N killed it
     * @param tail   the last {@link #TAIL_LINES} lines of stdout and stderr in arrival order,
     *               each cut at {@value #MAX_TAIL_LINE_CHARS} characters
     * @param output stdout and stderr together as written, decoded as UTF-8, when capturing and
     *               it fits in the capture limit; otherwise empty
     */
    public record Result(int status, List<String> tail, Optional<String> output) {

        public Result {
            tail = List.copyOf(tail);
        }
    }

    private final String label;
    private final List<String> argv;
    private final String cwd;
    private final Map<String, String> env;
    private final Duration timeout;
    private final RunAs runAs;
    private final CommandOutput output;
    private final int captureLimit;
    private final Consumer<String> onStdoutLine;
    private final Runnable onStarted;
    private final LiveGroups liveGroups;

    /**
     * Readies the process layer ahead of the first command: links every native call (without
     * starting anything) and starts the output thread, about 300 ms on a cold JVM that the first
     * command would otherwise wait for. Any thread, any number of times; a command runs the same
     * without it, only later.
     */
    public static void prepare() {
        Libc.warmUp();
        OutputPump.instance();
    }

    /**
     * @param label   how messages name the command, e.g. {@code `make`}
     * @param argv    the program (a name looked up on the command's {@code PATH}, or a path) and
     *                its arguments
     * @param cwd     the working directory; empty for the agent's
     * @param env     variables added to the agent's environment (after those of {@code runAs})
     * @param timeout how long it may run before its group is killed; zero is no limit
     * @param runAs   the user and group to run as
     * @param output  receives its lines and warnings
     */
    public GroupCommand(String label, List<String> argv, String cwd, Map<String, String> env, Duration timeout,
            RunAs runAs, CommandOutput output) {
        this(label, argv, cwd, env, timeout, runAs, output, -1, line -> { }, () -> { }, LiveGroups.agent());
    }

    private GroupCommand(String label, List<String> argv, String cwd, Map<String, String> env, Duration timeout,
            RunAs runAs, CommandOutput output, int captureLimit, Consumer<String> onStdoutLine, Runnable onStarted,
            LiveGroups liveGroups) {
        this.label = label;
        this.argv = List.copyOf(argv);
        this.cwd = cwd;
        this.env = Map.copyOf(env);
        this.timeout = timeout;
        this.runAs = runAs;
        this.output = output;
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
    public GroupCommand withCapture(int maxBytes) {
        return new GroupCommand(label, argv, cwd, env, timeout, runAs, output, maxBytes, onStdoutLine, onStarted,
                liveGroups);
    }

    /** This command, also passing each stdout line to {@code listener} (on the output thread). */
    public GroupCommand withStdoutListener(Consumer<String> listener) {
        return new GroupCommand(label, argv, cwd, env, timeout, runAs, output, captureLimit, listener, onStarted,
                liveGroups);
    }

    /** This command, calling {@code started} (on the running thread) once the command leads its own process group. */
    public GroupCommand withStartedHook(Runnable started) {
        return new GroupCommand(label, argv, cwd, env, timeout, runAs, output, captureLimit, onStdoutLine, started,
                liveGroups);
    }

    /** This command, its group kept in {@code groups} instead of the agent's while it runs. */
    public GroupCommand withLiveGroups(LiveGroups groups) {
        return new GroupCommand(label, argv, cwd, env, timeout, runAs, output, captureLimit, onStdoutLine, onStarted,
                groups);
    }

    /**
     * Runs the command and waits for it.
     *
     * @throws CommandStartException when it cannot start, or {@link LiveGroups#killAll} was called
     * @throws CommandTimeoutException when it runs past the timeout; its group is dead by then
     * @throws InterruptedException when the thread is interrupted; the group is dead by then
     */
    public Result run() throws CommandException, InterruptedException {
        Environment environment = Environment.agentWith(runAs.environment(), env);
        Optional<Path> dir = directory();
        Path program = program(environment, dir);
        var command = new ArrayList<String>(runAs.setpriv().size() + argv.size());
        command.addAll(runAs.setpriv());
        command.addAll(argv);
        if (liveGroups.killing()) {
            throw new CommandStartException("not starting " + label + ": every command was killed to stop the agent");
        }
        var streams = new Streams(captureLimit);
        Spawner.Child child;
        try {
            child = Spawner.spawn(runAs.setpriv().isEmpty() ? program : Path.of(runAs.setpriv().get(0)), command,
                    environment, dir, captureLimit >= 0);
        } catch (ErrnoException e) {
            throw new CommandStartException("cannot start " + label + ": " + e.getMessage(), e);
        }
        return new Running(child, streams).await();
    }

    /** The working directory to change to, if not the agent's. */
    private Optional<Path> directory() throws CommandStartException {
        if (cwd.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Path.of(cwd);
        if (!Files.isDirectory(dir)) {
            throw new CommandStartException("cannot run " + label + ": cwd " + cwd + " is not a directory");
        }
        return Optional.of(dir);
    }

    /** The file {@code argv[0]} names, looked up as {@code execvp(3)} would in the command's environment. */
    private Path program(Environment environment, Optional<Path> dir) throws CommandStartException {
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new CommandStartException("cannot run " + label + ": the command is empty");
        }
        for (String arg : argv) {
            if (arg.indexOf('\0') >= 0) {
                throw new CommandStartException("cannot run " + label + ": an argument contains a NUL character");
            }
        }
        String name = argv.get(0);
        String searchPath = environment.get("PATH", Executables.DEFAULT_PATH);
        Path base = dir.orElseGet(() -> Path.of("").toAbsolutePath());
        return Executables.find(name, searchPath, base).orElseThrow(() -> new CommandStartException(
                "cannot run " + label + ": " + (name.contains("/")
                        ? name + " is not an executable file"
                        : "command not found: " + name + " (PATH=" + searchPath + ")")));
    }

    /** One started command, from its spawn to its end; used by the thread that called {@link #run}. */
    private final class Running {

        private final Spawner.Child child;
        private final Streams streams;
        private final ProcessGroup group;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private final CountDownLatch ended;
        private final List<OutputPump.Watch> watches = new ArrayList<>();

        Running(Spawner.Child child, Streams streams) {
            this.child = child;
            this.streams = streams;
            this.group = new ProcessGroup(child.pid());
            this.ended = new CountDownLatch(child.stderr() < 0 ? 1 : 2);
        }

        Result await() throws CommandException, InterruptedException {
            // Descendants while the leader still links them to it (some may have left the group),
            // then the group.
            LiveGroups.Member live = () -> {
                if (!exit.isDone()) {
                    ProcessHandle.of(child.pid()).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
                }
                group.killNow();
            };
            liveGroups.add(live);
            try {
                watch();
                started();
                Optional<Integer> status = waitForExit();
                if (status.isEmpty()) {
                    boolean dead = kill();
                    throw new CommandTimeoutException(label + " timed out after " + seconds(timeout) + "; "
                            + (dead ? "process group killed" : "some of its processes survived SIGKILL"));
                }
                if (!group.isEmpty()) {
                    output.warn(label + " exited and left processes in its process group " + group.id()
                            + "; terminating them");
                    if (!group.terminate(GRACE, List.of())) {
                        output.warn(label + ": processes of group " + group.id() + " survived SIGKILL");
                    }
                }
                if (!ended.await(OUTPUT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    output.warn(label + " exited but a process outside its group still holds its output open;"
                            + " not waiting for more output");
                }
                return new Result(status.get(), streams.tail(), streams.captured());
            } catch (InterruptedException e) {
                kill();
                Thread.interrupted();
                throw e;
            } finally {
                watches.forEach(OutputPump.Watch::close);
                liveGroups.remove(live);
            }
        }

        /** Hands the pipes and the pidfd to the pump; if that fails, kills the command. */
        private void watch() throws CommandStartException {
            OutputPump pump = OutputPump.instance();
            int[] fds = {child.pidfd(), child.stdout(), child.stderr()};
            int next = 0;
            try {
                watches.add(pump.watchExit(fds[next++], this::exited));
                watches.add(pump.watchOutput(fds[next++], streams.sink("stdout", onStdoutLine, ended)));
                if (child.stderr() >= 0) {
                    watches.add(pump.watchOutput(fds[next++], streams.sink("stderr", line -> { }, ended)));
                }
            } catch (ErrnoException e) {
                for (int i = next; i < fds.length; i++) {
                    Libc.closeQuietly(fds[i]);
                }
                kill();
                throw new CommandStartException("cannot read the output of " + label + ": " + e.getMessage(), e);
            }
        }

        /** On the pump's thread: the leader exited; reaps it, which frees its pid. */
        private void exited() {
            try {
                exit.complete(Libc.reap(child.pid()).orElseThrow(
                        () -> new IllegalStateException("pidfd of " + child.pid() + " readable before it exited")));
            } catch (ErrnoException | RuntimeException e) {
                exit.completeExceptionally(e);
            }
        }

        /** Calls the started hook; if it throws, the command is killed first. */
        private void started() {
            try {
                onStarted.run();
            } catch (RuntimeException e) {
                kill();
                throw e;
            }
        }

        /** The exit status, or empty when the timeout passed first. */
        private Optional<Integer> waitForExit() throws InterruptedException {
            try {
                return Optional.of(timeout.isZero() ? exit.get() : exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                return Optional.empty();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot reap " + label + " (pid " + child.pid() + ")", e.getCause());
            }
        }

        /**
         * Terminates the group and the command's descendants, then waits (bounded, ignoring
         * interrupts) for the leader to be reaped and the output to end. Returns whether every
         * process is dead.
         */
        private boolean kill() {
            List<ProcessHandle> extras = exit.isDone() ? List.of()
                    : ProcessHandle.of(child.pid()).map(h -> h.descendants().toList()).orElse(List.of());
            boolean dead = group.terminate(GRACE, extras);
            boolean interrupted = Thread.interrupted();
            long deadline = System.nanoTime() + OUTPUT_WAIT.toNanos();
            while (true) {
                try {
                    exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    ended.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | TimeoutException e) {
                    break;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return dead;
        }
    }

    /** A timeout as messages show it: {@code 1 s}, {@code 1.5 s}. */
    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    /**
     * The output of one command: the tail and capture both streams share, and a line splitter per
     * stream. Its sinks run on the pump's thread; {@link #tail} and {@link #captured} are read
     * after the streams ended (or were given up on).
     */
    private final class Streams {

        private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL_LINES);
        private final Capture capture;

        Streams(int captureLimit) {
            this.capture = captureLimit < 0 ? null : new Capture(captureLimit);
        }

        OutputPump.Sink sink(String stream, Consumer<String> listener, CountDownLatch ended) {
            var lines = new LineSplitter(line -> {
                synchronized (tail) {
                    if (tail.size() == TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line.length() > MAX_TAIL_LINE_CHARS
                            ? line.substring(0, MAX_TAIL_LINE_CHARS) + "..." : line);
                }
                output.line(stream, line);
                listener.accept(line);
            });
            return new OutputPump.Sink() {
                @Override
                public void bytes(byte[] bytes, int n) {
                    if (capture != null) {
                        capture.add(bytes, n);
                    }
                    lines.feed(bytes, 0, n);
                }

                @Override
                public void end() {
                    lines.finish();
                    ended.countDown();
                }
            };
        }

        List<String> tail() {
            synchronized (tail) {
                return List.copyOf(tail);
            }
        }

        Optional<String> captured() {
            return capture == null ? Optional.empty() : capture.text();
        }
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
