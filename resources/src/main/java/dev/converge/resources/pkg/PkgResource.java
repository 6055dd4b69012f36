package dev.converge.resources.pkg;

import dev.converge.resources.CheckResult;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.pkg.Backend.Offer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * One pkg vertex: a single package, or an autogroup of packages whose states share a group key.
 * Either way a check runs one query of the installed state for all members (plus, only when
 * something may need installing, one query of the package lists), and an apply runs one
 * transaction for all members that need it (installs and removals have different group keys,
 * so a group never needs both).
 *
 * <p>A member's failure is its own: a member the repositories lack, or one the transaction
 * fails on, is left out and the others are still put in their state; the call then throws a
 * {@link PackagesFailedException} naming only the failed members, each with its error. The
 * engine sees one vertex, so it still reports the whole vertex failed.
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

    /**
     * {@inheritDoc}
     *
     * @throws PackagesFailedException when some members could not be put in their state (or, in
     *     noop with dnf, are not in the repositories); the other members are done
     * @throws ResourceException when the check as a whole fails (a query, the lock, the refresh)
     */
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
        if (!missing.isEmpty() && !apply && backend.refreshCommand().isEmpty()) {
            throw new PackagesFailedException(id, unavailable(missing, ""), List.of());
        }
        var failures = new LinkedHashMap<String, String>();
        if (apply) {
            failures.putAll(unavailable(missing, refreshed ? " (after " + backend.refreshCommand().get() + ")" : ""));
        }
        List<Step> steps = plan(backend, installed, offers, missing).stream()
                .filter(s -> !failures.containsKey(s.name())).toList();
        if (steps.isEmpty() && failures.isEmpty()) {
            return CheckResult.ok();
        }
        if (!apply) {
            return new CheckResult(steps.stream().map(Step::change).toList());
        }
        transact(ctx, backend, steps.stream().filter(s -> !s.remove()).toList(), failures);
        transact(ctx, backend, steps.stream().filter(Step::remove).toList(), failures);
        List<Step> tried = steps.stream().filter(s -> !failures.containsKey(s.name())).toList();
        Map<String, List<String>> after = tried.isEmpty() ? Map.of() : backend.installed(stepNames(tried));
        for (Step s : tried) {
            wrong(s, after.get(s.name())).ifPresent(w -> failures.put(s.name(),
                    "the transaction succeeded but the package " + w));
        }
        List<String> done = tried.stream().filter(s -> !failures.containsKey(s.name())).map(Step::change).toList();
        if (failures.isEmpty()) {
            return new CheckResult(done);
        }
        if (!done.isEmpty()) {
            ctx.log("done for the other packages: " + String.join(", ", done));
        }
        throw new PackagesFailedException(id, inMemberOrder(failures), done);
    }

    /**
     * Runs {@code steps} (all installs or all removals) as one transaction. When it fails, finds
     * the members at fault and records each in {@code failures} with its own error, so that the
     * others are still done: the packages the package manager named as not found are left out
     * and the rest run again together; when it named none, what the transaction left undone is
     * run one package at a time. A failure that no remaining package accounts for is the
     * resource's own and is thrown.
     */
    private void transact(ResourceContext ctx, Backend backend, List<Step> steps, Map<String, String> failures)
            throws ResourceException, InterruptedException {
        if (steps.isEmpty()) {
            return;
        }
        try {
            run(backend, steps);
            return;
        } catch (TransactionFailedException e) {
            if (steps.size() == 1) {
                failures.put(steps.getFirst().name(), e.getMessage());
                return;
            }
            List<Step> named = steps.stream().filter(s -> blamed(s, e).isPresent()).toList();
            if (!named.isEmpty()) {
                named.forEach(s -> failures.put(s.name(), blamed(s, e).get()));
                List<Step> rest = steps.stream().filter(s -> !named.contains(s)).toList();
                if (!rest.isEmpty()) {
                    ctx.log("the transaction failed on " + String.join(", ", stepNames(named))
                            + "; running it again for " + String.join(", ", stepNames(rest)));
                }
                transact(ctx, backend, rest, failures);
                return;
            }
            Map<String, List<String>> now = backend.installed(stepNames(steps));
            List<Step> undone = steps.stream().filter(s -> wrong(s, now.get(s.name())).isPresent()).toList();
            if (undone.isEmpty()) {
                throw e;
            }
            ctx.log("the transaction failed without naming a package; running it for "
                    + String.join(", ", stepNames(undone)) + " one at a time");
            for (Step s : undone) {
                try {
                    run(backend, List.of(s));
                } catch (TransactionFailedException single) {
                    failures.put(s.name(), single.getMessage());
                }
            }
        }
    }

    private void run(Backend backend, List<Step> steps) throws ResourceException, InterruptedException {
        List<String> specs = steps.stream().map(Step::spec).toList();
        if (steps.getFirst().remove()) {
            backend.remove(specs, options);
        } else {
            backend.install(specs, options);
        }
    }

    /** The line with which the failed transaction named {@code s} (by its spec or its name) as not found. */
    private static Optional<String> blamed(Step s, TransactionFailedException e) {
        return Optional.ofNullable(e.unknown().getOrDefault(s.spec(), e.unknown().get(s.name())));
    }

    /**
     * What is wrong about {@code s} when the package has the versions {@code have}, e.g.
     * {@code "is still not installed"}; empty when the step's state is reached.
     */
    private static Optional<String> wrong(Step s, List<String> have) {
        if (s.remove() && !have.isEmpty()) {
            return Optional.of("is still installed (" + String.join(",", have) + ")");
        } else if (!s.remove() && have.isEmpty()) {
            return Optional.of("is still not installed");
        } else if (!s.remove() && !s.target().isEmpty() && !have.contains(s.target())) {
            return Optional.of("is at " + String.join(",", have) + ", not " + s.target());
        }
        return Optional.empty();
    }

    /** Each of {@code missing} with its error: not offered by the repositories. */
    private static SequencedMap<String, String> unavailable(List<Member> missing, String after) {
        var result = new LinkedHashMap<String, String>();
        for (Member m : missing) {
            String what = m.state().mode() == PkgState.Mode.VERSION ? "version " + m.state().version() + " " : "";
            result.put(m.name(), what + "not available from the package repositories" + after);
        }
        return result;
    }

    private SequencedMap<String, String> inMemberOrder(Map<String, String> failures) {
        var ordered = new LinkedHashMap<String, String>();
        for (Member m : members) {
            if (failures.containsKey(m.name())) {
                ordered.put(m.name(), failures.get(m.name()));
            }
        }
        return ordered;
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

    private static List<String> names(List<Member> ms) {
        return ms.stream().map(Member::name).toList();
    }

    private static List<String> stepNames(List<Step> steps) {
        return steps.stream().map(Step::name).toList();
    }
}
