package dev.converge.agent.cli;

import static dev.converge.agent.cli.DeployCommandTest.agent;
import static dev.converge.agent.cli.DeployCommandTest.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.converge.agent.cli.DeployCommandTest.Outcome;
import dev.converge.agent.etcd.EtcdServer;
import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.HostStatus;
import dev.converge.agent.etcd.HostStatus.ResourceProblem;
import dev.converge.agent.etcd.StoredGraph;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    private Outcome status(TestInfo test, String... more) {
        var args = new ArrayList<>(List.of("status", "--etcd=" + etcd.endpoint(), "--etcd-prefix=" + prefix(test)));
        args.addAll(List.of(more));
        return agent(args.toArray(String[]::new));
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

    @Test
    void namesEachFailedAndSkippedResourceWithItsErrorAsTextAndAsJson(TestInfo test) throws Exception {
        try (EtcdStore admin = store(test); EtcdStore web1 = store(test); EtcdStore web2 = store(test)) {
            StoredGraph all = admin.deploy(admin.allGraphKey(), "graph: all\n", 0);
            web1.putStatus("web1", new HostStatus(true, SINCE, 1, all.hash(), Map.of("ok", 3)));
            web2.putStatus("web2", new HostStatus(false, SINCE, 1, all.hash(), Map.of("ok", 1, "failed", 1, "skipped", 1),
                    List.of(new ResourceProblem("exec[build]", "failed", "`make` exited with status 2\nmake: *** no rule"),
                            new ResourceProblem("exec[deploy]", "skipped", "parent exec[build] failed")), 3));

            Outcome text = status(test);
            assertThat(text.exit()).as(text.out() + text.err()).isEqualTo(Main.FAILED);
            assertThat(text.out()).contains("""
                    web2  not converged  2026-03-04T05:06:07Z  %s  yes     1

                    web2: exec[build] failed: `make` exited with status 2
                        make: *** no rule
                    web2: exec[deploy] skipped: parent exec[build] failed
                    web2: 3 more failed or skipped, not listed (a host lists at most 100)
                    2 hosts: 1 converged on the latest graph, 1 not
                    """.formatted(all.hash().substring(0, 12)));
            assertThat(text.out()).doesNotContain("web1:");

            Outcome json = status(test, "--json");
            assertThat(json.exit()).as(json.err()).isEqualTo(Main.FAILED);
            assertThat(json.err()).isEmpty();
            JsonNode doc = new ObjectMapper().readTree(json.out());
            assertThat(doc.get("prefix").asText()).isEqualTo(prefix(test));
            assertThat(doc.get("total").asInt()).isEqualTo(2);
            assertThat(doc.get("ok").asInt()).isEqualTo(1);
            JsonNode h1 = doc.get("hosts").get(0);
            assertThat(h1.get("host").asText()).isEqualTo("web1");
            assertThat(h1.get("ok").asBoolean()).isTrue();
            assertThat(h1.get("problems")).isEmpty();
            JsonNode h2 = doc.get("hosts").get(1);
            assertThat(h2.get("host").asText()).isEqualTo("web2");
            assertThat(h2.get("state").asText()).isEqualTo("not converged");
            assertThat(h2.get("ok").asBoolean()).isFalse();
            assertThat(h2.get("since").asText()).isEqualTo("2026-03-04T05:06:07.891Z");
            assertThat(h2.get("generation").asLong()).isEqualTo(1);
            assertThat(h2.get("graphHash").asText()).isEqualTo(all.hash());
            assertThat(h2.get("latestHash").asText()).isEqualTo(all.hash());
            assertThat(h2.get("latest").asBoolean()).isTrue();
            assertThat(h2.get("counts").get("failed").asInt()).isEqualTo(1);
            assertThat(h2.get("problems")).hasSize(2);
            assertThat(h2.get("problems").get(0).get("id").asText()).isEqualTo("exec[build]");
            assertThat(h2.get("problems").get(0).get("status").asText()).isEqualTo("failed");
            assertThat(h2.get("problems").get(0).get("message").asText())
                    .isEqualTo("`make` exited with status 2\nmake: *** no rule");
            assertThat(h2.get("problems").get(1).get("message").asText()).isEqualTo("parent exec[build] failed");
            assertThat(h2.get("problemsLeftOut").asInt()).isEqualTo(3);
        }
    }

    @Test
    void jsonOfAHostWithoutStatusHasNullsAndAnOlderAgentsFailuresAreCountedAsText(TestInfo test) throws Exception {
        try (EtcdStore admin = store(test); EtcdStore old = store(test)) {
            admin.deploy(admin.graphKey("web3"), "graph: web3\n", 0);
            old.putStatus("web4", new HostStatus(false, SINCE, 1, "0123", Map.of("failed", 2, "skipped", 1)));

            JsonNode doc = new ObjectMapper().readTree(status(test, "--json").out());
            JsonNode web3 = doc.get("hosts").get(0);
            assertThat(web3.get("state").asText()).isEqualTo("no status");
            assertThat(web3.get("since").isNull()).isTrue();
            assertThat(web3.get("generation").isNull()).isTrue();
            assertThat(web3.get("graphHash").isNull()).isTrue();
            assertThat(web3.get("latest").asBoolean()).isFalse();
            assertThat(web3.get("counts")).isEmpty();
            JsonNode web4 = doc.get("hosts").get(1);
            assertThat(web4.get("latestHash").isNull()).as("no graph deployed for it").isTrue();
            assertThat(web4.get("problems")).isEmpty();

            assertThat(status(test).out())
                    .contains("web4: 2 failed, 1 skipped; its agent does not publish which (an older version)");
        }
    }

    @Test
    void jsonWithNoHostIsAnEmptyListAndExitsOne(TestInfo test) throws Exception {
        Outcome o = status(test, "--json");
        assertThat(o.exit()).isEqualTo(Main.FAILED);
        JsonNode doc = new ObjectMapper().readTree(o.out());
        assertThat(doc.get("hosts")).isEmpty();
        assertThat(doc.get("total").asInt()).isZero();
    }

    @Test
    void helpNamesJson() {
        Outcome help = agent("status", "--help");
        assertThat(help.out()).contains("--json", "each failed or skipped resource with its error");
    }
}
