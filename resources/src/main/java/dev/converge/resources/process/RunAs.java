package dev.converge.resources.process;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.posix.Libc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who the commands of a resource run as: the {@code setpriv(1)} options that switch to the
 * resource's {@code user} and {@code group}, and the variables that describe that user.
 *
 * <p>{@code setpriv} execs the command in the same process, so it stays the leader of the
 * process group {@code posix_spawn} gave it and dies with that group.
 *
 * <p>Invariants: {@link #AGENT} has no options and no variables; any other value names numeric
 * ids only, resolved when it was made.
 *
 * @param setpriv     {@code setpriv} and its options, to put before the command; empty to run
 *                    as the agent
 * @param environment {@code HOME}, {@code USER} and {@code LOGNAME} of the user; empty when
 *                    only the group changes
 */
public record RunAs(List<String> setpriv, Map<String, String> environment) {

    /** Runs commands as the agent runs. */
    public static final RunAs AGENT = new RunAs(List.of(), Map.of());

    /** What {@code user} and {@code group} may be: a name as useradd(8) accepts it, or an id. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}\\$?");

    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOOKUP_OUTPUT_BYTES = 64 * 1024;

    public RunAs {
        setpriv = List.copyOf(setpriv);
        environment = Map.copyOf(environment);
    }

    /**
     * Looks {@code user} and {@code group} up (through {@code getent}, so NSS sources count) as
     * they are now; both empty is {@link #AGENT}.
     *
     * @throws ResourceException when the agent is not root, the user or group does not exist,
     *     or {@code getent} or {@code setpriv} is missing
     */
    public static RunAs resolve(ResourceId id, String user, String group)
            throws ResourceException, InterruptedException {
        if (user.isEmpty() && group.isEmpty()) {
            return AGENT;
        }
        String who = user.isEmpty() ? "group '" + group + "'" : "user '" + user + "'"
                + (group.isEmpty() ? "" : " and group '" + group + "'");
        if (effectiveUid() != 0) {
            throw new ResourceException(id, "cannot run commands as " + who
                    + ": that needs the agent to run as root");
        }
        Path setpriv = Executables.findOnAgentPath("setpriv").orElseThrow(() -> new ResourceException(id,
                "cannot run commands as " + who + ": setpriv (util-linux) is not installed"));
        var options = new ArrayList<String>();
        options.add(setpriv.toString());
        Map<String, String> environment = Map.of();
        String gid = group.isEmpty() ? "" : lookup(id, "group", group).get(2);
        if (!user.isEmpty()) {
            List<String> pw = lookup(id, "passwd", user);
            options.add("--reuid=" + pw.get(2));
            options.add("--regid=" + (gid.isEmpty() ? pw.get(3) : gid));
            options.add("--init-groups");
            environment = Map.of("HOME", pw.get(5), "USER", pw.get(0), "LOGNAME", pw.get(0));
        } else {
            options.add("--regid=" + gid);
            options.add("--clear-groups");
        }
        options.add("--");
        return new RunAs(options, environment);
    }

    /** The fields of {@code name}'s entry in {@code database} ({@code passwd} or {@code group}). */
    private static List<String> lookup(ResourceId id, String database, String name)
            throws ResourceException, InterruptedException {
        String field = database.equals("passwd") ? "user" : "group";
        Path getent = Executables.findOnAgentPath("getent").orElseThrow(() -> new ResourceException(id,
                "cannot look up " + field + " '" + name + "': getent is not installed"));
        GroupCommand.Result result;
        try {
            result = new GroupCommand("getent " + database + " " + name, List.of(getent.toString(), database, name),
                    "", Map.of(), LOOKUP_TIMEOUT, AGENT, CommandOutput.DISCARD).withCapture(LOOKUP_OUTPUT_BYTES).run();
        } catch (CommandException e) {
            throw new ResourceException(id, "cannot look up " + field + " '" + name + "': " + e.getMessage(), e);
        }
        int status = result.status();
        if (status == 2) {
            throw new ResourceException(id, field + ": no such " + field + " '" + name + "' on this host");
        }
        String entry = result.output().orElse("").lines().findFirst().orElse("");
        List<String> fields = List.of(entry.split(":", -1));
        int expected = database.equals("passwd") ? 7 : 4;
        if (status != 0 || fields.size() < expected || !isId(fields.get(2))
                || (database.equals("passwd") && !isId(fields.get(3)))) {
            throw new ResourceException(id, "cannot look up " + field + " '" + name + "': getent "
                    + database + " exited with status " + status + " and printed '" + entry + "'");
        }
        return fields;
    }

    private static boolean isId(String s) {
        return !s.isEmpty() && s.length() <= 10 && s.chars().allMatch(Character::isDigit);
    }

    /** The agent's effective uid. */
    private static int effectiveUid() {
        return Libc.geteuid();
    }
}
