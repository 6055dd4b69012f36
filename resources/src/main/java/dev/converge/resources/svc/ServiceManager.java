package dev.converge.resources.svc;

import dev.converge.resources.process.Executables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which systemd manager a unit belongs to: the system's ({@code systemctl}) or the agent user's
 * own user manager ({@code systemctl --user}, mgmt's {@code session: true}), and how to reach it:
 * the command lines, their environment, the unit directories and the D-Bus address.
 *
 * <p>The user manager is found through {@code $XDG_RUNTIME_DIR} (or {@code /run/user/UID} when
 * the agent's environment lacks it): it runs when its private socket
 * {@code RUNTIME/systemd/private} exists. Immutable.
 *
 * @param user       true for the agent user's user manager
 * @param runtimeDir the user's runtime directory; empty for the system manager
 * @param userName   the agent user's name, for messages
 * @param uid        the agent user's id
 * @param home       the agent user's home directory, for its unit directory
 * @param searchPath the {@code PATH} the commands are looked up on and run with
 */
record ServiceManager(boolean user, Optional<Path> runtimeDir, String userName, int uid, Path home,
        String searchPath) {

    /** Where the system manager reads unit files, most important first. */
    static final List<String> SYSTEM_UNIT_DIRS = List.of("/etc/systemd/system", "/run/systemd/system",
            "/lib/systemd/system", "/usr/lib/systemd/system");

    /** Where a user manager reads unit files, besides the user's own {@code ~/.config/systemd/user}. */
    static final List<String> USER_UNIT_DIRS = List.of("/etc/systemd/user", "/usr/lib/systemd/user",
            "/lib/systemd/user");

    /** The manager of {@code session}'s units as the agent runs now. */
    static ServiceManager of(boolean session) {
        int uid = agentUid();
        Path home = Path.of(System.getProperty("user.home", "/"));
        String name = System.getProperty("user.name", "uid " + uid);
        String path = Optional.ofNullable(System.getenv("PATH")).filter(p -> !p.isEmpty())
                .orElse(Executables.DEFAULT_PATH);
        if (!session) {
            return new ServiceManager(false, Optional.empty(), name, uid, home, path);
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path dir = runtime == null || runtime.isEmpty() ? Path.of("/run/user", Integer.toString(uid)) : Path.of(runtime);
        return new ServiceManager(true, Optional.of(dir), name, uid, home, path);
    }

    private static int agentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** {@code systemctl} (with {@code --user} for a user manager) followed by {@code args}. */
    List<String> systemctl(String... args) {
        var argv = new ArrayList<String>();
        argv.add("systemctl");
        if (user) {
            argv.add("--user");
        }
        argv.addAll(List.of(args));
        return argv;
    }

    /** {@code journalctl} reading the last {@code lines} of {@code unit}'s journal, without a pager. */
    List<String> journal(String unit, int lines) {
        return List.of("journalctl", user ? "--user-unit=" + unit : "--unit=" + unit, "--lines=" + lines,
                "--no-pager", "--quiet");
    }

    /** The variables the commands need: the search path, the C locale, the runtime directory of a user manager. */
    Map<String, String> environment() {
        var env = new HashMap<String, String>(Map.of("PATH", searchPath, "LC_ALL", "C"));
        runtimeDir.ifPresent(d -> env.put("XDG_RUNTIME_DIR", d.toString()));
        return env;
    }

    /**
     * Why this manager cannot be reached, or empty when it can as far as can be told without
     * asking it: for a user manager, that its private socket is missing.
     */
    Optional<String> unreachable() {
        if (!user) {
            return Optional.empty();
        }
        Path socket = runtimeDir.orElseThrow().resolve("systemd/private");
        if (Files.exists(socket)) {
            return Optional.empty();
        }
        return Optional.of("session: true needs the systemd user manager of " + userName + " (uid " + uid
                + "), and none runs: " + socket + " does not exist (a user manager runs while the user is logged in,"
                + " or always after 'loginctl enable-linger " + userName + "')");
    }

    /** The D-Bus address of the bus this manager is on: the system bus, or the user's bus. */
    String busAddress() {
        if (!user) {
            String env = System.getenv("DBUS_SYSTEM_BUS_ADDRESS");
            return env == null || env.isEmpty() ? "unix:path=/run/dbus/system_bus_socket" : env;
        }
        return "unix:path=" + runtimeDir.orElseThrow().resolve("bus");
    }

    /** The socket of {@link #busAddress} when the address is a plain {@code unix:path=}. */
    Optional<Path> busSocket() {
        String address = busAddress();
        if (!address.startsWith("unix:path=") || address.contains(",") || address.contains(";")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(address.substring("unix:path=".length())));
    }

    /** The directories this manager reads unit files from, most important first. */
    List<Path> unitDirectories() {
        var dirs = new ArrayList<Path>();
        if (user) {
            dirs.add(home.resolve(".config/systemd/user"));
            USER_UNIT_DIRS.forEach(d -> dirs.add(Path.of(d)));
        } else {
            SYSTEM_UNIT_DIRS.forEach(d -> dirs.add(Path.of(d)));
        }
        return dirs;
    }

    /** How messages name the manager: {@code the system manager}, {@code the user manager of root}. */
    String label() {
        return user ? "the user manager of " + userName : "the system manager";
    }
}
