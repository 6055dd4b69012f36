package dev.converge.resources.exec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Linux process group, seen through {@code /proc} and signalled with {@code kill(1)}.
 *
 * <p>Zombies count as dead: a process that has exited but was not reaped (for instance because
 * PID 1 of a container does not reap) holds no resources but its process-table slot.
 *
 * <p>{@link #killNow} may be called from any thread while another thread runs
 * {@link #terminate}; the termination then skips the rest of its grace period.
 */
final class ProcessGroup {

    private static final Path PROC = Path.of("/proc");
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final long pgid;
    private final Optional<Path> killCommand;
    /** Set once by {@link #killNow}: no more grace for the group. */
    private volatile boolean hurried;

    ProcessGroup(long pgid) {
        this.pgid = pgid;
        this.killCommand = Executables.findOnAgentPath("kill");
    }

    long id() {
        return pgid;
    }

    /** The fields of {@code /proc/PID/stat} this class uses. */
    record Stat(char state, long ppid, long pgrp, long session) {

        boolean dead() {
            return state == 'Z' || state == 'X';
        }
    }

    /** The process's stat, or empty when there is no such process. */
    static Optional<Stat> stat(long pid) {
        String text;
        try {
            text = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        } catch (IOException e) {
            return Optional.empty();
        }
        int close = text.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] f = text.substring(close + 2).split(" ");
        if (f.length < 4 || f[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Stat(f[0].charAt(0),
                    Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True when the process exists and is not a zombie. */
    static boolean alive(long pid) {
        return stat(pid).filter(s -> !s.dead()).isPresent();
    }

    /** The pids of the group's live (non-zombie) processes at the moment of the scan. */
    List<Long> members() {
        var pids = new ArrayList<Long>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                long pid = parsePid(p.getFileName().toString());
                if (pid > 0) {
                    stat(pid).filter(s -> s.pgrp() == pgid && !s.dead()).ifPresent(s -> pids.add(pid));
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("/proc is not mounted; cannot track process groups", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return pids;
    }

    boolean isEmpty() {
        return members().isEmpty();
    }

    /**
     * Sends SIGKILL to the group, and ends the grace period of a {@link #terminate} under way or
     * to come. Does not wait for the processes to die; an interrupt meanwhile is kept.
     */
    void killNow() {
        hurried = true;
        if (signalGroup("KILL")) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends every process of the group and each of {@code extras} (descendants that may have left
     * the group): SIGTERM, then SIGKILL to whatever is still alive after {@code grace} (at once
     * after {@link #killNow}), then waits for all of them to die. Does not stop when the thread is interrupted; the interrupt status
     * is set again on return.
     *
     * @return true when nothing of the group or {@code extras} is left alive
     */
    boolean terminate(Duration grace, Collection<ProcessHandle> extras) {
        boolean interrupted = false;
        try {
            interrupted |= signalGroup("TERM");
            extras.forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + grace.toNanos();
            while (!hurried && !gone(extras) && System.nanoTime() < deadline) {
                interrupted |= pause();
            }
            long killDeadline = System.nanoTime() + KILL_WAIT.toNanos();
            while (!gone(extras)) {
                interrupted |= signalGroup("KILL");
                for (long pid : members()) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
                extras.forEach(ProcessHandle::destroyForcibly);
                if (System.nanoTime() >= killDeadline) {
                    return false;
                }
                interrupted |= pause();
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean gone(Collection<ProcessHandle> extras) {
        return isEmpty() && extras.stream().noneMatch(h -> alive(h.pid()));
    }

    /**
     * Sends a signal to the whole group at once, or to each member when kill(1) is missing.
     * Returns whether the thread was interrupted meanwhile; the interrupt is not lost.
     */
    private boolean signalGroup(String signal) {
        if (killCommand.isPresent()) {
            var pb = new ProcessBuilder(killCommand.get().toString(), "-s", signal, "--", "-" + pgid)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            try {
                Process kill = pb.start();
                boolean interrupted = false;
                while (true) {
                    try {
                        kill.waitFor(5, TimeUnit.SECONDS);
                        return interrupted;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } catch (IOException e) {
                // kill(1) cannot be started: fall through and signal the members one by one.
            }
        }
        for (long pid : members()) {
            ProcessHandle.of(pid).ifPresent(
                    "KILL".equals(signal) ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
        }
        return false;
    }

    /** Sleeps one poll interval; returns whether the sleep was interrupted. */
    private static boolean pause() {
        try {
            Thread.sleep(POLL);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    private static long parsePid(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(name);
    }
}
