package dev.converge.resources.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real users and groups for tests that run shadow-utils on this host: names that cannot clash
 * with real accounts ({@code cvt} and a random suffix, checked unused), ids from a range above
 * the normal users' ({@value #FIRST_ID} to {@value #LAST_ID}, checked unused), and, on
 * {@link #close}, the removal of every user and group of those names that exists then, whether
 * the test made it or failed half-way. Only names this object handed out are ever removed.
 *
 * <p>Use one per test, closed in {@code @AfterEach}. Not thread-safe.
 */
public final class ScratchAccounts implements AutoCloseable {

    /** The ids handed out lie here: above Debian's UID_MAX (60000), below nobody (65534). */
    public static final long FIRST_ID = 61_000;
    public static final long LAST_ID = 64_999;

    private static final SecureRandom RANDOM = new SecureRandom();
    private final List<String> names = new ArrayList<>();
    private final Set<Long> ids = new HashSet<>();

    /**
     * Skips the calling test unless the JVM runs as root, with the reason; under CI (the
     * environment variable {@code CI} set and not {@code false}) fails it instead, so the tests
     * cannot go unrun there.
     */
    public static void requireRoot() {
        if (isRoot()) {
            return;
        }
        String message = "creating real users and groups needs root";
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty() && !ci.equals("false")) {
            throw new AssertionError(message + ", and CI must run these tests");
        }
        Assumptions.abort(message + ": skipped");
    }

    public static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** A fresh account name no user or group has, e.g. {@code cvt4k9x2q}; removed on close. */
    public String name() throws IOException {
        while (true) {
            var name = new StringBuilder("cvt");
            for (int i = 0; i < 6; i++) {
                name.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(RANDOM.nextInt(36)));
            }
            String n = name.toString();
            if (!userExists(n) && !groupExists(n) && !names.contains(n)) {
                names.add(n);
                return n;
            }
        }
    }

    /** An id in {@value #FIRST_ID}..{@value #LAST_ID} that no user and no group has, not handed out before. */
    public long freeId() throws IOException {
        Set<Long> used = new HashSet<>(ids);
        for (String file : List.of("/etc/passwd", "/etc/group")) {
            for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && f[2].matches("[0-9]{1,10}")) {
                    used.add(Long.parseLong(f[2]));
                }
                if (f.length == 7 && f[3].matches("[0-9]{1,10}")) {
                    used.add(Long.parseLong(f[3]));
                }
            }
        }
        for (int tries = 0; tries < 1000; tries++) {
            long id = FIRST_ID + RANDOM.nextLong(LAST_ID - FIRST_ID + 1);
            if (!used.contains(id)) {
                ids.add(id);
                return id;
            }
        }
        throw new IllegalStateException("no free id in " + FIRST_ID + ".." + LAST_ID);
    }

    /** The fields of {@code name}'s line in {@code /etc/passwd} or {@code /etc/group}; empty when there is none. */
    public static List<String> entry(String file, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
            if (line.startsWith(name + ":")) {
                return List.of(line.split(":", -1));
            }
        }
        return List.of();
    }

    public static boolean userExists(String name) throws IOException {
        return !entry("/etc/passwd", name).isEmpty();
    }

    public static boolean groupExists(String name) throws IOException {
        return !entry("/etc/group", name).isEmpty();
    }

    /**
     * Runs a command (a shadow-utils tool, as a test changing an account by hand) and returns
     * its output.
     *
     * @throws AssertionError when it exits non-zero or takes more than a minute
     */
    public static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", argv) + " exited with " + p.exitValue() + ": " + output);
        }
        return output;
    }

    /**
     * Removes every user, then every group, of the names handed out that exists now (users first:
     * groupdel refuses a user's primary group). Home directories are left to the tests' temporary
     * directories; nothing else is touched.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        var failures = new ArrayList<String>();
        for (String n : names) {
            if (userExists(n)) {
                remove(failures, "/usr/sbin/userdel", n);
            }
        }
        for (String n : names) {
            if (groupExists(n)) {
                remove(failures, "/usr/sbin/groupdel", n);
            }
        }
        names.clear();
        if (!failures.isEmpty()) {
            throw new AssertionError("cleanup failed: " + failures);
        }
    }

    private static void remove(List<String> failures, String tool, String name) throws IOException, InterruptedException {
        try {
            run(tool, name);
        } catch (AssertionError e) {
            failures.add(e.getMessage());
        }
    }
}
