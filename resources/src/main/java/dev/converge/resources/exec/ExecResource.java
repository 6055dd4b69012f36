package dev.converge.resources.exec;

import dev.converge.resources.CheckResult;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.exec.CommandLine.Role;
import dev.converge.resources.process.CommandException;
import dev.converge.resources.process.CommandOutput;
import dev.converge.resources.process.GroupCommand;
import dev.converge.resources.process.RunAs;
import dev.converge.resources.watch.EventGate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * mgmt's {@code exec}: runs {@code cmd} unless a guard says the state is already right.
 *
 * <p>checkApply, in order: with {@code refreshonly} and no refresh, nothing runs and the answer
 * is ok. Then the guards, the first that says so skipping {@code cmd}: {@code creates} exists;
 * (after looking up {@code user} and {@code group}) {@code ifcmd} exits non-zero, or exits 0
 * with output equal to {@code ifequals}; {@code nifcmd} exits 0. Guards run when not applying
 * too (they are the check); {@code cmd} and {@code donecmd} only when applying. A refresh does
 * not bypass the guards.
 *
 * <p>watch: each change of a {@code watchfiles} path or of {@code creates} is an event, and so
 * is each non-empty stdout line of {@code watchcmd}, which runs for as long as the watch does;
 * its exit fails the watch. No event is reported before {@code running()}.
 *
 * <p>Every command runs as {@link GroupCommand} runs it, as {@code user}/{@code group}, with
 * {@code env}; all but {@code watchcmd} with {@code timeout}. Immutable and thread-safe.
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
        if (params.refreshonly() && !ctx.refreshing()) {
            return CheckResult.ok();
        }
        Optional<String> skip = createsExists();
        if (skip.isPresent()) {
            return skipped(ctx, skip.get());
        }
        RunAs runAs = RunAs.resolve(id, params.user(), params.group());
        skip = guardCommands(ctx, runAs);
        if (skip.isPresent()) {
            return skipped(ctx, skip.get());
        }
        CommandLine cmd = command(Role.CMD);
        CommandLine done = command(Role.DONECMD);
        var changes = new ArrayList<String>();
        if (!apply) {
            changes.add("run " + cmd.label());
            if (!done.isEmpty()) {
                changes.add("run " + done.label());
            }
            return new CheckResult(changes);
        }
        runToSuccess(ctx, cmd, runAs);
        changes.add("ran " + cmd.label());
        if (!done.isEmpty()) {
            runToSuccess(ctx, done, runAs);
            changes.add("ran " + done.label());
        }
        return new CheckResult(changes);
    }

    /** The answer when a guard objects; a refresh that it stops is logged. */
    private CheckResult skipped(ResourceContext ctx, String why) {
        if (ctx.refreshing()) {
            ctx.log("refreshed, but " + why + ": not running " + command(Role.CMD).label());
        }
        return CheckResult.ok();
    }

    private Optional<String> createsExists() {
        return !params.creates().isEmpty() && Files.exists(Path.of(params.creates()))
                ? Optional.of("creates " + params.creates() + " exists")
                : Optional.empty();
    }

    /** Why {@code ifcmd} or {@code nifcmd} says {@code cmd} must not run, or empty when neither does. */
    private Optional<String> guardCommands(ResourceContext ctx, RunAs runAs)
            throws ResourceException, InterruptedException {
        CommandLine ifcmd = command(Role.IFCMD);
        if (!ifcmd.isEmpty()) {
            GroupCommand guard = process(ctx, ifcmd, runAs);
            if (params.ifequals() != null) {
                guard = guard.withCapture(params.ifequals().getBytes(StandardCharsets.UTF_8).length);
            }
            GroupCommand.Result result = run(guard);
            if (result.status() != 0) {
                return Optional.of(ifcmd.label() + " exited with status " + result.status());
            }
            if (params.ifequals() != null && result.output().filter(params.ifequals()::equals).isPresent()) {
                return Optional.of("the output of " + ifcmd.label() + " equals ifequals");
            }
        }
        CommandLine nifcmd = command(Role.NIFCMD);
        if (!nifcmd.isEmpty() && run(process(ctx, nifcmd, runAs)).status() == 0) {
            return Optional.of(nifcmd.label() + " exited with status 0");
        }
        return Optional.empty();
    }

    private void runToSuccess(ResourceContext ctx, CommandLine command, RunAs runAs)
            throws ResourceException, InterruptedException {
        GroupCommand.Result result = run(process(ctx, command, runAs));
        if (result.status() != 0) {
            throw new CommandFailedException(id, command.label(), result.status(), result.tail(),
                    "exited with status " + result.status());
        }
    }

    /** Only with {@code watchfiles}, {@code creates} or {@code watchcmd}: otherwise nothing can report drift. */
    @Override
    public boolean watches() {
        return !watchedPaths().isEmpty() || !command(Role.WATCHCMD).isEmpty();
    }

    @Override
    public void watch(ResourceContext ctx) throws Exception {
        var gate = new EventGate(ctx);
        var subscriptions = new ArrayList<PathWatcher.Subscription>();
        try {
            for (Path path : watchedPaths()) {
                subscriptions.add(ctx.paths().subscribe(path, gate::event));
            }
            CommandLine watchcmd = command(Role.WATCHCMD);
            if (watchcmd.isEmpty()) {
                gate.open();
                Thread.sleep(Long.MAX_VALUE);
                return;
            }
            RunAs runAs = RunAs.resolve(id, params.user(), params.group());
            GroupCommand.Result result = run(command(ctx, watchcmd, runAs, Duration.ZERO)
                    .withStdoutListener(line -> {
                        if (!line.isEmpty()) {
                            gate.event();
                        }
                    })
                    .withStartedHook(gate::open));
            throw new CommandFailedException(id, watchcmd.label(), result.status(), result.tail(),
                    "exited with status " + result.status() + "; a watch command must keep running");
        } finally {
            subscriptions.forEach(PathWatcher.Subscription::close);
        }
    }

    /** {@code watchfiles} and {@code creates}, without duplicates. */
    private Set<Path> watchedPaths() {
        var paths = new LinkedHashSet<Path>();
        params.watchfiles().forEach(f -> paths.add(Path.of(f).normalize()));
        if (!params.creates().isEmpty()) {
            paths.add(Path.of(params.creates()).normalize());
        }
        return paths;
    }

    private CommandLine command(Role role) {
        return CommandLine.of(params, role);
    }

    private GroupCommand process(ResourceContext ctx, CommandLine command, RunAs runAs) {
        return command(ctx, command, runAs, Duration.ofSeconds(params.timeout()));
    }

    private GroupCommand command(ResourceContext ctx, CommandLine command, RunAs runAs, Duration timeout) {
        return new GroupCommand(command.label(), command.argv(), command.cwd(), params.env(), timeout, runAs,
                CommandOutput.of(ctx));
    }

    /** Runs {@code command}; a command that cannot start or times out fails the resource. */
    private GroupCommand.Result run(GroupCommand command) throws ResourceException, InterruptedException {
        try {
            return command.run();
        } catch (CommandException e) {
            throw new ResourceException(id, e.getMessage(), e);
        }
    }
}
