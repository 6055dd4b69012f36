package dev.converge.resources.pkg;

import dev.converge.resources.PathHints;
import dev.converge.resources.PathWatcher;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code pkg} kind: a package installed, uninstalled, kept at the newest version, or pinned
 * to a version, through apt (Debian, Ubuntu) or dnf (Fedora, RHEL), whichever the host has.
 *
 * <p>Package transactions hold the implicit semaphore {@value #SEMAPHORE}. Resources with the
 * same group key (the same kind of state and the same transaction options; all version pins
 * share one key) can be merged into one vertex that checks with one query and applies with one
 * transaction. See {@code docs/resources/pkg.md}.
 */
public final class PkgKind implements ResourceKind<PkgParams> {

    public static final String NAME = "pkg";

    /** The semaphore every pkg resource holds while it applies. */
    public static final String SEMAPHORE = "pkg";

    /**
     * Debian ({@code [a-z0-9][a-z0-9+.-]+}) and RPM names (which add capitals and {@code _}),
     * with an optional Debian architecture ({@code :amd64}); never starts like an option.
     */
    private static final Pattern PACKAGE_NAME =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9+._-]*(:[a-z0-9][a-z0-9-]*)?");

    private final PkgSettings settings;

    /** The kind as it works on the real host. */
    public PkgKind() {
        this(PkgSettings.host());
    }

    PkgKind(PkgSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<PkgParams> paramsType() {
        return PkgParams.class;
    }

    @Override
    public PkgParams defaults() {
        return PkgParams.DEFAULTS;
    }

    @Override
    public List<Problem> validate(String name, PkgParams p) {
        var problems = new ArrayList<Problem>();
        if (name.startsWith("/")) {
            problems.add(Problem.error("name", "installing a package file by path is not supported;"
                    + " name a package from the repositories, got '" + name + "'"));
        } else if (!PACKAGE_NAME.matcher(name).matches()) {
            problems.add(Problem.error("name", "invalid package name '" + name + "': letters, digits and"
                    + " + . _ -, starting with a letter or digit, optionally with an architecture like :amd64"));
        }
        PkgState state = null;
        try {
            state = PkgState.parse(p.state());
        } catch (IllegalArgumentException e) {
            problems.add(Problem.error("state", e.getMessage()));
        }
        if (p.allowdowngrade() && state != null && state.mode() != PkgState.Mode.VERSION) {
            problems.add(Problem.warning("allowdowngrade", "allowdowngrade only matters with a version state;"
                    + " ignored with state '" + p.state() + "'"));
        }
        if (p.allowuntrusted()) {
            problems.add(Problem.warning("allowuntrusted", "packages will be installed without checking their"
                    + " signatures (apt-get --allow-unauthenticated, dnf --nogpgcheck)"));
        }
        if (p.allownonfree()) {
            problems.add(Problem.warning("allownonfree",
                    "allownonfree is a PackageKit filter of mgmt; it has no effect with apt or dnf"));
        }
        if (p.allowunsupported()) {
            problems.add(Problem.warning("allowunsupported",
                    "allowunsupported is a PackageKit filter of mgmt; it has no effect with apt or dnf"));
        }
        return problems;
    }

    @Override
    public Resource create(String name, PkgParams params) {
        return new PkgResource(ResourceId.of(NAME, name), List.of(member(name, params)), options(params), settings);
    }

    /**
     * The kind of state ({@code installed}, {@code uninstalled}, {@code newest}, or
     * {@code version} for every pin, as one transaction can install {@code a=1 b=2}) and the
     * options that change the transaction's command line. Empty for an invalid state.
     */
    @Override
    public Optional<String> groupKey(String name, PkgParams params) {
        try {
            return Optional.of(PkgState.parse(params.state()).groupClass()
                    + (params.allowuntrusted() ? "+allowuntrusted" : "")
                    + (params.allowdowngrade() ? "+allowdowngrade" : ""));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * One resource {@code pkg[autogroup:(a,b,c)]} for all {@code members}, in their order.
     *
     * @throws IllegalArgumentException when there are no members or their group keys differ
     */
    @Override
    public Resource createGroup(SequencedMap<String, PkgParams> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a pkg group needs at least one member");
        }
        var first = members.firstEntry();
        Optional<String> key = groupKey(first.getKey(), first.getValue());
        var list = new ArrayList<PkgResource.Member>();
        for (Map.Entry<String, PkgParams> e : members.entrySet()) {
            if (key.isEmpty() || !groupKey(e.getKey(), e.getValue()).equals(key)) {
                throw new IllegalArgumentException("pkg " + e.getKey() + " cannot join the group of "
                        + first.getKey() + ": their states or options differ");
            }
            list.add(member(e.getKey(), e.getValue()));
        }
        if (list.size() == 1) {
            return create(first.getKey(), first.getValue());
        }
        String label = "autogroup:(" + String.join(",", members.sequencedKeySet()) + ")";
        return new PkgResource(ResourceId.of(NAME, label), list, options(first.getValue()), settings);
    }

    @Override
    public List<String> implicitSemaphores() {
        return List.of(SEMAPHORE);
    }

    /**
     * Provides the files (not directories) of the package as the package manager lists them
     * now ({@code dpkg-query --listfiles}, {@code rpm -ql}); nothing when it is not installed, when
     * its state is {@code uninstalled}, when the declaration is invalid, or when the host has
     * neither apt nor dnf. Needs nothing.
     */
    @Override
    public PathHints pathHints(String name, PkgParams params) {
        Optional<String> key = groupKey(name, params);
        if (!PACKAGE_NAME.matcher(name).matches() || key.isEmpty() || key.get().startsWith("uninstalled")) {
            return PathHints.NONE;
        }
        Optional<PackageManager> pm = PackageManager.detect(settings.searchPath());
        if (pm.isEmpty()) {
            return PathHints.NONE;
        }
        ResourceId id = ResourceId.of(NAME, name);
        try {
            Set<Path> files = pm.get().open(settings, id, new Silent(id)).files(name);
            return new PathHints(files, Set.of());
        } catch (ResourceException e) {
            return PathHints.NONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PathHints.NONE;
        }
    }

    private static PkgResource.Member member(String name, PkgParams params) {
        return new PkgResource.Member(name, PkgState.parse(params.state()));
    }

    private static Backend.Options options(PkgParams params) {
        return new Backend.Options(params.allowuntrusted(), params.allowdowngrade());
    }

    /** The context of a query made outside any resource call (path hints): it reports nothing. */
    private record Silent(ResourceId id) implements ResourceContext {

        @Override
        public void log(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void output(String stream, String line) {
        }

        @Override
        public void running() {
        }

        @Override
        public void event() {
        }

        @Override
        public PathWatcher paths() {
            throw new IllegalStateException("no file watcher outside a resource call");
        }

        @Override
        public boolean refreshing() {
            return false;
        }
    }
}
