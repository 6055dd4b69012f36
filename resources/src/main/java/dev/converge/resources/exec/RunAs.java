package dev.converge.resources.exec;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Who the commands of a resource run as: the {@code setpriv(1)} options that switch to the
 * resource's {@code user} and {@code group}, and the variables that describe that user.
 *
 * <p>{@code setpriv} execs the command in the same process, so it stays the leader of the
 * process group {@code setsid(1)} gave it and dies with that group.
 *
 * <p>Invariants: {@link #AGENT} has no options and no variables; any other value names numeric
 * ids only, resolved when it was made.
 *
 * @param setpriv     {@code setpriv} and its options, to put before the command; empty to run
 *                    as the agent
 * @param environment {@code HOME}, {@code USER} and {@code LOGNAME} of the user; empty when
 *                    only the group changes
 */
record RunAs(List<String> setpriv, Map<String, String> environment) {

    /** Runs commands as the agent runs. */
    static final RunAs AGENT = new RunAs(List.of(), Map.of());

    /** What {@code user} and {@code group} may be: a name as useradd(8) accepts it, or an id. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}\\$?");

    private static final long LOOKUP_SECONDS = 10;

    RunAs {
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
    static RunAs resolve(ResourceId id, String user, String group)
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
        Process p;
        try {
            p = new ProcessBuilder(getent.toString(), database, name)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new ResourceException(id, "cannot look up " + field + " '" + name + "': " + e.getMessage(), e);
        }
        String out;
        try {
            if (!p.waitFor(LOOKUP_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ResourceException(id, "cannot look up " + field + " '" + name + "': getent "
                        + database + " did not answer within " + LOOKUP_SECONDS + " s");
            }
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw e;
        } catch (IOException e) {
            throw new ResourceException(id, "cannot look up " + field + " '" + name + "': " + e.getMessage(), e);
        }
        int status = p.exitValue();
        if (status == 2) {
            throw new ResourceException(id, field + ": no such " + field + " '" + name + "' on this host");
        }
        String entry = out.lines().findFirst().orElse("");
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

    /** The agent's effective uid (the owner of its {@code /proc/self}), or -1 when unknown. */
    private static int effectiveUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
