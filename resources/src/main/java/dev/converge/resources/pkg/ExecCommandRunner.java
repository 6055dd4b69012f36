package dev.converge.resources.pkg;

import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.exec.CommandFailedException;
import dev.converge.resources.exec.ExecKind;
import dev.converge.resources.exec.ExecParams;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs commands the way the {@code exec} kind does (a process group of their own, killed on
 * timeout or interrupt), through that kind's public API: each command is the {@code cmd} of an
 * unguarded exec resource, applied. Exit status 0 is success; any other is reported by the exec
 * kind as a {@link CommandFailedException} and answered here as an unsuccessful result; any
 * other exception (cannot start, timed out) is rethrown under the pkg resource's id.
 *
 * <p>Stateless and thread-safe.
 */
final class ExecCommandRunner implements CommandRunner {

    private static final ExecKind EXEC = new ExecKind();

    @Override
    public Result run(ResourceId id, ResourceContext ctx, Command command)
            throws ResourceException, InterruptedException {
        List<String> argv = command.argv();
        var params = ExecParams.direct(argv, command.env(), command.timeout().toSeconds());
        var capture = new Capture(ctx, command.echo());
        try {
            EXEC.create(id.toString(), params).checkApply(capture, true);
            return new Result(true, capture.stdout(), capture.stderr());
        } catch (CommandFailedException e) {
            return new Result(false, capture.stdout(), capture.stderr());
        } catch (ResourceException e) {
            throw new ResourceException(id, e.getMessage(), e);
        }
    }

    /**
     * The context the exec resource runs in: keeps stdout (unless echoing) and the last lines of
     * stderr, passes logs and warnings on to the resource's context.
     */
    private static final class Capture implements ResourceContext {

        private final ResourceContext target;
        private final boolean echo;
        private final List<String> stdout = new ArrayList<>();
        private final ArrayDeque<String> stderr = new ArrayDeque<>();

        Capture(ResourceContext target, boolean echo) {
            this.target = target;
            this.echo = echo;
        }

        @Override
        public ResourceId id() {
            return target.id();
        }

        @Override
        public void log(String message) {
            target.log(message);
        }

        @Override
        public void warn(String message) {
            target.warn(message);
        }

        @Override
        public synchronized void output(String stream, String line) {
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
        public void running() {
        }

        @Override
        public void event() {
        }

        @Override
        public PathWatcher paths() {
            return target.paths();
        }

        @Override
        public boolean refreshing() {
            return false;
        }

        synchronized List<String> stdout() {
            return List.copyOf(stdout);
        }

        synchronized List<String> stderr() {
            return List.copyOf(stderr);
        }
    }
}
