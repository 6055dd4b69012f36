package dev.converge.resources.exec;

import java.util.List;
import java.util.Map;

/**
 * Parameters of an {@code exec} resource: a command that runs when its guards say so.
 *
 * @param cmd        the command; with an empty {@code shell} it is split on whitespace and run
 *                   directly, otherwise it is passed to {@code shell -c}
 * @param shell      the shell that runs {@code cmd}, e.g. {@code /bin/sh}; empty runs no shell
 * @param args       extra arguments appended to the split {@code cmd} (only without a shell)
 * @param cwd        working directory; empty is the agent's
 * @param env        variables added to the agent's environment
 * @param timeout    seconds the command may run before its whole process group is killed; 0 is
 *                   no limit
 * @param ifcmd      guard: run {@code cmd} only if this exits 0; empty is no guard
 * @param ifshell    the shell that runs {@code ifcmd}; empty splits it on whitespace
 * @param creates    guard: skip {@code cmd} if this path exists; empty is no guard
 * @param watchcmd   mgmt's watch command; each line it prints would be an event
 * @param watchshell the shell of {@code watchcmd}
 * @param pollint    legacy mgmt field (polling interval); 0 is the only value with no effect
 * @param state      legacy mgmt field; {@code present} or empty
 */
public record ExecParams(
        String cmd,
        String shell,
        List<String> args,
        String cwd,
        Map<String, String> env,
        long timeout,
        String ifcmd,
        String ifshell,
        String creates,
        String watchcmd,
        String watchshell,
        long pollint,
        String state) {

    public static final ExecParams DEFAULTS =
            new ExecParams("", "", List.of(), "", Map.of(), 0, "", "", "", "", "", 0, "");

    public ExecParams {
        args = List.copyOf(args);
        env = Map.copyOf(env);
    }
}
