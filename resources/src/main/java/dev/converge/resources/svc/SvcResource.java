package dev.converge.resources.svc;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.util.ArrayList;
import java.util.List;

/**
 * mgmt's {@code svc}: a systemd unit running or stopped, enabled or disabled at boot.
 *
 * <p>checkApply reads the unit's {@code LoadState}, {@code ActiveState} and
 * {@code UnitFileState} ({@code systemctl show}), then, when applying, enables or disables it
 * first and starts or stops it second. A refresh (a notify edge from a parent that changed)
 * restarts a unit that is running and stays running, once per check however many parents
 * notified; with {@code refresh: reload} it reloads it instead when the unit has a reload command.
 * A unit this check starts is not restarted too: it already runs with the new configuration. A
 * failed {@code systemctl} command, or a unit that is {@code failed} right after its start, fails
 * the resource with a {@link UnitFailedException} quoting the unit's journal.
 *
 * <p>watch: see {@link UnitWatch}. Immutable and thread-safe.
 */
final class SvcResource implements Resource {

    private final ResourceId id;
    private final String unit;
    private final SvcParams params;
    private final ServiceManager manager;
    private final Systemctl systemctl;

    SvcResource(ResourceId id, String unit, SvcParams params, ServiceManager manager) {
        this.id = id;
        this.unit = unit;
        this.params = params;
        this.manager = manager;
        this.systemctl = new Systemctl(id, unit, manager);
    }

    @Override
    public ResourceId id() {
        return id;
    }

    /** The unit's full name, e.g. {@code nginx.service}. */
    String unit() {
        return unit;
    }

    /** Only with a state or a startup to keep: otherwise no change of the unit is drift. */
    @Override
    public boolean watches() {
        return !params.state().isEmpty() || !params.startup().isEmpty();
    }

    /**
     * {@inheritDoc}
     *
     * <p>When the unit's manager cannot be reached the watch reports running first and then
     * fails, so the first check still runs and reports the same error with the resource's result.
     */
    @Override
    public void watch(ResourceContext ctx) throws Exception {
        var why = manager.unreachable();
        if (why.isPresent()) {
            ctx.running();
            throw new NoServiceManagerException(id, why.get());
        }
        new UnitWatch(id, unit, params, manager).run(ctx);
    }

    @Override
    public CheckResult checkApply(ResourceContext ctx, boolean apply) throws ResourceException, InterruptedException {
        requireManager();
        UnitState state = systemctl.show(ctx);
        if (!state.found()) {
            if (apply || !ctx.parentsWouldChange()) {
                throw new ResourceException(id, unit + " is not a unit " + manager.label() + " knows: no unit file"
                        + " in " + manager.unitDirectories().stream().map(Object::toString).toList());
            }
            state = UnitState.ABSENT;
        }
        List<Step> steps = plan(ctx, state);
        if (steps.isEmpty()) {
            return CheckResult.ok();
        }
        var changes = new ArrayList<String>();
        for (Step step : steps) {
            if (apply) {
                systemctl.change(ctx, step.verb());
                changes.add(step.done());
            } else {
                changes.add(step.todo());
            }
        }
        if (apply && steps.stream().anyMatch(Step::starts)) {
            requireStarted(ctx);
        }
        return new CheckResult(changes);
    }

    /**
     * One {@code systemctl} verb to run, how a dry run reports it ({@code todo}) and how a run
     * that did it does ({@code done}).
     */
    private record Step(String verb, String todo, String done) {
        boolean starts() {
            return verb.equals("start") || verb.equals("restart");
        }
    }

    /** What to run, in order: the startup's change first, then the state's, or the refresh's. */
    private List<Step> plan(ResourceContext ctx, UnitState state) throws ResourceException {
        var steps = new ArrayList<Step>();
        String was = " (was " + (state.unitFileState().isEmpty() ? "no unit file" : state.unitFileState()) + ")";
        if (params.startup().equals(SvcParams.ENABLED) && !state.enabled()) {
            if (UnitState.NOT_ENABLEABLE.contains(state.unitFileState())) {
                throw new ResourceException(id, unit + " cannot be enabled: its unit file state is "
                        + state.unitFileState() + (state.unitFileState().equals("static")
                                ? " (it has no [Install] section)" : ""));
            }
            steps.add(new Step("enable", "enable" + was, "enabled" + was));
        } else if (params.startup().equals(SvcParams.DISABLED) && state.enabled()) {
            steps.add(new Step("disable", "disable" + was, "disabled" + was));
        }
        String active = " (was " + state.shown() + ")";
        if (params.state().equals(SvcParams.RUNNING) && !state.running()) {
            if (state.loadState().equals("masked")) {
                throw new ResourceException(id, unit + " cannot be started: it is masked (systemctl unmask "
                        + unit + ")");
            }
            steps.add(new Step("start", "start" + active, "started" + active));
            if (ctx.refreshing()) {
                ctx.log("refreshed, and " + unit + " starts now: no restart");
            }
        } else if (params.state().equals(SvcParams.STOPPED) && !state.stopped()) {
            steps.add(new Step("stop", "stop" + active, "stopped" + active));
        } else if (ctx.refreshing()) {
            if (!state.running()) {
                ctx.log("refreshed, but " + unit + " is " + state.shown() + ": nothing to restart");
            } else if (params.refresh().equals(SvcParams.RELOAD) && state.canReload()) {
                steps.add(new Step("reload", "reload (refresh)", "reloaded (refresh)"));
            } else {
                if (params.refresh().equals(SvcParams.RELOAD)) {
                    ctx.log(unit + " has no reload command (ExecReload=): restarting it instead");
                }
                steps.add(new Step("restart", "restart (refresh)", "restarted (refresh)"));
            }
        }
        return steps;
    }

    /** After a start: a unit that already failed fails the resource, with its journal. */
    private void requireStarted(ResourceContext ctx) throws ResourceException, InterruptedException {
        UnitState after = systemctl.show(ctx);
        if (after.activeState().equals("failed")) {
            throw new UnitFailedException(id, unit, unit + " is " + after.shown() + " right after it started",
                    systemctl.journal(ctx));
        }
    }

    private void requireManager() throws NoServiceManagerException {
        var why = manager.unreachable();
        if (why.isPresent()) {
            throw new NoServiceManagerException(id, why.get());
        }
    }
}
