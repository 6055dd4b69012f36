package dev.converge.agent.cli;

import static dev.converge.agent.cli.DeployCommandTest.agent;
import static dev.converge.agent.cli.DeployCommandTest.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.cli.DeployCommandTest.Outcome;
import dev.converge.agent.etcd.EtcdServer;
import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.HostStatus;
import dev.converge.agent.etcd.StoredGraph;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** {@code agent status} in-process against a real etcd, with statuses published as agents would. */
class StatusCommandTest {

    @TempDir
    static Path shared;

    static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.start(shared);
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        etcd.close();
    }

    private static final Instant SINCE = Instant.parse("2026-03-04T05:06:07.891Z");

    private EtcdStore store(TestInfo test) throws Exception {
        return EtcdStore.connect(etcd.settings().withPrefix(prefix(test)));
    }

    private Outcome status(TestInfo test) {
        return agent("status", "--etcd=" + etcd.endpoint(), "--etcd-prefix=" + prefix(test));
    }

    @Test
    void exitsZeroOnlyWhenEveryHostIsConvergedOnItsLatestGraph(TestInfo test) throws Exception {
        try (EtcdStore admin = store(test); EtcdStore web1 = store(test); EtcdStore web2 = store(test)) {
            StoredGraph all = admin.deploy(admin.allGraphKey(), "graph: all\n", 0);
            web1.putStatus("web1", new HostStatus(true, SINCE, 1, all.hash(), Map.of("ok", 3)));
            web2.putStatus("web2", new HostStatus(true, SINCE, 2, all.hash(), Map.of("ok", 2, "changed", 1)));
            Outcome ok = status(test);
            assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
            assertThat(ok.out()).contains("HOST  STATE      SINCE                 GRAPH         LATEST  FAILED")
                    .contains("web1  converged  2026-03-04T05:06:07Z  " + all.hash().substring(0, 12) + "  yes     0")
                    .contains("2 hosts: 2 converged on the latest graph, 0 not");

            // A new deploy for web2: it is not on its latest graph until it says so.
            StoredGraph own = admin.deploy(admin.graphKey("web2"), "graph: web2\n", 0);
            Outcome stale = status(test);
            assertThat(stale.exit()).isEqualTo(Main.FAILED);
            assertThat(stale.out()).contains("no (" + own.hash().substring(0, 12) + " deployed)", "1 not");

            web2.putStatus("web2", new HostStatus(false, SINCE, 3, own.hash(), Map.of("ok", 1, "failed", 2)));
            Outcome failing = status(test);
            assertThat(failing.exit()).isEqualTo(Main.FAILED);
            assertThat(failing.out()).containsPattern("web2 +not converged +\\S+ +" + own.hash().substring(0, 12) + " +yes +2");

            web2.putStatus("web2", new HostStatus(true, SINCE, 3, own.hash(), Map.of("ok", 3)));
            assertThat(status(test).exit()).isZero();
        }
    }

    @Test
    void aHostWithAGraphButNoLiveAgentIsNotConverged(TestInfo test) throws Exception {
        try (EtcdStore admin = store(test)) {
            admin.deploy(admin.graphKey("web3"), "graph: web3\n", 0);
            Outcome o = status(test);
            assertThat(o.exit()).isEqualTo(Main.FAILED);
            assertThat(o.out()).containsPattern("web3 +no status +- +- +- +-");
        }
    }

    @Test
    void noHostAtAllIsNotSuccess(TestInfo test) {
        Outcome o = status(test);
        assertThat(o.exit()).isEqualTo(Main.FAILED);
        assertThat(o.out()).contains("no host under " + prefix(test));
    }
}
