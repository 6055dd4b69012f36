package dev.converge.resources.pkg;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.process.CommandException;
import dev.converge.resources.process.CommandOutput;
import dev.converge.resources.process.GroupCommand;
import dev.converge.resources.process.RunAs;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the package manager's commands as every command of the agent runs: a {@link GroupCommand},
 * a process group of its own killed on timeout or interrupt. A command that cannot start or
 * times out fails the pkg resource ({@link ResourceException} with its id); any exit status is an
 * answer.
 *
 * <p>Stateless and thread-safe.
 */
final class ProcessCommandRunner implements CommandRunner {

    @Override
    public Result run(ResourceId id, ResourceContext ctx, Command command)
            throws ResourceException, InterruptedException {
        var lines = new Lines(ctx, command.echo());
        GroupCommand.Result result;
        try {
            result = new GroupCommand("`" + command.line() + "`", command.argv(), "", command.env(), command.timeout(),
                    RunAs.AGENT, lines).run();
        } catch (CommandException e) {
            throw new ResourceException(id, e.getMessage(), e);
        }
        return new Result(result.status() == 0, lines.stdout(), lines.stderr());
    }

    /**
     * Keeps stdout (unless echoing it to the resource's output) and the last lines of stderr;
     * passes warnings on to the resource. Lines arrive on the output thread, the rest is read
     * after the command ended.
     */
    private static final class Lines implements CommandOutput {

        private final ResourceContext target;
        private final boolean echo;
        private final List<String> stdout = new ArrayList<>();
        private final ArrayDeque<String> stderr = new ArrayDeque<>();

        Lines(ResourceContext target, boolean echo) {
            this.target = target;
            this.echo = echo;
        }

        @Override
        public synchronized void line(String stream, String line) {
            if (echo) {
                target.output(stream, line);
            }
            if ("stderr".equals(stream)) {
                if (stderr.size() == Result.STDERR_LINES) {
                    stderr.removeFirst();
                }
                stderr.addLast(line);
            } else if (!echo) {
                stdout.add(line);
            }
        }

        @Override
        public void warn(String message) {
            target.warn(message);
        }

        synchronized List<String> stdout() {
            return List.copyOf(stdout);
        }

        synchronized List<String> stderr() {
            return List.copyOf(stderr);
        }
    }
}
