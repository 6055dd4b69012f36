package dev.converge.agent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol on a WebSocket of the JDK's own
 * HTTP client: navigate, evaluate a script, take a screenshot. One page. A test fixture; the
 * test thread calls it, the client's threads complete the answers.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    /** Answers not yet received, by command id; completed by the listener. */
    private final Map<Integer, CompletableFuture<JsonNode>> answers;

    private HeadlessChromium(Process process, WebSocket socket, Map<Integer, CompletableFuture<JsonNode>> answers) {
        this.process = process;
        this.socket = socket;
        this.answers = answers;
    }

    /** Starts Chromium with a new profile in {@code profile} and attaches to its first page. */
    static HeadlessChromium start(Path profile) throws Exception {
        Files.createDirectories(profile);
        // The flags keep it from reaching out to the network, which is closed here.
        Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,800",
                "--user-data-dir=" + profile, "about:blank")
                .redirectOutput(profile.resolve("chromium.out").toFile())
                .redirectError(profile.resolve("chromium.err").toFile())
                .start();
        try {
            Path active = profile.resolve("DevToolsActivePort");
            long end = System.nanoTime() + WAIT.toNanos();
            while (!Files.exists(active) || Files.readAllLines(active).size() < 2) {
                if (!process.isAlive() || System.nanoTime() > end) {
                    throw new IOException("chromium did not open its DevTools port: "
                            + Files.readString(profile.resolve("chromium.err")));
                }
                process.waitFor(20, TimeUnit.MILLISECONDS);
            }
            int port = Integer.parseInt(Files.readAllLines(active).getFirst().trim());
            HttpClient client = HttpClient.newHttpClient();
            JsonNode targets = JSON.readTree(client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String page = null;
            for (JsonNode t : targets) {
                if (t.get("type").asText().equals("page")) {
                    page = t.get("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (page == null) {
                throw new IOException("chromium has no page to attach to: " + targets);
            }
            var answers = new ConcurrentHashMap<Integer, CompletableFuture<JsonNode>>();
            var listener = new Listener(answers);
            WebSocket socket = client.newWebSocketBuilder().buildAsync(URI.create(page), listener)
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return new HeadlessChromium(process, socket, answers);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Collects text frames into messages and completes the answer each one is for. */
    private static final class Listener implements WebSocket.Listener {
        private final Map<Integer, CompletableFuture<JsonNode>> answers;
        private final StringBuilder message = new StringBuilder();

        Listener(Map<Integer, CompletableFuture<JsonNode>> answers) {
            this.answers = answers;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                try {
                    JsonNode node = JSON.readTree(message.toString());
                    if (node.has("id")) {
                        var answer = answers.remove(node.get("id").asInt());
                        if (answer != null) {
                            answer.complete(node);
                        }
                    }
                } catch (IOException e) {
                    answers.values().forEach(a -> a.completeExceptionally(e));
                }
                message.setLength(0);
            }
            socket.request(1);
            return null;
        }
    }

    /** Sends one DevTools command and waits for its result. */
    JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        var answer = new CompletableFuture<JsonNode>();
        answers.put(id, answer);
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(command), true).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        JsonNode node = answer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (node.has("error")) {
            throw new IOException(method + ": " + node.get("error"));
        }
        return node.get("result");
    }

    void navigate(URI url) throws Exception {
        call("Page.navigate", Map.of("url", url.toString()));
    }

    /** The value of a JavaScript expression in the page, as a string ("" for null or undefined). */
    String evaluate(String expression) throws Exception {
        JsonNode value = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true))
                .path("result").path("value");
        return value.isMissingNode() || value.isNull() ? "" : value.asText();
    }

    /** Saves what the page shows now as a PNG at {@code file}. */
    void screenshot(Path file) throws Exception {
        String data = call("Page.captureScreenshot", Map.of("format", "png")).get("data").asText();
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(data));
    }

    @Override
    public void close() throws InterruptedException {
        socket.abort();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }
}
