package dev.converge.resources.process;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The process groups of the commands being run, so that all of them can be killed at once when
 * the agent must stop now (its second SIGTERM or SIGINT).
 *
 * <p>A {@link GroupCommand} adds its group as soon as the command is started and removes it when
 * {@code run} ends, by which time the group is dead (or has survived SIGKILL and been given up
 * on). Once {@link #killAll} has been called, a command does not start any more
 * ({@link #killing}), and a group added later, by a command that was starting at that moment, is
 * killed as it is added: it does not escape.
 *
 * <p>How a group is signalled is its own business ({@link Member#killNow}); this registry only
 * knows which groups are live.
 *
 * <p>Thread-safe: any thread may call any method, a JVM signal thread included.
 */
public final class LiveGroups {

    /** A process group as this registry sees it. */
    @FunctionalInterface
    interface Member {

        /**
         * Sends SIGKILL to the whole group now, and makes a termination of the group under way
         * skip the rest of its grace period. Returns without waiting for the group to die.
         */
        void killNow();
    }

    private static final LiveGroups AGENT = new LiveGroups();

    /** Identity matters, not equality: each run of a command adds its own member. */
    private final Set<Member> members = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean killing;

    LiveGroups() {
    }

    /** The groups of every command this JVM runs. */
    public static LiveGroups agent() {
        return AGENT;
    }

    /** Adds a live group; kills it at once when {@link #killAll} was already called. */
    void add(Member group) {
        boolean kill;
        synchronized (this) {
            members.add(group);
            kill = killing;
        }
        if (kill) {
            group.killNow();
        }
    }

    /** Whether {@link #killAll} has been called: a command must not start any more. */
    synchronized boolean killing() {
        return killing;
    }

    /** Removes a group whose command has ended; a group not present is ignored. */
    synchronized void remove(Member group) {
        members.remove(group);
        notifyAll();
    }

    /** How many groups are live now. */
    public synchronized int size() {
        return members.size();
    }

    /**
     * Sends SIGKILL to every live group now, and to every group added from now on; it cannot be
     * undone. Does not wait for the groups to die (see {@link #awaitNone}).
     *
     * @return how many groups were live
     */
    public int killAll() {
        List<Member> now;
        synchronized (this) {
            killing = true;
            now = List.copyOf(members);
        }
        now.forEach(Member::killNow);
        return now.size();
    }

    /**
     * Waits until no group is live, at most {@code timeout}.
     *
     * @return true when none is
     */
    public synchronized boolean awaitNone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!members.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
