package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.etcd.EtcdServer;
import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.StoredGraph;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** {@code agent deploy} in-process against a real etcd; each test under a prefix of its own. */
class DeployCommandTest {

    static final String GOOD = """
            graph: web
            resources:
              noop:
              - name: a
            """;

    @TempDir
    static Path shared;

    static EtcdServer etcd;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.start(shared);
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        etcd.close();
    }

    record Outcome(int exit, String out, String err) {}

    static Outcome agent(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int exit = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    static String prefix(TestInfo test) {
        return "/t/" + test.getTestMethod().orElseThrow().getName();
    }

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("g.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private EtcdStore store(TestInfo test) throws Exception {
        return EtcdStore.connect(etcd.settings().withPrefix(prefix(test)));
    }

    @Test
    void deploysToAHostThenToAllAndReadsBack(TestInfo test) throws Exception {
        Path g = write(GOOD);
        Outcome o = agent("deploy", "--file", g.toString(), "--etcd", etcd.endpoint().toString(),
                "--etcd-prefix", prefix(test), "--host", "web1");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).contains("to " + prefix(test) + "/graph/web1: revision", "sha256 " + StoredGraph.hashOf(GOOD));

        Outcome all = agent("deploy", "-f", g.toString(), "--etcd=" + etcd.endpoint(), "--etcd-prefix=" + prefix(test), "--all");
        assertThat(all.exit()).as(all.err()).isZero();
        // A second deploy over an existing key reads its revision first.
        assertThat(agent("deploy", "-f", g.toString(), "--etcd=" + etcd.endpoint(), "--etcd-prefix=" + prefix(test),
                "--all").exit()).isZero();
        try (EtcdStore s = store(test)) {
            assertThat(s.read(s.graphKey("web1")).orElseThrow().yaml()).isEqualTo(GOOD);
            assertThat(s.graphFor("web2").orElseThrow().allHosts()).isTrue();
        }
    }

    @Test
    void anInvalidGraphExitsTwoAndWritesNothing(TestInfo test) throws Exception {
        Path g = write("""
                graph: bad
                resources:
                  nosuchkind:
                  - name: a
                """);
        Outcome o = agent("deploy", "--file", g.toString(), "--etcd", etcd.endpoint().toString(),
                "--etcd-prefix", prefix(test), "--host", "web1");
        assertThat(o.exit()).isEqualTo(Main.INVALID);
        assertThat(o.err()).contains("g.yaml:3:3: error: unknown kind 'nosuchkind'", "invalid graph, 1 error; nothing deployed");
        try (EtcdStore s = store(test)) {
            assertThat(s.listGraphs()).isEmpty();
        }
    }

    @Test
    void ofTwoDeploysFromTheSameRevisionTheSecondIsRefused(TestInfo test) throws Exception {
        Path g = write(GOOD);
        String[] common = {"deploy", "-f", g.toString(), "--etcd=" + etcd.endpoint(), "--etcd-prefix=" + prefix(test),
                "--host=web1", "--expect-revision=0"};
        assertThat(agent(common).exit()).isZero();
        Outcome lost = agent(common);
        assertThat(lost.exit()).isEqualTo(Main.FAILED);
        assertThat(lost.err()).contains(prefix(test) + "/graph/web1: changed since it was read (expected no key, found revision",
                "another deploy won; nothing written");
    }

    @Test
    void etcdDownIsReportedClearlyWithExitThree() throws Exception {
        Path g = write(GOOD);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Outcome o = agent("deploy", "-f", g.toString(), "--etcd=http://127.0.0.1:" + port, "--etcd-timeout=500ms", "--host=web1");
        assertThat(o.exit()).isEqualTo(EtcdOptions.UNREACHABLE);
        assertThat(o.err()).startsWith("agent deploy: read /converge/graph/web1: etcd at http://127.0.0.1:" + port)
                .contains("nothing deployed");
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path g = write(GOOD);
        assertThat(agent("deploy", "-f", g.toString(), "--host=web1").err()).contains("--etcd=URL[,URL...] is required");
        assertThat(agent("deploy", "-f", g.toString(), "--etcd=" + etcd.endpoint(), "--host=a/b").exit()).isEqualTo(Main.INVALID);
        assertThat(agent("deploy", "-f", g.toString(), "--etcd=" + etcd.endpoint(), "--host=web1", "--all").exit())
                .isEqualTo(Main.INVALID);
        Outcome noPassword = agent("deploy", "-f", g.toString(), "--etcd=" + etcd.endpoint(), "--host=web1", "--etcd-user=root");
        assertThat(noPassword.exit()).isEqualTo(Main.INVALID);
        assertThat(noPassword.err()).contains("no password: give --etcd-password-file or set $CONVERGE_ETCD_PASSWORD");
    }
}
