package dev.converge.resources.exec;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Parameters of an {@code exec} resource: a command that runs when its guards say so. The field
 * names are mgmt's; {@code refreshonly} is converge's own.
 *
 * <p>Each of the commands {@code cmd}, {@code ifcmd}, {@code nifcmd}, {@code donecmd} and
 * {@code watchcmd} comes with a shell and a working directory of its own.
 * With an empty shell the command is split on whitespace and run directly; otherwise it is
 * passed to {@code shell -c}. An empty working directory of a guard, {@code donecmd} or
 * {@code watchcmd} is {@code cwd}; an empty {@code cwd} is the agent's.
 *
 * <p>Invariants: every field but {@code ifequals} is non-null; {@code ifequals} is null when it
 * is not set, which differs from the empty string. Lists and maps are immutable copies.
 *
 * @param cmd         the command; required
 * @param args        extra arguments appended to the split {@code cmd}; only without a shell
 * @param shell       the shell of {@code cmd}, e.g. {@code /bin/sh}; empty runs no shell
 * @param cwd         the working directory, absolute; empty is the agent's
 * @param env         variables added to the agent's environment, for every command
 * @param timeout     seconds each command but {@code watchcmd} may run before its process group
 *                    is killed; 0 is no limit
 * @param user        the user every command runs as (name or uid); empty is the agent's
 * @param group       the group every command runs as (name or gid); empty is the user's primary
 *                    group, or the agent's when {@code user} is empty too
 * @param ifcmd       guard: run {@code cmd} only if this exits 0
 * @param ifshell     the shell of {@code ifcmd}
 * @param ifcwd       the working directory of {@code ifcmd}
 * @param ifequals    guard: when {@code ifcmd} exits 0 and its output (stdout and stderr
 *                    together as written, trailing newline included) equals this, do not run
 *                    {@code cmd}; null is no such guard
 * @param nifcmd      guard: run {@code cmd} only if this exits non-zero
 * @param nifshell    the shell of {@code nifcmd}
 * @param nifcwd      the working directory of {@code nifcmd}
 * @param creates     guard: do not run {@code cmd} while this absolute path exists; also watched
 * @param donecmd     runs after {@code cmd} succeeded; its failure is the resource's
 * @param doneshell   the shell of {@code donecmd}
 * @param donecwd     the working directory of {@code donecmd}
 * @param refreshonly run only when the check answers a refresh along a notify edge
 * @param watchcmd    runs for as long as the resource is watched; each non-empty line it
 *                    prints on stdout is an event, and its exit is an error
 * @param watchshell  the shell of {@code watchcmd}
 * @param watchcwd    the working directory of {@code watchcmd}
 * @param watchfiles  absolute paths whose change is an event
 * @param pollint     legacy mgmt field (polling interval); ignored
 * @param state       legacy mgmt field; {@code present} or empty; ignored
 */
public record ExecParams(
        String cmd,
        List<String> args,
        String shell,
        String cwd,
        Map<String, String> env,
        long timeout,
        String user,
        String group,
        String ifcmd,
        String ifshell,
        String ifcwd,
        String ifequals,
        String nifcmd,
        String nifshell,
        String nifcwd,
        String creates,
        String donecmd,
        String doneshell,
        String donecwd,
        boolean refreshonly,
        String watchcmd,
        String watchshell,
        String watchcwd,
        List<String> watchfiles,
        long pollint,
        String state) {

    /** Every field at its default: no command, no guard, nothing watched. */
    public static final ExecParams DEFAULTS = new ExecParams(
            "", List.of(), "", "", Map.of(), 0, "", "",
            "", "", "", null,
            "", "", "",
            "",
            "", "", "",
            false,
            "", "", "", List.of(),
            0, "");

    public ExecParams {
        args = List.copyOf(args);
        env = Map.copyOf(env);
        watchfiles = List.copyOf(watchfiles);
        Objects.requireNonNull(cmd, "cmd");
        Objects.requireNonNull(shell, "shell");
        Objects.requireNonNull(cwd, "cwd");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(ifcmd, "ifcmd");
        Objects.requireNonNull(ifshell, "ifshell");
        Objects.requireNonNull(ifcwd, "ifcwd");
        Objects.requireNonNull(nifcmd, "nifcmd");
        Objects.requireNonNull(nifshell, "nifshell");
        Objects.requireNonNull(nifcwd, "nifcwd");
        Objects.requireNonNull(creates, "creates");
        Objects.requireNonNull(donecmd, "donecmd");
        Objects.requireNonNull(doneshell, "doneshell");
        Objects.requireNonNull(donecwd, "donecwd");
        Objects.requireNonNull(watchcmd, "watchcmd");
        Objects.requireNonNull(watchshell, "watchshell");
        Objects.requireNonNull(watchcwd, "watchcwd");
        Objects.requireNonNull(state, "state");
    }

    /** The command {@code cmd}, split on whitespace and run without a shell; every other field at its default. */
    public static ExecParams of(String cmd) {
        return direct(List.of(cmd), Map.of(), 0);
    }

    /**
     * {@code argv[0]} run without a shell or guards with the rest of {@code argv} as arguments,
     * {@code env} added to the agent's environment, killed after {@code timeoutSeconds} (0: never).
     */
    private static ExecParams direct(List<String> argv, Map<String, String> env, long timeoutSeconds) {
        ExecParams d = DEFAULTS;
        return new ExecParams(argv.getFirst(), argv.subList(1, argv.size()), d.shell, d.cwd, env, timeoutSeconds,
                d.user, d.group, d.ifcmd, d.ifshell, d.ifcwd, d.ifequals, d.nifcmd, d.nifshell, d.nifcwd,
                d.creates, d.donecmd, d.doneshell, d.donecwd, d.refreshonly, d.watchcmd, d.watchshell, d.watchcwd,
                d.watchfiles, d.pollint, d.state);
    }
}
