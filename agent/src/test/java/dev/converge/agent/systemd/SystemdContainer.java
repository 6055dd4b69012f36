package dev.converge.agent.systemd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real systemd to test against: a Debian root file system with systemd (built once by
 * {@code agent/packaging/build-rootfs}, which {@code make test-deps} runs) booted in a container
 * with {@code systemd-nspawn}, once per test class. The tree is booted with
 * {@code --volatile=overlay}: every write goes to a tmpfs over it, so each boot starts from the
 * tree as built and the cached tree is never changed.
 *
 * <p>Register it as a static field with {@code @RegisterExtension}. Before the class it checks what
 * it needs (root, systemd-nspawn and nsenter, the tree) and, when something is missing, skips the
 * class saying what to do, or fails it when the environment variable {@code CI} is set (and not
 * "false"); then it boots the container and waits until {@code systemctl is-system-running} says
 * running or degraded. After the class it halts the container (SIGTERM to nspawn) and waits for it
 * to exit. Commands run inside with {@code nsenter} into every namespace of the container's init.
 *
 * <p>A directory of the tree named with {@link #persist} is the exception: it is copied from the
 * tree to a host directory before the first boot and bound read-write there, so what a test
 * writes in it survives {@link #reboot}; the copy is deleted after the class.
 *
 * <p>Not thread-safe: one test thread at a time.
 */
public final class SystemdContainer implements BeforeAllCallback, AfterAllCallback {

    /** Where build-rootfs puts the tree unless told otherwise; the system property converge.rootfs overrides it. */
    public static final Path DEFAULT_ROOTFS = Path.of("/var/cache/converge/bookworm-systemd");
    private static final Duration BOOT = Duration.ofSeconds(60);
    private static final Duration HALT = Duration.ofSeconds(60);
    /** The longest a command inside may take unless the caller says otherwise. */
    private static final Duration COMMAND = Duration.ofSeconds(120);
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** A command's exit status and output. */
    public record Result(List<String> command, int exit, String out, String err) {
        /** Both streams, to explain a failed assertion. */
        public String describe() {
            return String.join(" ", command) + " exited " + exit + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    private final List<String> binds = new ArrayList<>();
    private final List<String> persisted = new ArrayList<>();
    private final List<Path> copies = new ArrayList<>();
    private final String name = "converge-it-" + ProcessHandle.current().pid();
    private Path root;
    private Path log;
    private Process nspawn;
    private long init;
    private Thread halter;
    private Duration bootTime = Duration.ZERO;

    /** Binds {@code host} read-only at {@code inside} in the container (set before the class starts). */
    public SystemdContainer bindReadOnly(Path host, String inside) {
        binds.add("--bind-ro=" + host + ":" + inside);
        return this;
    }

    /**
     * Keeps the tree's directory {@code inside} (absolute, e.g. {@code /etc/systemd/system}) across
     * {@link #reboot}s of this container: a copy of it on the host is bound read-write over it
     * (set before the class starts).
     */
    public SystemdContainer persist(String inside) {
        persisted.add(inside);
        return this;
    }

    /**
     * Halts the container and boots it again from the tree: everything written inside is gone
     * but the {@link #persist persisted} directories. Returns once the new boot is running.
     */
    public void reboot() throws IOException, InterruptedException {
        halt();
        boot();
    }

    /** How long the last boot took, from starting nspawn to running or degraded. */
    public Duration bootTime() {
        return bootTime;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        root = Path.of(System.getProperty("converge.rootfs", DEFAULT_ROOTFS.toString()));
        requireEnvironment();
        copyPersisted();
        boot();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            halt();
        } finally {
            for (Path copy : copies) {
                deleteTree(copy);
            }
        }
    }

    /** Copies each persisted directory of the tree to the host (links and modes kept) and binds it. */
    private void copyPersisted() throws IOException, InterruptedException {
        for (String inside : persisted) {
            Path copy = Files.createTempDirectory("converge-persist-");
            copies.add(copy);
            Process cp = new ProcessBuilder("cp", "-a", root + inside + "/.", copy + "/").redirectErrorStream(true)
                    .start();
            String output = new String(cp.getInputStream().readAllBytes());
            if (cp.waitFor() != 0) {
                throw new AssertionError("copying " + root + inside + " failed: " + output);
            }
            binds.add("--bind=" + copy + ":" + inside);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Skips the class (or, under CI, fails it) when root, the tools or the tree are missing. */
    private void requireEnvironment() throws IOException {
        String missing = null;
        if (!runningAsRoot()) {
            missing = "systemd-nspawn needs root, and the tests run as " + System.getProperty("user.name");
        } else if (!installed("systemd-nspawn") || !installed("nsenter")) {
            missing = "systemd-nspawn or nsenter is not installed (apt-get install systemd-container util-linux,"
                    + " or make test-deps)";
        } else if (!Files.isExecutable(root.resolve("lib/systemd/systemd"))) {
            missing = "no root file system with systemd at " + root
                    + " (make test-deps builds it with agent/packaging/build-rootfs)";
        }
        if (missing == null) {
            return;
        }
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty() && !ci.equals("false")) {
            throw new AssertionError(missing + ", and CI must run the systemd container tests");
        }
        Assumptions.abort(missing + ": skipped");
    }

    private static boolean installed(String command) {
        return Arrays.stream(PATH.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static boolean runningAsRoot() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    }

    private void boot() throws IOException {
        log = Files.createTempFile("converge-nspawn-", ".log");
        List<String> command = new ArrayList<>(List.of("systemd-nspawn", "-D", root.toString(), "--boot",
                "--register=no", "--keep-unit", "--console=pipe", "-M", name, "--volatile=overlay"));
        command.addAll(binds);
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().put("PATH", PATH);
        nspawn = builder.start();
        halter = new Thread(this::haltQuietly, "halt " + name);
        Runtime.getRuntime().addShutdownHook(halter);
        try {
            // nspawn's child is first a helper, then the container's systemd.
            await("the container's systemd").atMost(BOOT).pollInterval(Duration.ofMillis(50))
                    .failFast("systemd-nspawn exited", () -> !nspawn.isAlive())
                    .until(() -> containerInit().isPresent());
            init = containerInit().orElseThrow();
            await("systemctl is-system-running: running or degraded").atMost(BOOT)
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("systemd-nspawn exited", () -> !nspawn.isAlive())
                    .until(() -> {
                        String state = run(Duration.ofSeconds(10), "systemctl", "is-system-running").out().strip();
                        return state.equals("running") || state.equals("degraded");
                    });
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            String output = logText();
            haltQuietly();
            throw new AssertionError("booting " + root + " failed: " + e.getMessage() + "\n--- systemd-nspawn:\n"
                    + output, e);
        }
        bootTime = Duration.ofNanos(System.nanoTime() - started);
    }

    /** The pid of the container's systemd: nspawn's child once it runs /lib/systemd/systemd. */
    private Optional<Long> containerInit() {
        return nspawn.children().map(ProcessHandle::pid).filter(pid -> {
            try {
                return Files.readString(Path.of("/proc", pid.toString(), "comm")).strip().equals("systemd");
            } catch (IOException e) {
                return false;
            }
        }).findFirst();
    }

    /** Halts the container: SIGTERM to nspawn, which shuts the container's systemd down; waits for it. */
    private void halt() throws InterruptedException {
        if (nspawn == null) {
            return;
        }
        nspawn.destroy();
        if (!nspawn.waitFor(HALT.toSeconds(), TimeUnit.SECONDS)) {
            nspawn.destroyForcibly();
            nspawn.waitFor(HALT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("systemd-nspawn did not exit within " + HALT + " of SIGTERM: " + logText());
        }
        nspawn = null;
        try {
            Runtime.getRuntime().removeShutdownHook(halter);
        } catch (IllegalStateException e) {
            // The JVM is exiting: the hook runs or has run.
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // A temporary file; the next boot makes its own.
        }
    }

    private void haltQuietly() {
        try {
            halt();
        } catch (InterruptedException | AssertionError e) {
            // Exiting anyway.
        }
    }

    private String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Runs {@code command} inside the container with a plain environment; at most two minutes. */
    public Result run(String... command) throws IOException, InterruptedException {
        return run(COMMAND, command);
    }

    /** Runs {@code command} inside; fails when it has not exited within {@code limit}. */
    public Result run(Duration limit, String... command) throws IOException, InterruptedException {
        return run(limit, Map.of(), command);
    }

    /** Runs {@code command} inside with {@code env} added to the plain environment. */
    public Result run(Duration limit, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(init), "-a", "env", "-i",
                "PATH=" + PATH, "LANG=C.UTF-8"));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.addAll(List.of(command));
        Path out = Files.createTempFile("converge-it-", ".out");
        Path err = Files.createTempFile("converge-it-", ".err");
        try {
            Process process = new ProcessBuilder(full).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + limit
                        + "\n--- stdout:\n" + Files.readString(out) + "\n--- stderr:\n" + Files.readString(err));
            }
            return new Result(List.of(command), process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs a {@code sh -c} script inside. */
    public Result sh(String script) throws IOException, InterruptedException {
        return run("sh", "-c", script);
    }

    /** Writes {@code content} to {@code path} inside (through the container's own sh). */
    public void write(String path, String content) throws IOException, InterruptedException {
        Path staged = Files.createTempFile("converge-it-", ".txt");
        try {
            Files.writeString(staged, content);
            List<String> command = List.of("nsenter", "-t", Long.toString(init), "-a", "sh", "-c",
                    "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"", "sh", path);
            Process process = new ProcessBuilder(command).redirectInput(staged.toFile())
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new AssertionError("writing " + path + " in the container failed: " + output);
            }
        } finally {
            Files.deleteIfExists(staged);
        }
    }
}
