package dev.converge.resources.svc;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.process.CommandException;
import dev.converge.resources.process.CommandOutput;
import dev.converge.resources.process.GroupCommand;
import dev.converge.resources.process.RunAs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands of one svc resource: {@code systemctl} and {@code journalctl} for its unit and
 * manager, each run as every command of the agent runs (a {@link GroupCommand}: its own process
 * group, killed on timeout or interrupt). A command that cannot start or times out fails the
 * resource; an exit status is an answer for the caller to judge.
 *
 * <p>Immutable; any thread.
 */
final class Systemctl {

    /** How long a query may take. */
    static final Duration QUERY = Duration.ofSeconds(30);
    /**
     * How long a change may take: a start waits for the unit's start job, which systemd itself
     * times out after the unit's {@code TimeoutStartSec} (90 s by default).
     */
    static final Duration CHANGE = Duration.ofMinutes(10);
    /** Journal lines an error message quotes. */
    static final int JOURNAL_LINES = 10;

    /** How a command ended: its status and, unless it was echoed, what it printed. */
    record Outcome(int status, List<String> stdout, List<String> tail) {
        boolean succeeded() {
            return status == 0;
        }
    }

    private final ResourceId id;
    private final String unit;
    private final ServiceManager manager;

    Systemctl(ResourceId id, String unit, ServiceManager manager) {
        this.id = id;
        this.unit = unit;
        this.manager = manager;
    }

    /** The unit's properties. */
    UnitState show(ResourceContext ctx) throws ResourceException, InterruptedException {
        Outcome out = run(ctx, manager.systemctl("show", "--property=" + String.join(",", UnitState.PROPERTIES),
                "--", unit), QUERY, false);
        if (!out.succeeded()) {
            throw new ResourceException(id, "cannot read the state of " + unit + " from " + manager.label()
                    + ": systemctl show exited with status " + out.status() + tail(out.tail()));
        }
        return UnitState.parse(out.stdout());
    }

    /**
     * Runs {@code systemctl VERB UNIT}, its output going to the resource's log.
     *
     * @throws UnitFailedException when it exits non-zero: with its output and the unit's journal
     */
    void change(ResourceContext ctx, String verb) throws ResourceException, InterruptedException {
        List<String> argv = manager.systemctl(verb, "--", unit);
        Outcome out = run(ctx, argv, CHANGE, true);
        if (!out.succeeded()) {
            throw new UnitFailedException(id, unit, "`" + String.join(" ", argv) + "` exited with status "
                    + out.status() + tail(out.tail()), journal(ctx));
        }
    }

    /** The last {@value #JOURNAL_LINES} lines of the unit's journal; empty when they cannot be read. */
    List<String> journal(ResourceContext ctx) throws InterruptedException {
        try {
            Outcome out = run(ctx, manager.journal(unit, JOURNAL_LINES), QUERY, false);
            return out.succeeded() ? out.stdout() : List.of();
        } catch (ResourceException e) {
            ctx.warn("cannot read the journal of " + unit + ": " + e.getMessage());
            return List.of();
        }
    }

    private static String tail(List<String> lines) {
        return lines.isEmpty() ? "" : ":\n" + String.join("\n", lines);
    }

    private Outcome run(ResourceContext ctx, List<String> argv, Duration timeout, boolean echo)
            throws ResourceException, InterruptedException {
        var lines = new Lines(ctx, echo);
        GroupCommand.Result result;
        try {
            result = new GroupCommand("`" + String.join(" ", argv) + "`", argv, "", manager.environment(), timeout,
                    RunAs.AGENT, lines).run();
        } catch (CommandException e) {
            throw new ResourceException(id, e.getMessage(), e);
        }
        return new Outcome(result.status(), lines.stdout(), result.tail());
    }

    /**
     * Keeps stdout, or echoes both streams to the resource's output; passes warnings on. Lines
     * arrive on the output thread; {@link #stdout} is read after the command ended.
     */
    private static final class Lines implements CommandOutput {

        private final ResourceContext ctx;
        private final boolean echo;
        private final List<String> stdout = new ArrayList<>();

        Lines(ResourceContext ctx, boolean echo) {
            this.ctx = ctx;
            this.echo = echo;
        }

        @Override
        public synchronized void line(String stream, String line) {
            if (echo) {
                ctx.output(stream, line);
            } else if (stream.equals("stdout")) {
                stdout.add(line);
            }
        }

        @Override
        public void warn(String message) {
            ctx.warn(message);
        }

        synchronized List<String> stdout() {
            return List.copyOf(stdout);
        }
    }
}
