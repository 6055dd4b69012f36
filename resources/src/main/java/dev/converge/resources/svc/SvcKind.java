package dev.converge.resources.svc;

import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code svc} kind: a systemd unit running or stopped, enabled or disabled at boot, of the
 * system manager or (with {@code session: true}) of the agent user's own user manager.
 *
 * <p>A name without a unit type suffix names a {@code .service}, as with {@code systemctl}; the
 * resource keeps the name as written ({@code svc[nginx]}) and acts on the full unit name. See
 * {@code docs/resources/svc.md}. Stateless.
 */
public final class SvcKind implements ResourceKind<SvcParams> {

    public static final String NAME = "svc";

    private static final Set<String> STATES = Set.of("", SvcParams.RUNNING, SvcParams.STOPPED);
    private static final Set<String> STARTUPS = Set.of("", SvcParams.ENABLED, SvcParams.DISABLED);
    private static final Set<String> REFRESHES = Set.of(SvcParams.RESTART, SvcParams.RELOAD);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<SvcParams> paramsType() {
        return SvcParams.class;
    }

    @Override
    public SvcParams defaults() {
        return SvcParams.DEFAULTS;
    }

    @Override
    public List<Problem> validate(String name, SvcParams p) {
        var problems = new ArrayList<Problem>();
        UnitName.problem(name).ifPresent(why -> problems.add(Problem.error("name", why)));
        if (!STATES.contains(p.state())) {
            problems.add(Problem.error("state", "state must be running or stopped (or left out: not managed), got '"
                    + p.state() + "'"));
        }
        if (!STARTUPS.contains(p.startup())) {
            problems.add(Problem.error("startup", "startup must be enabled or disabled (or left out: not managed),"
                    + " got '" + p.startup() + "'"));
        }
        if (!REFRESHES.contains(p.refresh())) {
            problems.add(Problem.error("refresh", "refresh must be restart or reload, got '" + p.refresh() + "'"));
        } else if (p.refresh().equals(SvcParams.RELOAD) && p.state().equals(SvcParams.STOPPED)) {
            problems.add(Problem.warning("refresh", "refresh: reload has no effect with state: stopped; a refresh"
                    + " never starts a stopped unit"));
        }
        return problems;
    }

    @Override
    public Resource create(String name, SvcParams params) {
        return new SvcResource(ResourceId.of(NAME, name), UnitName.full(name), params,
                ServiceManager.of(params.session()));
    }

    /**
     * Needs the unit's file in each directory its manager reads units from, its template's
     * file for an instance ({@code getty@.service} for {@code getty@tty1.service}), and the
     * drop-in {@code UNIT.d/override.conf} there ({@code systemctl edit}'s), whose nearest
     * provided ancestor is the drop-in directory: so the svc comes after the file resources of
     * its unit and after the pkg that ships it. Provides nothing.
     */
    @Override
    public PathHints pathHints(String name, SvcParams params) {
        if (UnitName.problem(name).isPresent()) {
            return PathHints.NONE;
        }
        String unit = UnitName.full(name);
        var files = new ArrayList<String>();
        files.add(unit);
        UnitName.template(unit).ifPresent(files::add);
        var needs = new LinkedHashSet<Path>();
        for (Path dir : ServiceManager.of(params.session()).unitDirectories()) {
            for (String file : files) {
                needs.add(dir.resolve(file));
                needs.add(dir.resolve(file + ".d").resolve("override.conf"));
            }
        }
        return new PathHints(Set.of(), needs);
    }
}
