package dev.converge.resources.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apt backend against the real apt of this host: installs and removes {@code hello} and
 * {@code sl} (both depend only on libraries every Debian system has) as one group. Runs only as
 * root on a host with apt-get; leaves both packages as it found them.
 */
@Timeout(600)
class AptBackendTest {

    private static final List<String> PACKAGES = List.of("hello", "sl");
    private static final Map<String, Boolean> FOUND = new LinkedHashMap<>();

    private final PkgKind kind = new PkgKind();

    @TempDir
    Path dir;

    @BeforeAll
    static void needsRootAndApt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "installs packages: needs root");
        assumeTrue(PackageManager.detect(PkgSettings.hostSearchPath()).equals(Optional.of(PackageManager.APT)),
                "needs apt-get and dpkg-query");
        for (String p : PACKAGES) {
            FOUND.put(p, installed(p));
        }
    }

    @AfterAll
    static void leaveTheHostAsFound() throws Exception {
        var remove = new ArrayList<String>();
        var install = new ArrayList<String>();
        for (var e : FOUND.entrySet()) {
            boolean now = installed(e.getKey());
            if (now && !e.getValue()) {
                remove.add(e.getKey());
            } else if (!now && e.getValue()) {
                install.add(e.getKey());
            }
        }
        if (!remove.isEmpty()) {
            sh(concat(List.of("apt-get", "-y", "-q", "remove"), remove));
        }
        if (!install.isEmpty()) {
            sh(concat(List.of("apt-get", "-y", "-q", "install"), install));
        }
    }

    /** Asks dpkg-query directly, independently of the code under test. */
    static boolean installed(String pkg) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("dpkg-query", "--show", "--showformat=${db:Status-Status}", pkg)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return status.equals("installed");
    }

    private static void sh(List<String> argv) throws IOException, InterruptedException {
        var pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.start().waitFor();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        var all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private Resource group(PkgKind k, String state, String... names) {
        var members = new LinkedHashMap<String, PkgParams>();
        for (String n : names) {
            members.put(n, new PkgParams(state, false, false, false, false));
        }
        return k.createGroup(members);
    }

    private static List<String> aptGetLines(RecordingContext ctx) {
        return ctx.logs().stream().filter(l -> l.startsWith("running: apt-get ")).toList();
    }

    private static final String APT_GET = "running: apt-get -y -q -o DPkg::Lock::Timeout=300"
            + " -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o Dpkg::Use-Pty=0 ";

    @Test
    void installsAndRemovesAGroupInOneTransactionEach() throws Exception {
        Resource remove = group(kind, "uninstalled", "hello", "sl");
        remove.checkApply(new RecordingContext(remove.id()), true);
        assertThat(installed("hello") || installed("sl")).isFalse();

        Resource install = group(kind, "installed", "hello", "sl");
        CheckResult wouldDo = install.checkApply(new RecordingContext(install.id()), false);
        assertThat(wouldDo.changes()).hasSize(2);
        assertThat(wouldDo.changes().get(0)).startsWith("install hello (");
        assertThat(wouldDo.changes().get(1)).startsWith("install sl (");
        assertThat(installed("hello") || installed("sl")).as("noop changed nothing").isFalse();

        try (var ctx = new RecordingContext(install.id())) {
            Thread watch = Thread.ofVirtual().start(() -> {
                try {
                    install.watch(ctx);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> ctx.runningCalls() == 1);

            CheckResult done = install.checkApply(ctx, true);

            assertThat(done.changes()).hasSize(2).allMatch(c -> c.matches("install (hello|sl) \\(\\S+\\)"));
            assertThat(aptGetLines(ctx)).last().isEqualTo(APT_GET + "install hello sl");
            assertThat(aptGetLines(ctx)).filteredOn(l -> l.contains(" install ")).hasSize(1);
            assertThat(installed("hello") && installed("sl")).isTrue();
            assertThat(ctx.lines("stdout")).anyMatch(l -> l.contains("hello"));
            await().atMost(Duration.ofSeconds(10)).until(() -> ctx.events() > 0);
            watch.interrupt();
            watch.join(Duration.ofSeconds(10));
            assertThat(watch.isAlive()).isFalse();
        }

        assertThat(install.checkApply(new RecordingContext(install.id()), false)).isEqualTo(CheckResult.ok());
        assertThat(group(kind, "newest", "hello", "sl").checkApply(new RecordingContext(install.id()), false))
                .isEqualTo(CheckResult.ok());
        String version = installedVersion("hello");
        assertThat(kind.create("hello", new PkgParams(version, false, false, false, false))
                .checkApply(new RecordingContext(install.id()), true)).isEqualTo(CheckResult.ok());
        assertThat(kind.pathHints("hello", PkgParams.DEFAULTS).provides()).contains(Path.of("/usr/bin/hello"));

        assertThat(remove.checkApply(new RecordingContext(remove.id()), false).changes())
                .containsExactly("remove hello", "remove sl");
        assertThat(installed("hello")).isTrue();
        var ctx = new RecordingContext(remove.id());
        assertThat(remove.checkApply(ctx, true).changes()).containsExactly("remove hello", "remove sl");
        assertThat(aptGetLines(ctx)).containsExactly(APT_GET + "remove hello sl");
        assertThat(installed("hello") || installed("sl")).isFalse();
        assertThat(remove.checkApply(new RecordingContext(remove.id()), true)).isEqualTo(CheckResult.ok());
    }

    private static String installedVersion(String pkg) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("dpkg-query", "--show", "--showformat=${Version}", pkg).start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return v;
    }

    @Test
    void aPackageAptDoesNotKnowUpdatesTheListsOnceThenFails() throws Exception {
        Resource r = group(kind, "installed", "converge-no-such-package");
        var noop = new RecordingContext(r.id());
        assertThat(r.checkApply(noop, false).changes()).containsExactly(
                "install converge-no-such-package (not in the package lists yet; apply runs apt-get update first)");
        assertThat(aptGetLines(noop)).isEmpty();

        var ctx = new RecordingContext(r.id());
        assertThatThrownBy(() -> r.checkApply(ctx, true)).isInstanceOf(PackagesFailedException.class)
                .hasMessage("converge-no-such-package: not available from the package repositories"
                        + " (after apt-get update)");
        assertThat(ctx.logs()).contains("converge-no-such-package: not in the package lists; running apt-get update once");
        assertThat(aptGetLines(ctx)).containsExactly(APT_GET + "update");
    }

    @Test
    void aGroupInstallsItsValidMembersAndFailsOnlyTheUnknownOne() throws Exception {
        Resource remove = kind.create("hello", new PkgParams("uninstalled", false, false, false, false));
        remove.checkApply(new RecordingContext(remove.id()), true);
        assertThat(installed("hello")).isFalse();
        Resource r = group(kind, "installed", "hello", "converge-no-such-package");
        String error = "converge-no-such-package: not available from the package repositories (after apt-get update)";

        var ctx = new RecordingContext(r.id());
        long start = System.nanoTime();
        assertThatThrownBy(() -> r.checkApply(ctx, true)).isInstanceOfSatisfying(PackagesFailedException.class, e -> {
            assertThat(e.id()).isEqualTo(ResourceId.of("pkg", "autogroup:(hello,converge-no-such-package)"));
            assertThat(e.failures()).containsOnlyKeys("converge-no-such-package");
        }).hasMessage(error);
        System.out.printf("group apply with one unknown member: %d ms%n", (System.nanoTime() - start) / 1_000_000);

        assertThat(installed("hello")).isTrue();
        assertThat(aptGetLines(ctx)).containsExactly(APT_GET + "update", APT_GET + "install hello");
        assertThat(ctx.logs()).anyMatch(l -> l.matches("done for the other packages: install hello \\(\\S+\\)"));

        var again = new RecordingContext(r.id());
        assertThatThrownBy(() -> r.checkApply(again, true)).isInstanceOf(PackagesFailedException.class)
                .hasMessage(error);
        assertThat(aptGetLines(again)).containsExactly(APT_GET + "update");
        assertThat(again.logs()).noneMatch(l -> l.startsWith("done for the other packages"));
    }

    @Test
    void parsesTheArgumentsAptGetCannotFind() {
        List<String> stderr = List.of(
                "E: Unable to locate package nope-a",
                "E: Version '0.1' for 'hello' was not found",
                "E: Package 'mail-transport-agent' has no installation candidate",
                "E: Sub-process /usr/bin/dpkg returned an error code (1)");
        assertThat(AptBackend.unknown(stderr)).containsExactly(
                Map.entry("nope-a", "E: Unable to locate package nope-a"),
                Map.entry("hello=0.1", "E: Version '0.1' for 'hello' was not found"),
                Map.entry("mail-transport-agent", "E: Package 'mail-transport-agent' has no installation candidate"));
        assertThat(AptBackend.unknown(List.of("E: Unable to correct problems, you have held broken packages.")))
                .isEmpty();
    }

    @Test
    void anUnknownVersionIsReportedInNoop() throws Exception {
        Resource r = kind.create("hello", new PkgParams("0.0.1-converge", false, false, false, false));
        String note = "not in the package lists yet; apply runs apt-get update first";
        assertThat(r.checkApply(new RecordingContext(r.id()), false).changes()).containsExactly(installed("hello")
                ? "change hello " + installedVersion("hello") + " -> 0.0.1-converge (" + note + ")"
                : "install hello (0.0.1-converge; " + note + ")");
    }

    @Test
    void aHeldDpkgLockStopsTheTransactionAfterTheBound() throws Exception {
        boolean before = installed("hello");
        Path lock = dir.resolve("lock-frontend");
        var waiting = new PkgKind(new PkgSettings(new ProcessCommandRunner(), PkgSettings.hostSearchPath(),
                new DpkgLock(lock, Duration.ofSeconds(1), Duration.ofMillis(100)), "x86_64"));
        Resource r = waiting.create("hello", new PkgParams(before ? "uninstalled" : "installed", false, false, false, false));
        Process holder = PkgLockTest.holdLock(lock, 60);
        try {
            var ctx = new RecordingContext(r.id());
            assertThatThrownBy(() -> r.checkApply(ctx, true)).isInstanceOf(ResourceException.class)
                    .hasMessageContaining("was still held by another process after 1 s");
            assertThat(ctx.logs()).anyMatch(l -> l.startsWith("waiting for the dpkg lock held by another process"));
            assertThat(aptGetLines(ctx)).isEmpty();
            assertThat(installed("hello")).isEqualTo(before);
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void parsesAptCachePolicy() {
        List<String> out = List.of(
                "curl:",
                "  Installed: 7.88.1-10",
                "  Candidate: 7.88.1-10+deb12u5",
                "  Version table:",
                "     7.88.1-10+deb12u5 500",
                "        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages",
                " *** 7.88.1-10 500",
                "        500 http://deb.debian.org/debian bookworm/main amd64 Packages",
                "        100 /var/lib/dpkg/status",
                "mail-transport-agent:",
                "  Installed: (none)",
                "  Candidate: (none)",
                "  Version table:");
        Map<String, Backend.Offer> offers = AptBackend.parsePolicy(
                List.of("curl:amd64", "mail-transport-agent", "converge-no-such-package"), out);
        assertThat(offers).containsOnlyKeys("curl:amd64");
        assertThat(offers.get("curl:amd64"))
                .isEqualTo(new Backend.Offer("7.88.1-10+deb12u5", Set.of("7.88.1-10+deb12u5", "7.88.1-10")));
    }

    @Test
    void parsesDpkgQueryRows() {
        Map<String, List<String>> installed = AptBackend.parseShow(List.of("libc6", "bash:amd64", "sl", "vim"), List.of(
                "libc6\tamd64\t2.36-9+deb12u7\tii ",
                "libc6\ti386\t2.36-9+deb12u7\tii ",
                "bash\tamd64\t5.2.15-2+b2\thi ",
                "sl\tamd64\t5.02-1+b1\trc ",
                "vim\tamd64\t2:9.0.1378-2\tiU "));
        assertThat(installed).containsExactly(
                Map.entry("libc6", List.of("2.36-9+deb12u7", "2.36-9+deb12u7")),
                Map.entry("bash:amd64", List.of("5.2.15-2+b2")),
                Map.entry("sl", List.of()),
                Map.entry("vim", List.of()));
    }
}
