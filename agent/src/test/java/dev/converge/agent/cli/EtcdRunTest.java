package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.etcd.EtcdServer;
import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.HostStatus;
import dev.converge.agent.etcd.StoredGraph;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agent run --etcd}: real etcd, real agent processes, real commands. */
class EtcdRunTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private EtcdServer etcd;
    private final List<AgentProcess> agents = new ArrayList<>();

    @BeforeEach
    void startEtcd() throws Exception {
        etcd = EtcdServer.start(dir.resolve("etcd"));
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AgentProcess a : agents) {
            a.process().destroy();
            a.await(WAIT);
        }
        etcd.close();
    }

    private AgentProcess agent(String host, String... more) throws Exception {
        var args = new ArrayList<>(List.of("run", "--etcd=" + etcd.endpoint(), "--hostname=" + host));
        args.addAll(List.of(more));
        AgentProcess a = AgentProcess.start(dir, args.toArray(String[]::new));
        agents.add(a);
        return a;
    }

    /** A graph whose exec appends a line to {@code DIR/<name>} each time it is applied. */
    private String counting(String graph, String... names) {
        var yaml = new StringBuilder("graph: " + graph + "\nresources:\n  exec:\n");
        for (String n : names) {
            yaml.append("  - name: ").append(n).append("\n    shell: /bin/sh\n    cmd: echo ").append(n)
                    .append(" >> ").append(dir.resolve(n.replaceAll("-v\\d+$", ""))).append("\n");
        }
        return yaml.toString();
    }

    private List<String> lines(String file) throws Exception {
        Path p = dir.resolve(file);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    /** The lines of {@code log} that contain {@code text}. */
    private static List<String> linesWith(String log, String text) {
        return log.lines().filter(l -> l.contains(text)).toList();
    }

    /**
     * Listens where etcd did while it is stopped, and hangs up on every connection: each one is
     * an attempt of the agent's that failed.
     */
    private static final class HangingUp implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket();
        private final AtomicInteger connections = new AtomicInteger();
        private final Thread thread;

        HangingUp(int port) throws IOException {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        // Closed.
                    }
                }
            });
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join();
        }
    }

    @Test
    void deployApplySwapOnlyTheChangeAndRejectAnInvalidGraph() throws Exception {
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            StoredGraph first = admin.deploy(admin.graphKey("web1"), counting("web", "keep", "edit-v1"), 0);
            AgentProcess web1 = agent("web1");
            await().atMost(WAIT).until(() -> lines("keep").size() == 1 && lines("edit").size() == 1);

            StoredGraph second = admin.deploy(admin.graphKey("web1"), counting("web", "keep", "edit-v2"),
                    first.modRevision());
            await().atMost(WAIT).until(() -> lines("edit").size() == 2);
            assertThat(lines("edit")).containsExactly("edit-v1", "edit-v2");
            assertThat(lines("keep")).as("unchanged: not applied again").containsExactly("keep");

            admin.deploy(admin.graphKey("web1"), "graph: web\nresources:\n  exec:\n  - name: x\n    colour: red\n",
                    second.modRevision());
            await().atMost(WAIT).until(() -> web1.stderrSoFar().contains("new graph rejected; still running generation 2"));
            await().atMost(WAIT).until(() -> admin.listStatus().containsKey("web1")
                    && admin.listStatus().get("web1").converged());
            HostStatus status = admin.listStatus().get("web1");
            assertThat(status.graphHash()).as("still the last valid graph").isEqualTo(second.hash());
            assertThat(status.generation()).isEqualTo(2);
            assertThat(web1.process().isAlive()).isTrue();
        }
    }

    @Test
    void threeHostsWithTheirOwnGraphsAndAllAreConvergedAndADeadOnesStatusGoes() throws Exception {
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            admin.deploy(admin.graphKey("db"), counting("db", "db"), 0);
            admin.deploy(admin.graphKey("web"), counting("web", "web"), 0);
            admin.deploy(admin.allGraphKey(), counting("all", "shared"), 0);
            agent("db");
            agent("web");
            AgentProcess cache = agent("cache", "--etcd-status-ttl=2s");
            await().atMost(WAIT).until(() -> lines("db").size() == 1 && lines("web").size() == 1
                    && lines("shared").size() == 1);

            await().atMost(WAIT).until(() -> DeployCommandTest.agent("status", "--etcd=" + etcd.endpoint()).exit() == 0);
            assertThat(DeployCommandTest.agent("status", "--etcd=" + etcd.endpoint()).out())
                    .contains("3 hosts: 3 converged on the latest graph, 0 not");

            cache.process().destroyForcibly();
            await().atMost(WAIT).until(() -> !admin.listStatus().containsKey("cache"));
            assertThat(admin.listStatus()).containsOnlyKeys("db", "web");
        }
    }

    @Test
    void etcdRestartedMidRunTheNextDeployIsApplied() throws Exception {
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            StoredGraph first = admin.deploy(admin.graphKey("h"), counting("h", "edit-v1"), 0);
            AgentProcess h = agent("h");
            await().atMost(WAIT).until(() -> lines("edit").size() == 1);

            etcd.stop();
            await().atMost(WAIT).until(() -> h.stderrSoFar().contains("is unreachable"));
            etcd.start();
            EtcdStore.retrying(WAIT, () -> admin.deploy(admin.graphKey("h"), counting("h", "edit-v2"),
                    first.modRevision()));

            await().atMost(WAIT).until(() -> lines("edit").size() == 2);
            assertThat(h.process().isAlive()).isTrue();
        }
    }

    @Test
    void anOutageIsOneWarningForTheWatchAndTheStatusTogetherThenOneLineWhenEtcdAnswersAgain() throws Exception {
        // Right from the start, so its first check is ok and its repair below changes the status.
        Path motd = Files.writeString(dir.resolve("motd"), "managed\n");
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            admin.deploy(admin.graphKey("h"), "graph: h\nresources:\n  file:\n  - name: motd\n    path: " + motd
                    + "\n    content: \"managed\\n\"\n", 0);
            AgentProcess h = agent("h");
            await().atMost(WAIT).until(() -> admin.listStatus().containsKey("h") && admin.listStatus().get("h").converged());

            etcd.stop();
            await().atMost(WAIT).until(() -> h.stderrSoFar().contains("is unreachable"));
            try (var hangingUp = new HangingUp(etcd.endpoint().getPort())) {
                // The status changes while etcd is away (ok to changed: the file is put back), so
                // the status publisher fails too, every 500 ms, not only the watch; and the agent
                // keeps trying to connect.
                Files.delete(motd);
                await().atMost(WAIT).until(() -> Files.exists(motd));
                await().atMost(WAIT).until(() -> hangingUp.connections() >= 3);
            }
            etcd.start();
            await().atMost(WAIT).until(() -> h.stderrSoFar().contains("answers again after"));
            await().atMost(WAIT).ignoreExceptions().until(() -> admin.listStatus().get("h").converged()
                    && admin.listStatus().get("h").counts().containsKey("changed"));

            h.process().destroy();
            String log = h.await(WAIT).stderr();
            assertThat(linesWith(log, "is unreachable")).singleElement().asString()
                    .contains("warning: etcd at " + etcd.endpoint() + " is unreachable: ",
                            "; the agent keeps running generation 1 and retries");
            assertThat(linesWith(log, "answers again after")).singleElement().asString()
                    .matches("\\S+ " + Pattern.quote("etcd at " + etcd.endpoint()) + " answers again after \\d+\\.\\d s");
            assertThat(log.lines().filter(l -> l.contains("warning:") && !l.contains("is unreachable")
                    && !l.contains("SIGTERM received"))).as("no other warning").isEmpty();
            assertThat(log).doesNotContain("cannot publish", "status published to etcd again");
        }
    }

    @Test
    void withNoGraphDeployedTheAgentWaitsForOneThenAppliesItAndExitsConverged() throws Exception {
        AgentProcess h = agent("h", "--converged-timeout=0");
        await().atMost(WAIT).until(() -> h.stderrSoFar().contains(
                "no graph deployed at /converge/graph/h or /converge/graph/_all yet; waiting for one"));
        assertThat(h.process().isAlive()).isTrue();

        Path g = Files.writeString(dir.resolve("g.yaml"), counting("h", "applied"));
        DeployCommandTest.Outcome deploy = DeployCommandTest.agent("deploy", "--file=" + g, "--etcd=" + etcd.endpoint(),
                "--host=h");
        assertThat(deploy.exit()).as(deploy.err()).isZero();

        AgentProcess.Result run = h.await(WAIT);
        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(lines("applied")).containsExactly("applied");
        assertThat(run.stderr()).contains("graph swapped, generation 1: 1 added", "converged for 0 s");
        assertThat(linesWith(run.stderr(), "waiting for one")).hasSize(1);
        assertThat(linesWith(run.stderr(), "warning:")).isEmpty();
    }

    @Test
    void aRunThatConvergesAndExitsLogsNoWarning() throws Exception {
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            admin.deploy(admin.graphKey("h"), counting("h", "applied"), 0);
        }
        // Three runs: closing used to interrupt a status publish under way about every other time.
        for (int i = 1; i <= 3; i++) {
            AgentProcess.Result run = AgentProcess.run(dir, "run", "--etcd=" + etcd.endpoint(), "--hostname=h",
                    "--converged-timeout=0");
            assertThat(run.exit()).as(run.stderr()).isZero();
            assertThat(run.stderr()).as("run %d", i).contains("converged for 0 s").doesNotContain("warning:");
        }
        assertThat(lines("applied")).hasSize(3);
    }

    @Test
    void sighupReadsTheHostsGraphFromEtcdAgainAndSwapsItInByDiff() throws Exception {
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            admin.deploy(admin.graphKey("h"), counting("h", "keep"), 0);
            AgentProcess h = agent("h");
            await().atMost(WAIT).until(() -> lines("keep").size() == 1
                    && h.stderrSoFar().contains("graph swapped, generation 1"));

            h.signal("HUP");

            await().atMost(WAIT).until(() -> h.stderrSoFar().contains("graph swapped, generation 2: 0 added, "
                    + "0 changed, 0 removed, 1 unchanged"));
            assertThat(h.stderrSoFar()).contains("SIGHUP received: reloading");
            assertThat(lines("keep")).as("unchanged: not applied again").containsExactly("keep");
            assertThat(h.process().isAlive()).isTrue();
        }
    }

    @Test
    void withAFileTheFileIsTheGraphAndEtcdCarriesOnlyTheStatus() throws Exception {
        Path g = dir.resolve("g.yaml");
        Files.writeString(g, counting("local", "local"));
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            admin.deploy(admin.graphKey("f"), counting("ignored", "from-etcd"), 0);
            agent("f", "--file=" + g);

            await().atMost(WAIT).until(() -> admin.listStatus().containsKey("f") && admin.listStatus().get("f").converged());
            assertThat(admin.listStatus().get("f").graphHash()).isEqualTo(StoredGraph.hashOf(Files.readString(g)));
            assertThat(lines("local")).containsExactly("local");
            assertThat(lines("from-etcd")).isEmpty();
        }
    }

    @Test
    void aFailedExecAndItsSkippedChildArePublishedWithWhyAndStatusNamesThem() throws Exception {
        Path g = dir.resolve("g.yaml");
        Files.writeString(g, """
                graph: failing
                resources:
                  exec:
                  - name: build
                    cmd: "false"
                  - name: deploy
                    cmd: echo never
                  - name: fine
                    cmd: "true"
                edges:
                - name: build-deploy
                  from: {kind: exec, name: build}
                  to: {kind: exec, name: deploy}
                """);
        try (EtcdStore admin = EtcdStore.connect(etcd.settings())) {
            agent("ci", "--file=" + g);

            await().atMost(WAIT).until(() -> admin.listStatus().containsKey("ci")
                    && admin.listStatus().get("ci").problems().size() == 2
                    && admin.listStatus().get("ci").problems().stream().noneMatch(p -> p.message().isEmpty()));
            HostStatus status = admin.listStatus().get("ci");
            assertThat(status.converged()).isFalse();
            assertThat(status.problems()).containsExactly(
                    new HostStatus.ResourceProblem("exec[build]", "failed", "`false` exited with status 1"),
                    new HostStatus.ResourceProblem("exec[deploy]", "skipped", "parent exec[build] failed"));

            DeployCommandTest.Outcome text = DeployCommandTest.agent("status", "--etcd=" + etcd.endpoint());
            assertThat(text.exit()).isEqualTo(Main.FAILED);
            assertThat(text.out()).contains("ci: exec[build] failed: `false` exited with status 1\n"
                    + "ci: exec[deploy] skipped: parent exec[build] failed\n");
            DeployCommandTest.Outcome json = DeployCommandTest.agent("status", "--json", "--etcd=" + etcd.endpoint());
            assertThat(json.exit()).isEqualTo(Main.FAILED);
            assertThat(json.out()).contains("\"id\" : \"exec[deploy]\"", "\"status\" : \"skipped\"");
        }
    }
}
