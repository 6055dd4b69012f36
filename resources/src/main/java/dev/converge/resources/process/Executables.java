package dev.converge.resources.process;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** Finds executables the way {@code execvp(3)} does, so a missing one is reported up front. */
public final class Executables {

    /** execvp's search path when PATH is unset. */
    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private Executables() {
    }

    /**
     * The file {@code execvp} would run for {@code name}: a name containing '/' is a path
     * (relative ones resolve against {@code cwd}); any other name is looked up in
     * {@code searchPath}, whose empty entries mean {@code cwd}.
     */
    public static Optional<Path> find(String name, String searchPath, Path cwd) {
        try {
            if (name.contains("/")) {
                return executable(cwd.resolve(name));
            }
            for (String dir : searchPath.split(":", -1)) {
                Optional<Path> found = executable(cwd.resolve(dir).resolve(name));
                if (found.isPresent()) {
                    return found;
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The absolute file {@code name} names: itself when absolute, else its match in the
     * absolute entries of {@code searchPath}; empty for a relative path or a name not found.
     */
    public static Optional<Path> findAbsolute(String name, String searchPath) {
        try {
            if (name.contains("/")) {
                Path p = Path.of(name);
                return p.isAbsolute() ? Optional.of(p.normalize()) : Optional.empty();
            }
            for (String dir : searchPath.split(":")) {
                if (dir.startsWith("/")) {
                    Optional<Path> found = executable(Path.of(dir).resolve(name).normalize());
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** {@code name} found on the agent's own PATH, then in /usr/bin and /bin. */
    public static Optional<Path> findOnAgentPath(String name) {
        String path = System.getenv("PATH");
        String searchPath = (path == null ? "" : path + ":") + "/usr/bin:/bin";
        return find(name, searchPath, Path.of("/"));
    }

    private static Optional<Path> executable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
}
