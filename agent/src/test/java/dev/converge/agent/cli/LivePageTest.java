package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.converge.agent.etcd.EtcdServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent run --http}: every endpoint, asked by a real HTTP client of a real agent process
 * while its graph runs. The exec {@code gate} runs until the test creates a file, so "running"
 * and then "changed" are seen in that order without timing.
 */
class LivePageTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern ADDRESS = Pattern.compile("live plan at (http://127\\.0\\.0\\.1:\\d+/)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();

    /** A graph whose exec[gate] runs until DIR/go exists, then exec[after]; and a sensitive file. */
    static Path gatedGraph(Path dir) throws Exception {
        return Files.writeString(dir.resolve("graph.yaml"), """
                graph: live
                resources:
                  exec:
                  - name: gate
                    cmd: while [ ! -e DIR/go ]; do sleep 0.05; done
                    shell: /bin/sh
                  - name: after
                    cmd: "true"
                  file:
                  - name: DIR/secret
                    content: "s3cret\\n"
                    sensitive: true
                edges:
                - name: gate-after
                  from: {kind: exec, name: gate}
                  to: {kind: exec, name: after}
                """.replace("DIR", dir.toString()));
    }

    /** The page's address, from the agent's line that announces it. */
    static URI address(AgentProcess agent) throws Exception {
        await().atMost(WAIT).until(() -> ADDRESS.matcher(agent.stderrSoFar()).find());
        Matcher m = ADDRESS.matcher(agent.stderrSoFar());
        m.find();
        return URI.create(m.group(1));
    }

    private HttpResponse<String> get(URI base, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode resource(URI base, String id) throws Exception {
        for (JsonNode r : JSON.readTree(get(base, "api/status").body()).get("resources")) {
            if (r.get("id").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no " + id + " in /api/status");
    }

    @Test
    void everyEndpointFollowsTheRun() throws Exception {
        Path graph = gatedGraph(dir);
        var agent = AgentProcess.start(dir, "run", "--file", graph.toString(), "--http", "0");
        try {
            URI base = address(agent);
            await().atMost(WAIT).until(() -> resource(base, "exec[gate]").get("state").asText().equals("running"));
            JsonNode status = JSON.readTree(get(base, "api/status").body());
            assertThat(status.get("graph").asText()).isEqualTo("live");
            assertThat(status.get("generation").asInt()).isEqualTo(1);
            assertThat(status.get("converged").asBoolean()).isFalse();
            assertThat(status.get("counts").get("running").asInt()).isEqualTo(1);
            assertThat(resource(base, "exec[after]").get("state").asText()).isEqualTo("pending");

            var page = get(base, "");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("<title>converge: live plan</title>").contains("/api/events")
                    .as("self-contained: nothing from another site").doesNotContain("src=\"http").doesNotContain("href=\"http");
            assertThat(get(base, "plan.svg").body()).contains("<svg").contains("<title>exec[gate]</title>");

            var secret = get(base, "api/resource?id=" + URLEncoder.encode("file[" + dir.resolve("secret") + "]",
                    StandardCharsets.UTF_8));
            assertThat(secret.statusCode()).isEqualTo(200);
            JsonNode detail = JSON.readTree(secret.body());
            assertThat(detail.get("params").get("content").asText()).isEqualTo("(sensitive: hidden)");
            assertThat(secret.body()).doesNotContain("s3cret");
            assertThat(detail.get("lines").toString()).contains("changed in");
            assertThat(get(base, "api/resource?id=exec%5Bnone%5D").statusCode()).isEqualTo(404);
            assertThat(client.send(HttpRequest.newBuilder(base).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);

            var events = client.send(HttpRequest.newBuilder(base.resolve("api/events")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(events.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
            try (var lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
                assertThat(lines.readLine()).isEqualTo("event: status");
                assertThat(lines.readLine()).startsWith("data: {").contains("\"exec[gate]\"");
                Files.createFile(dir.resolve("go"));
                String line;
                do {
                    line = lines.readLine();
                } while (line != null && !(line.startsWith("data: ") && line.contains("\"converged\":true")));
                assertThat(line).as("a status event says converged").isNotNull();
            }
            assertThat(resource(base, "exec[gate]").get("state").asText()).isEqualTo("changed");
            assertThat(resource(base, "exec[gate]").get("duration").asDouble()).isPositive();
            assertThat(resource(base, "exec[after]").get("state").asText()).isEqualTo("changed");
            assertThat(JSON.readTree(get(base, "api/status").body()).get("criticalPath").get("resources").toString())
                    .isEqualTo("[\"exec[gate]\",\"exec[after]\"]");

            var metrics = get(base, "metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("converge_converged 1.0")
                    .contains("converge_graph_generation 1.0")
                    .contains("converge_graph_swaps_total 0.0")
                    .contains("converge_resources{state=\"pending\"} 0.0")
                    .contains("converge_applies_total{kind=\"exec\"} 2.0")
                    .contains("converge_checkapply_duration_seconds_count{kind=\"exec\",result=\"changed\"} 2")
                    .contains("converge_commands_running 0.0")
                    .doesNotContain("converge_etcd_reachable");

            agent.signal("TERM");
            assertThat(agent.await(WAIT).exit()).isEqualTo(143);
        } finally {
            agent.process().destroyForcibly();
        }
    }

    @Test
    void anAddressInUseEndsTheRunBeforeAnythingIsApplied() throws Exception {
        Path graph = gatedGraph(dir);
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var result = AgentProcess.run(dir, "run", "--file", graph.toString(), "--http",
                    "127.0.0.1:" + taken.getLocalPort(), "--converged-timeout=0");

            assertThat(result.exit()).isEqualTo(2);
            assertThat(result.stderr()).contains("--http 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .containsIgnoringCase("address already in use").doesNotContain("Exception");
            assertThat(dir.resolve("secret")).as("nothing applied").doesNotExist();
        }
    }

    @Test
    void withEtcdTheMetricsSayWhetherItAnswers() throws Exception {
        Path graph = gatedGraph(dir);
        Files.createFile(dir.resolve("go"));
        try (var etcd = EtcdServer.start(dir.resolve("etcd"))) {
            var agent = AgentProcess.start(dir, "run", "--file", graph.toString(), "--etcd=" + etcd.endpoint(),
                    "--hostname=web1", "--http", "0");
            try {
                URI base = address(agent);
                await().atMost(WAIT).untilAsserted(() -> assertThat(get(base, "metrics").body())
                        .contains("converge_etcd_reachable 1.0"));
                etcd.stop();
                await().atMost(WAIT).untilAsserted(() -> assertThat(get(base, "metrics").body())
                        .contains("converge_etcd_reachable 0.0"));
                agent.signal("TERM");
                assertThat(agent.await(WAIT).exit()).isEqualTo(143);
            } finally {
                agent.process().destroyForcibly();
            }
        }
    }
}
