package dev.converge.agent.etcd;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd for tests: Debian's {@code etcd} from the PATH, on free loopback ports, with its
 * data under a directory of the test's. It can be stopped (killed, like a crash) and started
 * again on the same ports, with the same data or with its data wiped. Fails, never skips, when
 * etcd is not installed: {@code make test-deps} installs it.
 */
public final class EtcdServer implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(15);

    /** Certificates of a TLS etcd: its CA, its server certificate and key; clients must present a certificate. */
    public record Tls(Path caCert, Path serverCert, Path serverKey) {}

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final int metricsPort;
    private final Tls tls;
    private Process process;

    private EtcdServer(Path dir, Tls tls) throws IOException {
        this.dir = dir;
        this.tls = tls;
        int[] ports = freePorts();
        this.clientPort = ports[0];
        this.peerPort = ports[1];
        this.metricsPort = ports[2];
    }

    /** Starts an etcd that serves clients over TLS only and asks them for a certificate signed by the CA. */
    public static EtcdServer startTls(Path dir, Tls tls) throws IOException, InterruptedException {
        java.nio.file.Files.createDirectories(dir);
        EtcdServer s = new EtcdServer(dir, tls);
        s.start();
        return s;
    }

    /** Starts an etcd keeping its data in {@code dir/data} and its output in {@code dir/etcd.log}. */
    public static EtcdServer start(Path dir) throws IOException, InterruptedException {
        java.nio.file.Files.createDirectories(dir);
        EtcdServer s = new EtcdServer(dir, null);
        s.start();
        return s;
    }

    /** Where clients connect: {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort);
    }

    public EtcdSettings settings() {
        return EtcdSettings.of(List.of(endpoint()));
    }

    /** Starts it again (after {@link #stop}), same ports, same data directory. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("etcd is running");
        }
        String peer = "http://127.0.0.1:" + peerPort;
        String client = endpoint().toString();
        var command = new java.util.ArrayList<>(List.of(binary().toString(), "--name", "t",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "t=" + peer, "--initial-cluster-state", "new",
                "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort,
                "--heartbeat-interval", "10", "--election-timeout", "100"));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.serverCert().toString(), "--key-file", tls.serverKey().toString(),
                    "--trusted-ca-file", tls.caCert().toString(), "--client-cert-auth"));
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
                .start();
        awaitHealthy();
    }

    /** Kills it (SIGKILL, like a crash) and waits for it to be gone. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Deletes its data; only while stopped. The next {@link #start} begins an empty cluster. */
    public synchronized void wipe() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("stop etcd before wiping its data");
        }
        Path data = dir.resolve("data");
        if (Files.exists(data)) {
            try (Stream<Path> all = Files.walk(data)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        // The metrics listener is plain http even when clients need TLS.
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
                .timeout(Duration.ofMillis(500)).build();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + ": " + log());
            }
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("etcd not healthy within " + STARTUP + ": " + log());
    }

    private String log() throws IOException {
        Path log = dir.resolve("etcd.log");
        if (!Files.exists(log)) {
            return "(no output)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /** The etcd binary on the PATH (or Debian's /usr/bin/etcd); fails the test when there is none. */
    static Path binary() {
        Optional<Path> found = Stream.concat(
                        Stream.of(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator)),
                        Stream.of("/usr/bin", "/usr/local/bin"))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, "etcd"))
                .filter(Files::isExecutable)
                .findFirst();
        return found.orElseThrow(() -> new AssertionError(
                "etcd is not installed: these tests need a real etcd. Run `make test-deps` (installs Debian's etcd-server)"));
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             ServerSocket b = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             ServerSocket c = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort(), c.getLocalPort()};
        }
    }
}
