package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --graphviz} file follows a long run: written as the plan at start, rewritten with
 * each resource's status on SIGUSR1 and each time the host becomes converged.
 */
class PlanFileTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void rewrittenOnSigusr1AndWhenConverged() throws Exception {
        Path graph = LivePageTest.gatedGraph(dir);
        Path plan = dir.resolve("plan.dot");
        var agent = AgentProcess.start(dir, "run", "--file", graph.toString(), "--graphviz=" + plan);
        try {
            await().atMost(WAIT).until(() -> agent.stderrSoFar().contains("exec[gate] start"));
            assertThat(plan).content().contains("\"exec[gate]\"").doesNotContain("RUNNING");

            agent.signal("USR1");
            await().atMost(WAIT).until(() -> Files.readString(plan).contains("exec[gate]\\nRUNNING"));
            assertThat(plan).content().contains("exec[after]\\nPENDING");

            Files.createFile(dir.resolve("go"));
            await().atMost(WAIT).until(() -> Files.readString(plan).contains("exec[after]\\nCHANGED"));
            assertThat(plan).content().contains("exec[gate]\\nCHANGED");

            Files.delete(plan);
            agent.signal("USR1");
            await().atMost(WAIT).until(() -> Files.exists(plan) && Files.readString(plan).contains("exec[after]\\nCHANGED"));
            agent.signal("TERM");
            assertThat(agent.await(WAIT).exit()).isEqualTo(143);
        } finally {
            agent.process().destroyForcibly();
        }
    }
}
