package dev.converge.resources.pkg;

import dev.converge.resources.CheckResult;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.pkg.Backend.Offer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One pkg vertex: a single package, or an autogroup of packages whose states share a group key.
 * Either way a check runs one query of the installed state for all members (plus, only when
 * something may need installing, one query of the package lists), and an apply runs one
 * transaction for all members that need it (installs and removals have different group keys,
 * so a group never needs both).
 *
 * <p>Invariants: {@code members} is non-empty, names are distinct, and all members share
 * {@code options}. The resource keeps no state between calls.
 */
final class PkgResource implements Resource {

    /** One package of the vertex and the state it should be in. */
    record Member(String name, PkgState state) {
    }

    /**
     * One package to change.
     *
     * @param spec   how the transaction names it ({@code hello}, {@code hello=2.10-3})
     * @param target the version it must have afterwards; empty for any
     * @param change how the change is reported
     */
    private record Step(String name, boolean remove, String spec, String target, String change) {
    }

    private final ResourceId id;
    private final List<Member> members;
    private final Backend.Options options;
    private final PkgSettings settings;

    PkgResource(ResourceId id, List<Member> members, Backend.Options options, PkgSettings settings) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a pkg resource needs at least one package");
        }
        if (members.stream().map(Member::name).distinct().count() != members.size()) {
            throw new IllegalArgumentException("package names of a pkg resource must differ");
        }
        this.id = id;
        this.members = List.copyOf(members);
        this.options = options;
        this.settings = settings;
    }

    @Override
    public ResourceId id() {
        return id;
    }

    List<Member> members() {
        return members;
    }

    /**
     * Watches the package manager's state file (dpkg's status file, rpm's database directory)
     * through the shared watcher: any transaction, ours or someone else's, is an event. On a
     * host without a supported package manager it watches nothing; checkApply reports that.
     */
    @Override
    public void watch(ResourceContext ctx) throws Exception {
        Optional<PackageManager> pm = PackageManager.detect(settings.searchPath());
        if (pm.isEmpty()) {
            ctx.running();
            Thread.sleep(Long.MAX_VALUE);
            return;
        }
        PathWatcher.Subscription subscription = ctx.paths().subscribe(pm.get().stateFile(), ctx::event);
        try {
            ctx.running();
            Thread.sleep(Long.MAX_VALUE);
        } finally {
            subscription.close();
        }
    }

    @Override
    public CheckResult checkApply(ResourceContext ctx, boolean apply) throws ResourceException, InterruptedException {
        Backend backend = PackageManager.detect(settings.searchPath())
                .orElseThrow(() -> new ResourceException(id, PackageManager.NONE))
                .open(settings, id, ctx);
        Map<String, List<String>> installed = backend.installed(names(members));
        List<Member> wanting = members.stream().filter(m -> wantsOffer(m, installed.get(m.name()))).toList();
        Map<String, Offer> offers = wanting.isEmpty() ? Map.of() : backend.offers(names(wanting));
        List<Member> missing = missing(backend, wanting, installed, offers);
        boolean refreshed = false;
        if (!missing.isEmpty() && apply && backend.refreshCommand().isPresent()) {
            ctx.log(String.join(", ", names(missing)) + ": not in the package lists; running "
                    + backend.refreshCommand().get() + " once");
            backend.refresh();
            refreshed = true;
            offers = backend.offers(names(wanting));
            missing = missing(backend, wanting, installed, offers);
        }
        if (!missing.isEmpty() && (apply || backend.refreshCommand().isEmpty())) {
            throw new ResourceException(id, "not available from the package repositories"
                    + (refreshed ? " (after " + backend.refreshCommand().get() + ")" : "") + ": "
                    + String.join(", ", missing.stream().map(PkgResource::describe).toList()));
        }
        List<Step> steps = plan(backend, installed, offers, missing);
        if (steps.isEmpty()) {
            return CheckResult.ok();
        }
        var result = new CheckResult(steps.stream().map(Step::change).toList());
        if (!apply) {
            return result;
        }
        List<Step> installs = steps.stream().filter(s -> !s.remove()).toList();
        List<Step> removes = steps.stream().filter(Step::remove).toList();
        if (!installs.isEmpty()) {
            backend.install(installs.stream().map(Step::spec).toList(), options);
        }
        if (!removes.isEmpty()) {
            backend.remove(removes.stream().map(Step::spec).toList(), options);
        }
        verify(backend, steps);
        return result;
    }

    /** Whether deciding about {@code m} needs to know what the repositories offer. */
    private static boolean wantsOffer(Member m, List<String> installed) {
        return switch (m.state().mode()) {
            case INSTALLED -> installed.isEmpty();
            case UNINSTALLED -> false;
            case NEWEST -> true;
            case VERSION -> !installed.contains(m.state().version());
        };
    }

    /** The members among {@code wanting} that need something the repositories do not offer. */
    private static List<Member> missing(Backend backend, List<Member> wanting, Map<String, List<String>> installed,
            Map<String, Offer> offers) {
        return wanting.stream().filter(m -> {
            Offer offer = offers.get(m.name());
            return switch (m.state().mode()) {
                case INSTALLED, NEWEST -> installed.get(m.name()).isEmpty()
                        && (offer == null || offer.candidate().isEmpty());
                case UNINSTALLED -> false;
                case VERSION -> offer == null
                        || (backend.listsVersions() && !offer.versions().contains(m.state().version()));
            };
        }).toList();
    }

    private List<Step> plan(Backend backend, Map<String, List<String>> installed, Map<String, Offer> offers,
            List<Member> missing) {
        String unknown = backend.refreshCommand()
                .map(cmd -> "not in the package lists yet; apply runs " + cmd + " first").orElse("");
        var steps = new ArrayList<Step>();
        for (Member m : members) {
            String name = m.name();
            List<String> have = installed.get(name);
            String now = String.join(",", have);
            Offer offer = offers.get(name);
            boolean lacking = missing.contains(m);
            switch (m.state().mode()) {
                case UNINSTALLED -> {
                    if (!have.isEmpty()) {
                        steps.add(new Step(name, true, name, "", "remove " + name));
                    }
                }
                case INSTALLED -> {
                    if (have.isEmpty()) {
                        steps.add(new Step(name, false, name, "",
                                "install " + name + " (" + (lacking ? unknown : offer.candidate()) + ")"));
                    }
                }
                case NEWEST -> {
                    if (have.isEmpty()) {
                        String target = lacking ? "" : offer.candidate();
                        steps.add(new Step(name, false, lacking ? name : backend.spec(name, target), target,
                                "install " + name + " (" + (lacking ? unknown : target) + ")"));
                    } else if (offer != null && !offer.candidate().isEmpty() && !have.contains(offer.candidate())) {
                        String target = offer.candidate();
                        steps.add(new Step(name, false, backend.spec(name, target), target,
                                "upgrade " + name + " " + now + " -> " + target));
                    }
                }
                case VERSION -> {
                    String v = m.state().version();
                    if (!have.contains(v)) {
                        String note = lacking ? " (" + unknown + ")" : "";
                        steps.add(new Step(name, false, backend.spec(name, v), v, have.isEmpty()
                                ? "install " + name + " (" + v + (lacking ? "; " + unknown : "") + ")"
                                : "change " + name + " " + now + " -> " + v + note));
                    }
                }
            }
        }
        return steps;
    }

    /** Checks with one more query that the transaction did what each step asked. */
    private void verify(Backend backend, List<Step> steps) throws ResourceException, InterruptedException {
        Map<String, List<String>> after = backend.installed(steps.stream().map(Step::name).toList());
        var wrong = new ArrayList<String>();
        for (Step s : steps) {
            List<String> have = after.get(s.name());
            if (s.remove() && !have.isEmpty()) {
                wrong.add(s.name() + " is still installed (" + String.join(",", have) + ")");
            } else if (!s.remove() && have.isEmpty()) {
                wrong.add(s.name() + " is still not installed");
            } else if (!s.remove() && !s.target().isEmpty() && !have.contains(s.target())) {
                wrong.add(s.name() + " is at " + String.join(",", have) + ", not " + s.target());
            }
        }
        if (!wrong.isEmpty()) {
            throw new ResourceException(id, "the transaction succeeded but " + String.join("; ", wrong));
        }
    }

    private static String describe(Member m) {
        return m.state().mode() == PkgState.Mode.VERSION ? m.name() + " version " + m.state().version() : m.name();
    }

    private static List<String> names(List<Member> ms) {
        return ms.stream().map(Member::name).toList();
    }
}
