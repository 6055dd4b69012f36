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
 * One command run to completion as the leader of a new session and process group (through
 * {@code setsid(1)}), with stdin from {@code /dev/null} and each line of its stdout and stderr
 * passed to {@link ResourceContext#output} as it arrives.
 *
 * <p>Invariant: when {@link #run} returns or throws, no process of the command's group is left
 * alive. On timeout or interrupt the group and every descendant of the command get SIGTERM, then
 * SIGKILL after {@link #GRACE}. When the command exits by itself, whatever it left running in its
 * group is terminated the same way (with a warning); a process that must outlive the command has
 * to leave the group (its own {@code setsid}, a service manager).
 */
final class GroupCommand {

    /** Time between SIGTERM and SIGKILL. */
    static final Duration GRACE = Duration.ofSeconds(2);

    /** Lines of stderr kept for error messages. */
    static final int STDERR_TAIL = 20;

    /** Longer lines are passed on in pieces of at most this many bytes. */
    static final int MAX_LINE_BYTES = 1 << 20;

    private static final int MAX_TAIL_LINE_CHARS = 500;
    private static final Duration LEADER_WAIT = Duration.ofSeconds(5);
    private static final Duration READER_WAIT = Duration.ofSeconds(5);

    /** How the command ended and the last lines it wrote to stderr, oldest first. */
    record Result(int status, List<String> stderrTail) {
    }

    private final ResourceId id;
    private final ResourceContext ctx;
    private final String label;
    private final List<String> command;
    private final String cwd;
    private final Map<String, String> env;
    private final long timeoutSeconds;

    /**
     * @param label          how messages name the command, e.g. {@code `make install`}
     * @param command        program and arguments, run without a shell
     * @param cwd            working directory; empty is the agent's
     * @param env            variables added to the agent's environment
     * @param timeoutSeconds seconds before the group is killed; 0 is no limit
     */
    GroupCommand(ResourceId id, ResourceContext ctx, String label, List<String> command,
            String cwd, Map<String, String> env, long timeoutSeconds) {
        this.id = id;
        this.ctx = ctx;
        this.label = label;
        this.command = List.copyOf(command);
        this.cwd = cwd;
        this.env = Map.copyOf(env);
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * Runs the command and waits for it.
     *
     * @throws ResourceException when it cannot start or times out
     * @throws InterruptedException when the thread is interrupted; the group is dead by then
     */
    Result run() throws ResourceException, InterruptedException {
        ProcessBuilder pb = processBuilder();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ResourceException(id, "cannot start " + label + ": " + e.getMessage(), e);
        }
        long started = System.nanoTime();
        var group = new ProcessGroup(process.pid());
        var tail = new ArrayDeque<String>(STDERR_TAIL);
        Thread out = reader(process.getInputStream(), "stdout", null);
        Thread err = reader(process.getErrorStream(), "stderr", tail);
        try {
            if (!becameGroupLeader(process)) {
                kill(process, group, out, err);
                throw new ResourceException(id, label + " did not become the leader of a process group"
                        + " of its own within " + LEADER_WAIT.toSeconds() + " s; killed it");
            }
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
        return new Result(process.exitValue(), lines);
    }

    private ProcessBuilder processBuilder() throws ResourceException {
        if (command.isEmpty() || command.get(0).isEmpty()) {
            throw new ResourceException(id, "cannot run " + label + ": the command is empty");
        }
        var pb = new ProcessBuilder();
        Path dir;
        if (cwd.isEmpty()) {
            dir = Path.of("").toAbsolutePath();
        } else {
            dir = Path.of(cwd);
            if (!Files.isDirectory(dir)) {
                throw new ResourceException(id, "cannot run " + label + ": cwd " + cwd + " is not a directory");
            }
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        String program = command.get(0);
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
        var argv = new ArrayList<String>(command.size() + 1);
        argv.add(setsid.get().toString());
        argv.addAll(command);
        return pb.command(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
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

    private Thread reader(InputStream in, String stream, ArrayDeque<String> tail) {
        return Thread.ofVirtual().name("exec-" + stream + "-" + id).start(() -> {
            try (in) {
                forEachLine(in, line -> {
                    if (tail != null) {
                        synchronized (tail) {
                            if (tail.size() == STDERR_TAIL) {
                                tail.removeFirst();
                            }
                            tail.addLast(line.length() > MAX_TAIL_LINE_CHARS
                                    ? line.substring(0, MAX_TAIL_LINE_CHARS) + "..." : line);
                        }
                    }
                    ctx.output(stream, line);
                });
            } catch (IOException e) {
                // The pipe broke: the process is gone and there is nothing more to read.
            }
        });
    }

    /**
     * Passes each '\n'-terminated line of {@code in} (without the terminator and a '\r' before
     * it) to {@code sink}, decoded as UTF-8, and then a last unterminated line if there is one.
     * A line longer than {@link #MAX_LINE_BYTES} is passed on in pieces cut at character
     * boundaries, so memory stays bounded.
     */
    static void forEachLine(InputStream in, Consumer<String> sink) throws IOException {
        byte[] buf = new byte[8192];
        var line = new ByteArrayOutputStream();
        int n;
        while ((n = in.read(buf)) != -1) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    line.write(buf, start, i - start);
                    passOversize(line, sink);
                    sink.accept(decodeLine(line.toByteArray()));
                    line.reset();
                    start = i + 1;
                }
            }
            line.write(buf, start, n - start);
            passOversize(line, sink);
        }
        if (line.size() > 0) {
            sink.accept(decodeLine(line.toByteArray()));
        }
    }

    /** While {@code line} holds more than {@link #MAX_LINE_BYTES}, passes on its first piece. */
    private static void passOversize(ByteArrayOutputStream line, Consumer<String> sink) {
        while (line.size() > MAX_LINE_BYTES) {
            byte[] b = line.toByteArray();
            int cut = MAX_LINE_BYTES;
            while (cut > 0 && (b[cut] & 0xC0) == 0x80) {
                cut--;
            }
            if (cut == 0) {
                cut = MAX_LINE_BYTES;
            }
            sink.accept(new String(b, 0, cut, StandardCharsets.UTF_8));
            line.reset();
            line.write(b, cut, b.length - cut);
        }
    }

    private static String decodeLine(byte[] b) {
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }
}
