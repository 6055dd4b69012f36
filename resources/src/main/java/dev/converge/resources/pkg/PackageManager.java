package dev.converge.resources.pkg;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceId;
import dev.converge.resources.process.Executables;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The package managers converge drives, and how to tell which one a host has. */
enum PackageManager {

    /** Debian, Ubuntu: apt-get for transactions, dpkg-query for the installed state. */
    APT(List.of("apt-get", "dpkg-query"), Path.of("/var/lib/dpkg/status")),

    /** Fedora, RHEL: dnf for transactions, rpm for the installed state. */
    DNF(List.of("dnf", "rpm"), Path.of("/var/lib/rpm"));

    static final String NONE = "no supported package manager: need apt-get+dpkg-query (Debian/Ubuntu)"
            + " or dnf+rpm (Fedora/RHEL)";

    private final List<String> tools;
    private final Path stateFile;

    PackageManager(List<String> tools, Path stateFile) {
        this.tools = tools;
        this.stateFile = stateFile;
    }

    /** The file (or directory) the manager rewrites when the installed packages change. */
    Path stateFile() {
        return stateFile;
    }

    /**
     * The first manager whose tools are all executables on {@code searchPath} (apt before dnf,
     * so a Debian host that has rpm installed as a tool stays apt), or empty.
     */
    static Optional<PackageManager> detect(String searchPath) {
        for (PackageManager pm : values()) {
            if (pm.tools.stream().allMatch(t -> onPath(t, searchPath))) {
                return Optional.of(pm);
            }
        }
        return Optional.empty();
    }

    /** This manager's backend, working for resource {@code id} in {@code ctx}. */
    Backend open(PkgSettings settings, ResourceId id, ResourceContext ctx) {
        return switch (this) {
            case APT -> new AptBackend(settings.runner(), id, ctx, settings.searchPath(), settings.dpkgLock());
            case DNF -> new DnfBackend(settings.runner(), id, ctx, settings.searchPath(), settings.rpmArch());
        };
    }

    private static boolean onPath(String tool, String searchPath) {
        return Executables.findAbsolute(tool, searchPath).isPresent();
    }
}
