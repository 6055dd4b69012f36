package dev.converge.resources.pkg;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the package manager's commands. The production runner is {@link ProcessCommandRunner}; tests
 * of the dnf backend record the command lines instead.
 */
interface CommandRunner {

    /**
     * One command line, run without a shell.
     *
     * <p>Invariant: no argument is empty or contains whitespace (package names, versions and
     * options never do), so the logged {@link #line()} reads back as exactly this argv.
     *
     * @param argv    program and arguments
     * @param env     variables added to the agent's environment
     * @param timeout how long it may run; zero is no limit
     * @param echo    pass its output on to the resource's log instead of keeping stdout
     */
    record Command(List<String> argv, Map<String, String> env, Duration timeout, boolean echo) {

        /** A read-only query: C locale, {@code searchPath} as PATH, {@link Backend#QUERY_TIMEOUT}, not echoed. */
        static Command query(List<String> argv, String searchPath) {
            return new Command(argv, Map.of("PATH", searchPath, "LC_ALL", "C"), Backend.QUERY_TIMEOUT, false);
        }

        public Command {
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("empty command");
            }
            for (String a : argv) {
                if (a.isEmpty() || a.chars().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("argument '" + a + "' is empty or contains whitespace");
                }
            }
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("negative timeout");
            }
        }

        /** The command line as a user would type it. */
        String line() {
            return String.join(" ", argv);
        }
    }

    /**
     * How a command ended.
     *
     * @param succeeded true when it exited with status 0
     * @param stdout    every line it printed on stdout, unless it was echoed (then empty)
     * @param stderr    the lines it printed on stderr (at most {@link #STDERR_LINES}, the last ones)
     */
    record Result(boolean succeeded, List<String> stdout, List<String> stderr) {

        static final int STDERR_LINES = 200;

        public Result {
            stdout = List.copyOf(stdout);
            stderr = List.copyOf(stderr);
        }

        /** The last few lines of stderr, for an error message. */
        String stderrTail() {
            List<String> tail = stderr.subList(Math.max(0, stderr.size() - 10), stderr.size());
            return tail.isEmpty() ? "" : "; stderr:\n" + String.join("\n", tail);
        }
    }

    /**
     * Runs {@code command} for the resource {@code id} to completion.
     *
     * @param ctx the resource's context: it receives echoed output and warnings; may be a context
     *            that discards everything (as for path hints, which have none)
     * @throws ResourceException when the command cannot be started or times out
     * @throws InterruptedException when the thread is interrupted; the command is dead by then
     */
    Result run(ResourceId id, ResourceContext ctx, Command command)
            throws ResourceException, InterruptedException;
}
