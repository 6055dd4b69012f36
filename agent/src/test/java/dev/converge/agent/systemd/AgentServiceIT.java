package dev.converge.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.etcd.EtcdServer;
import dev.converge.agent.systemd.SystemdContainer.Result;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The .deb in a real systemd: a Debian container without any Java gets the package built by
 * {@code agent/packaging/build-deb} (in Maven's package phase with {@code -Pdeb}), and the agent
 * runs as agent.service. The tests run in order on the one container: install (which starts the
 * sample graph), the bundled runtime's TLS, start with readiness, status, reload, watchdog,
 * journald priorities, stop, purge.
 *
 * <p>Start, status, reload and the watchdog need the agent's sd_notify messages (READY=1,
 * STATUS=, WATCHDOG=1); the other tests start the service without waiting for readiness.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentServiceIT {

    /** Where the package is inside the container: the module's target directory, read-only. */
    private static final String TARGET = "/mnt/converge-target";
    /** The TLS test's certificates: written on the host into the target directory, read inside. */
    private static final String TLS = TARGET + "/it-tls";
    /** Where the test graphs write, inside the container. */
    private static final String OUT = "/run/converge-it";
    private static final String GRAPH = "/etc/converge/graph.yaml";
    /** Ceiling for what should take seconds: a JVM start and a short graph on a busy 2-core machine. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static final Path TARGET_DIR = Path.of(System.getProperty("converge.target", "target")).toAbsolutePath();

    @RegisterExtension
    static final SystemdContainer container = new SystemdContainer().bindReadOnly(TARGET_DIR, TARGET);

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The package build-deb left in the target directory (it removes older ones). */
    private static Path deb() throws IOException {
        List<Path> debs;
        try (Stream<Path> list = Files.list(TARGET_DIR)) {
            debs = list.filter(p -> p.getFileName().toString().matches("converge_.*\\.deb")).toList();
        }
        assertThat(debs).as("the package in %s (built by 'mvn -Pdeb package', 'make deb')", TARGET_DIR).hasSize(1);
        return debs.getFirst();
    }

    /** A graph whose first pass takes at least 2 s, then writes OUT/ready; and {@code more} resources. */
    private static String graph(String more) {
        return """
                graph: it
                resources:
                  exec:
                  - name: slow
                    cmd: sleep 2
                %s
                  file:
                  - name: %s/
                  - name: %s/ready
                    content: "ready\\n"
                edges:
                - name: slow-first
                  from: {kind: exec, name: slow}
                  to: {kind: file, name: %s/ready}
                """.formatted(more, OUT, OUT, OUT);
    }

    private static Result run(String... command) throws Exception {
        return container.run(command);
    }

    private static Result ok(String... command) throws Exception {
        Result r = container.run(command);
        assertThat(r.exit()).as(r.describe()).isZero();
        return r;
    }

    private static String show(String property) throws Exception {
        return ok("systemctl", "show", "-P", property, "agent").out().strip();
    }

    private static boolean exists(String path) throws Exception {
        return run("test", "-e", path).exit() == 0;
    }

    @Test
    @Order(1)
    void installsInAContainerWithoutJavaAndStartsTheSampleGraph() throws Exception {
        System.out.printf("container booted in %.2f s%n", container.bootTime().toMillis() / 1000.0);
        assertThat(run("sh", "-c", "command -v java").exit()).as("the container has no java of its own").isNotZero();

        Result install = container.run(PATIENCE, "dpkg", "-i", TARGET + "/" + deb().getFileName());

        assertThat(install.exit()).as(install.describe()).isZero();
        assertThat(ok("dpkg-query", "-W", "-f", "${Depends}", "converge").out()).as("Depends")
                .doesNotContainIgnoringCase("java").doesNotContainIgnoringCase("jdk").doesNotContainIgnoringCase("jre");
        assertThat(ok("readlink", "-f", "/usr/bin/agent").out().strip()).isEqualTo("/usr/lib/converge/bin/agent");
        assertThat(exists("/var/cache/converge/agent.aot")).as("the class cache trained by the postinst").isTrue();
        assertThat(run("systemctl", "is-enabled", "agent").out().strip()).as("enabled by the postinst").isEqualTo("enabled");
        assertThat(run("systemctl", "is-active", "agent").out().strip()).as("started by the postinst").isEqualTo("active");
        assertThat(exists("/run/converge/sample")).as("the sample graph applied when dpkg -i returned").isTrue();

        Result validate = container.run(PATIENCE, Map.of("CONVERGE_JAVA_OPTS", "-Xlog:aot=info"),
                "agent", "validate", "--file", GRAPH);
        assertThat(validate.exit()).as(validate.describe()).isZero();
        assertThat(validate.out()).as("the sample graph is valid and the JVM maps the class cache")
                .contains("valid:").contains("Opened AOT cache /var/cache/converge/agent.aot");
        Result version = ok("agent", "--version");
        assertThat(version.out()).as("the bundled runtime").contains("Java 25");
        assertThat(version.err()).as("no JDK warning (restricted methods, Unsafe)").isEmpty();
    }

    @Test
    @Order(2)
    void theBundledRuntimeTalksTlsToEtcd() throws Exception {
        Path dir = TARGET_DIR.resolve("it-tls");
        deleteTree(dir);
        Files.createDirectories(dir);
        Certificates.make(dir);
        EtcdServer etcd = EtcdServer.startTls(dir.resolve("etcd"),
                new EtcdServer.Tls(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key")));
        try {
            container.write("/tmp/tls.yaml", "graph: tls\nresources:\n  file:\n  - name: " + OUT + "/\n"
                    + "  - name: " + OUT + "/from-etcd\n    content: \"over TLS\\n\"\n");
            // The container shares the host's network: the host's etcd is on its loopback.
            List<String> tls = List.of("--etcd=" + etcd.endpoint(), "--etcd-cacert=" + TLS + "/ca.pem",
                    "--etcd-cert=" + TLS + "/client.pem", "--etcd-key=" + TLS + "/client.key");
            List<String> deploy = new ArrayList<>(List.of("agent", "deploy", "--file=/tmp/tls.yaml", "--hostname=it"));
            deploy.addAll(tls);
            Result deployed = container.run(PATIENCE, deploy.toArray(String[]::new));
            assertThat(deployed.exit()).as(deployed.describe()).isZero();

            List<String> runs = new ArrayList<>(List.of("agent", "run", "--hostname=it", "--converged-timeout=0"));
            runs.addAll(tls);
            Result ran = container.run(PATIENCE, runs.toArray(String[]::new));
            assertThat(ran.exit()).as(ran.describe()).isZero();
            assertThat(ok("cat", OUT + "/from-etcd").out()).isEqualTo("over TLS\n");
            assertThat(ran.err()).as("no JDK warning over TLS (netty)").doesNotContain("WARNING");
        } finally {
            etcd.close();
            deleteTree(dir);
        }
        ok("rm", "-rf", OUT);
    }

    @Test
    @Order(2)
    void theBundledRuntimeWatchesAUnitOverDBus() throws Exception {
        // svc's watch authenticates to the bus with the uid from jdk.security.auth, which the jlinked runtime must hold.
        container.write("/tmp/svc.yaml", "graph: svc\nresources:\n  svc:\n  - name: dbus\n    state: running\n");

        Result ran = container.run(PATIENCE, "agent", "run", "--file=/tmp/svc.yaml", "--converged-timeout=0");

        assertThat(ran.exit()).as(ran.describe()).isZero();
        assertThat(ran.out() + ran.err()).contains("svc[dbus] ok").doesNotContain("cannot watch");
    }

    @Test
    @Order(2)
    void theBundledRuntimeServesTheLivePage() throws Exception {
        int port;
        try (var free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        container.write("/tmp/http.yaml", "graph: http\nresources:\n  noop:\n  - name: one\n");
        ok("systemd-run", "--unit=http-check", "agent", "run", "--file=/tmp/http.yaml", "--http=127.0.0.1:" + port);
        try {
            // The container shares the host's network: its loopback is the host's.
            HttpClient client = HttpClient.newHttpClient();
            URI status = URI.create("http://127.0.0.1:" + port + "/api/status");
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> assertThat(client.send(
                    HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .contains("\"converged\" : true"));
            assertThat(client.send(HttpRequest.newBuilder(status.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("converge_converged 1.0");
        } finally {
            run("systemctl", "stop", "http-check");
        }
    }

    @Test
    @Order(3)
    void startReturnsOnceTheFirstPassIsDone() throws Exception {
        ok("systemctl", "stop", "agent");
        container.write(GRAPH, graph(""));

        Result start = container.run(PATIENCE, "systemctl", "start", "agent");

        assertThat(start.exit()).as(start.describe()).isZero();
        assertThat(run("systemctl", "is-active", "agent").out().strip()).as("right after start returned").isEqualTo("active");
        assertThat(exists(OUT + "/ready")).as("the first pass (sleep 2, then the file) is done when start returns").isTrue();
    }

    @Test
    @Order(4)
    void statusShowsTheAgentsStatusLine() throws Exception {
        await("systemctl status shows the agent's STATUS=").atMost(PATIENCE)
                .until(() -> run("systemctl", "status", "--no-pager", "agent").out(), out -> out.contains("Status: \"converged:"));
    }

    @Test
    @Order(5)
    void reloadSwapsInTheEditedGraphInTheSameProcess() throws Exception {
        String pid = show("MainPID");
        container.write(GRAPH, graph("""
                  - name: reloaded
                    cmd: touch %s/reloaded
                    creates: %s/reloaded
                """.formatted(OUT, OUT)));

        ok("systemctl", "reload", "agent");

        await("the reloaded graph's file").atMost(PATIENCE).until(() -> exists(OUT + "/reloaded"));
        assertThat(show("MainPID")).as("MainPID after the reload").isEqualTo(pid);
        assertThat(ok("journalctl", "-u", "agent", "--no-pager").out()).contains("SIGHUP received: reloading " + GRAPH);
    }

    @Test
    @Order(6)
    void aWedgedAgentIsKilledAndRestartedByTheWatchdog() throws Exception {
        // A short watchdog and abort timeout for the test; the unit's own are 30 s.
        container.write("/run/systemd/system/agent.service.d/watchdog.conf",
                "[Service]\nWatchdogSec=3s\nTimeoutAbortSec=2s\n");
        ok("systemctl", "daemon-reload");
        Result restart = container.run(PATIENCE, "systemctl", "restart", "agent");
        assertThat(restart.exit()).as(restart.describe()).isZero();
        String pid = show("MainPID");
        int restarts = Integer.parseInt(show("NRestarts"));

        ok("kill", "-STOP", pid);

        await("a new agent process after the watchdog fired").atMost(PATIENCE).until(
                () -> !show("MainPID").equals(pid) && !show("MainPID").equals("0")
                        && Integer.parseInt(show("NRestarts")) > restarts);
        assertThat(ok("journalctl", "-u", "agent", "--no-pager").out()).containsIgnoringCase("watchdog timeout");
        ok("rm", "-r", "/run/systemd/system/agent.service.d");
        ok("systemctl", "daemon-reload");
    }

    @Test
    @Order(7)
    void aFailingResourceIsAWarningInTheJournal() throws Exception {
        container.write(GRAPH, graph("""
                  - name: broken
                    cmd: "false"
                """));

        ok("systemctl", "restart", "--no-block", "agent");

        await("exec[broken]'s failure in journalctl -p warning").atMost(PATIENCE).until(
                () -> ok("journalctl", "-u", "agent", "-p", "warning", "--no-pager").out(),
                out -> out.contains("exec[broken] failed"));
        assertThat(ok("journalctl", "-u", "agent", "-p", "warning", "--no-pager").out())
                .as("info lines are not warnings").doesNotContain("exec[slow] start");
    }

    @Test
    @Order(8)
    void stopLeavesNoProcessBehind() throws Exception {
        container.write(GRAPH, graph("""
                  - name: long
                    cmd: sleep 600
                """));
        ok("systemctl", "restart", "--no-block", "agent");
        await("sleep 600 running in agent.service's cgroup").atMost(PATIENCE)
                .until(() -> unitProcesses().stream().anyMatch(p -> p.contains("sleep 600")));

        Result stop = container.run(PATIENCE, "systemctl", "stop", "agent");

        assertThat(stop.exit()).as(stop.describe()).isZero();
        assertThat(run("systemctl", "is-active", "agent").out().strip()).isEqualTo("inactive");
        assertThat(unitProcesses()).as("processes left in agent.service's cgroup").isEmpty();
        assertThat(processes()).as("processes of the agent or its commands anywhere in the container")
                .noneMatch(p -> p.contains("agent.jar") || p.contains("sleep 600"));
    }

    /** The command lines of the processes in agent.service's cgroup (v1's name=systemd or v2). */
    private static List<String> unitProcesses() throws Exception {
        String group = show("ControlGroup");
        if (group.isEmpty()) {
            return List.of();
        }
        Result pids = ok("sh", "-c", "cat /sys/fs/cgroup/systemd" + group + "/cgroup.procs /sys/fs/cgroup" + group
                + "/cgroup.procs 2>/dev/null || true");
        List<String> lines = new ArrayList<>();
        for (String pid : pids.out().split("\\s+")) {
            if (!pid.isBlank()) {
                lines.add(pid + " " + run("sh", "-c", "tr '\\0' ' ' < /proc/" + pid + "/cmdline").out());
            }
        }
        return lines;
    }

    /** Every process's command line in the container, but this listing's own. */
    private static List<String> processes() throws Exception {
        Result all = ok("sh", "-c", "for p in /proc/[0-9]*; do [ \"${p#/proc/}\" = $$ ] && continue;"
                + " echo \"${p#/proc/} $(tr '\\0' ' ' < $p/cmdline 2>/dev/null)\"; done");
        return Arrays.stream(all.out().split("\n")).filter(l -> !l.isBlank()).toList();
    }

    @Test
    @Order(9)
    void purgeLeavesNothing() throws Exception {
        List<String> files = Arrays.stream(ok("dpkg", "-L", "converge").out().split("\n"))
                .filter(l -> l.startsWith("/")).toList();

        Result purge = container.run(PATIENCE, "dpkg", "--purge", "converge");

        assertThat(purge.exit()).as(purge.describe()).isZero();
        List<String> left = new ArrayList<>();
        for (String file : files) {
            // Directories such as /usr/bin (or /lib, a link to one) stay: only converge's own must go.
            Result kind = run("sh", "-c", "if [ -d \"$1\" ]; then echo dir;"
                    + " elif [ -L \"$1\" ] || [ -e \"$1\" ]; then echo file; fi", "sh", file);
            String found = kind.out().strip();
            if (found.equals("file") || found.equals("dir") && file.contains("converge")) {
                left.add(file);
            }
        }
        assertThat(left).as("the package's files after the purge").isEmpty();
        for (String path : List.of("/etc/converge", "/usr/lib/converge", "/var/cache/converge", "/usr/bin/agent",
                "/lib/systemd/system/agent.service", "/etc/systemd/system/multi-user.target.wants/agent.service",
                "/etc/systemd/system/agent.service")) {
            assertThat(exists(path) || run("test", "-L", path).exit() == 0).as(path + " after the purge").isFalse();
        }
        Result found = ok("sh", "-c", "find / -xdev -path /mnt -prune -o \\( -name '*converge*'"
                + " -o -name 'agent.service*' -o -name 'agent.aot*' \\) -print");
        assertThat(found.out().lines().toList()).as("anything named after the package left in the root file system")
                .isEmpty();
    }
}
