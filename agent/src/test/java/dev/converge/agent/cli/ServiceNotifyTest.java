package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.testing.DatagramInbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent process run as systemd runs a {@code Type=notify} service: its notifications
 * arrive on a real datagram socket of the test's own ({@code NOTIFY_SOCKET}), with a watchdog
 * interval ({@code WATCHDOG_USEC}); its service-mode lines say when the host converges and when
 * it stops being converged.
 */
class ServiceNotifyTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void readyStatusWatchdogReloadAndStopReachSystemd() throws Exception {
        Path conf = dir.resolve("app.conf");
        Path env = dir.resolve("env.txt");
        Path graph = Files.writeString(dir.resolve("graph.yaml"), """
                graph: service
                resources:
                  file:
                  - name: CONF
                    content: "v1\\n"
                  exec:
                  - name: show-env
                    cmd: env > ENV
                    shell: /bin/sh
                    creates: ENV
                """.replace("CONF", conf.toString()).replace("ENV", env.toString()));
        try (var inbox = new DatagramInbox(dir.resolve("notify").toString())) {
            var agent = AgentProcess.start(dir, Map.of("NOTIFY_SOCKET", inbox.name(), "WATCHDOG_USEC", "400000"),
                    "run", "--file", graph.toString());
            try {
                assertThat(inbox.nextContaining("READY=1", WAIT)).as("ready after the first pass")
                        .hasValue("READY=1\nSTATUS=converged: 2 resources, generation 1");
                assertThat(conf).hasContent("v1");
                assertThat(inbox.nextContaining("WATCHDOG=1", WAIT)).isPresent();
                await().atMost(WAIT).untilAsserted(() -> assertThat(agent.stderrSoFar().lines())
                        .anyMatch(l -> l.contains("converged: 2 resources, generation 1 (changed: ")
                                && l.contains("file[" + conf + "]") && l.contains("exec[show-env]")));
                assertThat(Files.readString(env)).as("a command does not speak to systemd for the agent")
                        .contains("PATH=").doesNotContain("NOTIFY_SOCKET").doesNotContain("WATCHDOG_USEC");

                Files.writeString(conf, "edited by hand\n");
                await().atMost(WAIT).untilAsserted(() -> assertThat(agent.stderrSoFar()).contains("not converged: work for file[" + conf + "]"));
                await().atMost(WAIT).untilAsserted(() -> assertThat(agent.stderrSoFar()).contains(
                        "converged: 2 resources, generation 1 (changed: file[" + conf + "] in "));
                assertThat(conf).hasContent("v1");

                agent.signal("HUP");
                assertThat(inbox.nextContaining("RELOADING=1", WAIT)).hasValueSatisfying(d ->
                        assertThat(d).matches("RELOADING=1\nMONOTONIC_USEC=\\d+"));
                assertThat(inbox.nextContaining("READY=1", WAIT)).hasValue("READY=1");

                agent.signal("TERM");
                assertThat(inbox.nextContaining("STOPPING=1", WAIT)).hasValue("STOPPING=1\nSTATUS=stopping");
                assertThat(agent.await(WAIT).exit()).isEqualTo(143);
            } finally {
                agent.process().destroyForcibly();
            }
        }
    }

    @Test
    void aFirstPassWithAFailureIsReadyAndSaysSoAsAWarning() throws Exception {
        Path graph = Files.writeString(dir.resolve("graph.yaml"), """
                graph: failing
                resources:
                  exec:
                  - name: broken
                    cmd: "false"
                  - name: fine
                    cmd: "true"
                """);
        try (var inbox = new DatagramInbox("@converge-service-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime())) {
            var agent = AgentProcess.start(dir, Map.of("NOTIFY_SOCKET", inbox.name()), "run", "--file", graph.toString());
            try {
                assertThat(inbox.nextContaining("READY=1", WAIT)).as("the first pass is over, failed or not")
                        .hasValue("READY=1\nSTATUS=not converged: 1 of 2 failed, generation 1");
                await().atMost(WAIT).untilAsserted(() -> assertThat(agent.stderrSoFar())
                        .contains("warning: not converged: 1 of 2 failed, generation 1"));
                assertThat(agent.stderrSoFar()).doesNotContain("converged: 2 resources");
                agent.signal("TERM");
                assertThat(agent.await(WAIT).exit()).isEqualTo(143);
            } finally {
                agent.process().destroyForcibly();
            }
        }
    }
}
