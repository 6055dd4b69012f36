package dev.converge.resources.pkg;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What the pkg kind takes from its surroundings; tests replace parts of it.
 *
 * @param runner     runs the package manager's commands
 * @param searchPath where the package manager's programs are looked for, and the {@code PATH}
 *                   its commands run with (maintainer scripts need the sbin directories)
 * @param dpkgLock   the bounded wait for dpkg's lock before an apt transaction
 * @param rpmArch    the host's RPM architecture, e.g. {@code x86_64}, to pick dnf's candidates
 */
record PkgSettings(CommandRunner runner, String searchPath, DpkgLock dpkgLock, String rpmArch) {

    /** How long an apt transaction waits for another process's dpkg lock. */
    static final Duration LOCK_WAIT = Duration.ofMinutes(5);

    private static final List<String> SYSTEM_DIRS =
            List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    PkgSettings {
        Objects.requireNonNull(runner, "runner");
        Objects.requireNonNull(searchPath, "searchPath");
        Objects.requireNonNull(dpkgLock, "dpkgLock");
        Objects.requireNonNull(rpmArch, "rpmArch");
    }

    /** The real host: exec-style processes, the agent's PATH plus the system directories. */
    static PkgSettings host() {
        return new PkgSettings(new ProcessCommandRunner(), hostSearchPath(),
                new DpkgLock(DpkgLock.FRONTEND, LOCK_WAIT, Duration.ofSeconds(1)), hostRpmArch());
    }

    /** The absolute entries of the agent's PATH, then the system directories, each once. */
    static String hostSearchPath() {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (dir.startsWith("/")) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(SYSTEM_DIRS);
        return String.join(":", dirs);
    }

    private static String hostRpmArch() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "arm64", "aarch64" -> "aarch64";
            default -> arch;
        };
    }
}
