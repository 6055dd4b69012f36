package dev.converge.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.common.base.Suppliers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.converge.agent.dot.DotRenderer;
import dev.converge.agent.dot.PlanDrawing;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code agent run --http}: the live plan page and its data, on the JDK's HTTP server.
 *
 * <ul>
 *   <li>{@code GET /}: the page (self-contained: its script and style are inline);</li>
 *   <li>{@code GET /plan.svg}: the running graph's plan drawn by graphviz's {@code dot}, drawn
 *       again only when the graph is swapped;</li>
 *   <li>{@code GET /api/status}: {@link LiveStatus} as JSON;</li>
 *   <li>{@code GET /api/resource?id=kind[name]}: {@link LiveStatus.Detail} as JSON;</li>
 *   <li>{@code GET /api/events}: server-sent events, one {@code status} event with the JSON of
 *       {@code /api/status} each time it changed, looked at every {@link #EVENT_EVERY};</li>
 *   <li>{@code GET /metrics}: Prometheus' text format, by the client library's handler.</li>
 * </ul>
 *
 * <p>Threads: each request runs on a virtual thread of the server's own; they read the agent's
 * state through the suppliers given, which must be thread-safe and must not wait for the engine.
 * {@link #bind}, {@link #serve} and {@link #close} on the agent's main thread.
 */
public final class LiveServer implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger("converge");
    /** How often an event stream looks for a change. */
    static final Duration EVENT_EVERY = Duration.ofMillis(250);
    /** The JSON writer, made at the first request that needs it: a run nobody looks at never pays for it. */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder().build();
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    /** Set once by {@link #serve}, before the server starts. */
    private Supplier<LiveStatus> status;
    private Supplier<GraphSnapshot> graph;
    private final DotRenderer dot = new DotRenderer();
    /** The last plan drawn and the graph it was drawn from; guarded by {@code this}. */
    private GraphSnapshot drawnFrom;
    private String drawn;
    private volatile boolean closed;

    private LiveServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Binds {@code address} (exactly that address), serving nothing yet: called before anything
     * is applied, so an address that cannot be had ends the run first.
     *
     * @throws IOException when the address cannot be bound (in use, not local, not permitted)
     */
    public static LiveServer bind(InetSocketAddress address) throws IOException {
        return new LiveServer(HttpServer.create(address, 0));
    }

    /**
     * Starts serving. Call once.
     *
     * @param status  the status now
     * @param graph   the graph running now
     * @param detail  one resource in detail
     * @param metrics the registry of {@code /metrics}
     * @param catchUp brings what {@code status}, {@code detail} and {@code metrics} read up to
     *                date with the engine; run before each read
     */
    public void serve(Supplier<LiveStatus> status, Supplier<GraphSnapshot> graph,
            Function<ResourceSpec, LiveStatus.Detail> detail, AgentMetrics metrics, Runnable catchUp) {
        this.status = () -> {
            catchUp.run();
            return status.get();
        };
        this.graph = graph;
        // Made at the first scrape: loading the exposition formats is most of what metrics cost a run.
        Supplier<MetricsHandler> scrape = Suppliers.memoize(() -> new MetricsHandler(metrics.registry()));
        server.setExecutor(threads);
        server.createContext("/", get(this::page));
        server.createContext("/plan.svg", get(this::plan));
        server.createContext("/api/status", get(exchange -> json(exchange, this.status.get())));
        server.createContext("/api/resource", get(exchange -> {
            catchUp.run();
            resource(exchange, detail);
        }));
        server.createContext("/api/events", get(this::events));
        server.createContext("/metrics", get(exchange -> {
            catchUp.run();
            scrape.get().handle(exchange);
        }));
        server.start();
    }

    /** The address bound, with the port chosen when 0 was asked for. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static HttpHandler get(HttpHandler handler) {
        return exchange -> {
            try (exchange) {
                String method = exchange.getRequestMethod();
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
                    return;
                }
                handler.handle(exchange);
            } catch (IOException e) {
                LOG.debug("http: {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.getMessage());
            }
        };
    }

    private void page(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals("/")) {
            send(exchange, 404, "text/plain; charset=utf-8", "not found: " + exchange.getRequestURI().getPath() + "\n");
            return;
        }
        try (InputStream in = Objects.requireNonNull(LiveServer.class.getResourceAsStream("/live/index.html"),
                "the page is missing from the jar")) {
            send(exchange, 200, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void plan(HttpExchange exchange) throws IOException {
        String svg;
        try {
            svg = planSvg();
        } catch (IOException e) {
            send(exchange, 503, "text/plain; charset=utf-8", "cannot draw the plan: " + e.getMessage() + "\n");
            return;
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, 200, "image/svg+xml", svg);
    }

    /** The plan of the graph running now, drawn once per graph. */
    private synchronized String planSvg() throws IOException {
        GraphSnapshot now = graph.get();
        if (now != drawnFrom) {
            drawn = dot.svg(PlanDrawing.plan(now));
            drawnFrom = now;
        }
        return drawn;
    }

    private void resource(HttpExchange exchange, Function<ResourceSpec, LiveStatus.Detail> detail)
            throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        String id = query == null || !query.startsWith("id=") ? ""
                : URLDecoder.decode(query.substring(3), StandardCharsets.UTF_8);
        ResourceSpec spec = graph.get().resources().values().stream()
                .filter(s -> s.id().toString().equals(id)).findFirst().orElse(null);
        if (spec == null) {
            send(exchange, 404, "text/plain; charset=utf-8", "no resource " + id + " in the running graph\n");
            return;
        }
        json(exchange, detail.apply(spec));
    }

    private void events(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        String last = null;
        try {
            while (!closed) {
                String now = Json.MAPPER.writeValueAsString(status.get());
                if (!now.equals(last)) {
                    out.write(("event: status\ndata: " + now + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    last = now;
                }
                Thread.sleep(EVENT_EVERY);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void json(HttpExchange exchange, Object value) throws IOException {
        String text;
        try {
            text = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            send(exchange, 500, "text/plain; charset=utf-8", "cannot write the status: " + e.getOriginalMessage() + "\n");
            return;
        }
        send(exchange, 200, "application/json", text + "\n");
    }

    private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            exchange.getResponseBody().write(bytes);
        }
    }

    /** Stops serving; open event streams end. */
    @Override
    public void close() {
        closed = true;
        server.stop(0);
        threads.shutdownNow();
    }
}
