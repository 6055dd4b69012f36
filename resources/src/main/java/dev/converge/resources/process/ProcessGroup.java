package dev.converge.resources.process;

import dev.converge.resources.posix.Libc;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;

/**
 * A Linux process group, signalled with {@code kill(-pgid, sig)}. The group is empty when
 * {@code kill(-pgid, 0)} answers {@code ESRCH}; its leader counts until it is reaped.
 *
 * <p>Only a termination that outlasts SIGKILL reads {@code /proc}: members that are zombies
 * (whose parent does not reap them, as PID 1 of some containers) hold nothing but a process-table
 * slot and then count as dead.
 *
 * <p>{@link #killNow} may be called from any thread while another thread runs
 * {@link #terminate}; the termination then skips the rest of its grace period.
 */
final class ProcessGroup {

    private static final Path PROC = Path.of("/proc");
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final int pgid;
    /** Set once by {@link #killNow}: no more grace for the group. */
    private volatile boolean hurried;

    ProcessGroup(int pgid) {
        this.pgid = pgid;
    }

    int id() {
        return pgid;
    }

    /** Whether no process is left in the group (a leader not yet reaped still counts). */
    boolean isEmpty() {
        return Libc.kill(-pgid, 0) == Libc.ESRCH;
    }

    /**
     * Sends SIGKILL to the group, and ends the grace period of a {@link #terminate} under way or
     * to come. Does not wait for the processes to die.
     */
    void killNow() {
        hurried = true;
        Libc.kill(-pgid, Libc.SIGKILL);
    }

    /**
     * Ends every process of the group and each of {@code extras} (descendants that may have left
     * the group): SIGTERM, then SIGKILL to whatever is still alive after {@code grace} (at once
     * after {@link #killNow}), then waits for all of them to die. Does not stop when the thread
     * is interrupted; the interrupt status is set again on return.
     *
     * @return true when nothing of the group or {@code extras} is left alive
     */
    boolean terminate(Duration grace, Collection<ProcessHandle> extras) {
        boolean interrupted = false;
        try {
            Libc.kill(-pgid, Libc.SIGTERM);
            extras.forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + grace.toNanos();
            while (!hurried && !gone(extras, false) && System.nanoTime() < deadline) {
                interrupted |= pause();
            }
            long killDeadline = System.nanoTime() + KILL_WAIT.toNanos();
            boolean killed = false;
            while (!gone(extras, killed)) {
                Libc.kill(-pgid, Libc.SIGKILL);
                extras.forEach(ProcessHandle::destroyForcibly);
                killed = true;
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

    /** Whether the group and {@code extras} are gone; after SIGKILL, zombies count as gone. */
    private boolean gone(Collection<ProcessHandle> extras, boolean afterKill) {
        boolean groupGone = isEmpty() || (afterKill && onlyZombiesLeft());
        return groupGone && extras.stream().noneMatch(h -> alive(h.pid()));
    }

    /** Whether every process of the group is a zombie: a scan of {@code /proc}, for the kill path only. */
    private boolean onlyZombiesLeft() {
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC, p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path p : dir) {
                Optional<Stat> stat = stat(Long.parseLong(p.getFileName().toString()));
                if (stat.isPresent() && stat.get().pgrp() == pgid && !stat.get().dead()) {
                    return false;
                }
            }
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** The fields of {@code /proc/PID/stat} this class uses. */
    record Stat(char state, long pgrp) {

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
        if (close < 0 || close + 2 >= text.length()) {
            return Optional.empty();
        }
        String[] f = text.substring(close + 2).split(" ");
        if (f.length < 4 || f[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[2])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True when the process exists and is not a zombie. */
    static boolean alive(long pid) {
        return stat(pid).filter(s -> !s.dead()).isPresent();
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
}
