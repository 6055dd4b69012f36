package dev.converge.resources.exec;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * mgmt's {@code exec}: runs {@code cmd} unless a guard says the state is already right.
 *
 * <p>Guards, in order: {@code creates} names an existing path; {@code ifcmd} exits non-zero.
 * Without guards every call runs the command. {@code ifcmd} runs even when not applying (it is
 * part of the check) with the same cwd, env and timeout as {@code cmd}; {@code cmd} runs only
 * when applying. Both run as in {@link GroupCommand}: in a process group of their own that is
 * dead by the time {@code checkApply} returns or throws.
 */
final class ExecResource implements Resource {

    private final ResourceId id;
    private final ExecParams params;

    ExecResource(ResourceId id, ExecParams params) {
        this.id = id;
        this.params = params;
    }

    @Override
    public ResourceId id() {
        return id;
    }

    @Override
    public CheckResult checkApply(ResourceContext ctx, boolean apply)
            throws ResourceException, InterruptedException {
        if (!params.creates().isEmpty() && exists(params.creates())) {
            return CheckResult.ok();
        }
        if (!params.ifcmd().isEmpty()) {
            var guard = new GroupCommand(id, ctx, "ifcmd `" + params.ifcmd() + "`",
                    commandLine(params.ifcmd(), params.ifshell(), List.of()),
                    params.cwd(), params.env(), params.timeout());
            if (guard.run().status() != 0) {
                return CheckResult.ok();
            }
        }
        String shown = shown();
        if (!apply) {
            return CheckResult.changed("would run: " + shown);
        }
        var run = new GroupCommand(id, ctx, "`" + shown + "`",
                commandLine(params.cmd(), params.shell(), params.args()),
                params.cwd(), params.env(), params.timeout());
        GroupCommand.Result result = run.run();
        if (result.status() == 0) {
            return CheckResult.changed("ran `" + shown + "`");
        }
        List<String> tail = result.stderrTail();
        throw new ResourceException(id, "`" + shown + "` exited with status " + result.status()
                + (tail.isEmpty() ? "" : "; last " + tail.size() + " line(s) of stderr:\n"
                        + String.join("\n", tail)));
    }

    /** Without a shell: {@code cmd} split on whitespace, then {@code args}; else {@code shell -c cmd}. */
    static List<String> commandLine(String cmd, String shell, List<String> args) {
        if (!shell.isEmpty()) {
            return List.of(shell, "-c", cmd);
        }
        var argv = new ArrayList<String>();
        String trimmed = cmd.strip();
        if (!trimmed.isEmpty()) {
            argv.addAll(Arrays.asList(trimmed.split("\\s+")));
        }
        argv.addAll(args);
        return argv;
    }

    private String shown() {
        return params.args().isEmpty() ? params.cmd() : params.cmd() + " " + String.join(" ", params.args());
    }

    private boolean exists(String path) throws ResourceException {
        try {
            return Files.exists(Path.of(path));
        } catch (InvalidPathException e) {
            throw new ResourceException(id, "creates: invalid path '" + path + "': " + e.getMessage(), e);
        }
    }
}
