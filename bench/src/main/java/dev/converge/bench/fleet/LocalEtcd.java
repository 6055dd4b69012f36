package dev.converge.bench.fleet;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private single-member etcd for a fleet run or a test: the {@code etcd} binary (Debian's
 * {@code etcd-server}) on free loopback ports, its data and log under a directory of ours, with
 * etcd's default timing (100 ms heartbeat, 1 s election) and quota, so that its figures are those
 * of a stock member. Closing it stops the process (and deletes the directory when asked to).
 */
final class LocalEtcd implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(30);

    private final Path dir;
    private final Process process;
    private final int clientPort;
    private final boolean deleteOnClose;

    private LocalEtcd(Path dir, Process process, int clientPort, boolean deleteOnClose) {
        this.dir = dir;
        this.process = process;
        this.clientPort = clientPort;
        this.deleteOnClose = deleteOnClose;
    }

    /**
     * Starts etcd with its data in {@code dir/data} and its output in {@code dir/etcd.log}, and
     * waits until it reports healthy.
     *
     * @param binary        the etcd executable; null to look on the PATH, then in /usr/bin and /usr/local/bin
     * @param deleteOnClose delete {@code dir} with everything in it when closing
     * @param cpus          CPUs to pin etcd to ({@code taskset -c}, e.g. {@code 0} or {@code 0-1}); null for any
     */
    static LocalEtcd start(Path binary, Path dir, boolean deleteOnClose, String cpus)
            throws IOException, InterruptedException {
        Path etcd = binary != null ? binary : find().orElseThrow(() -> new IOException(
                "etcd is not installed: the fleet benchmark needs a real etcd (Debian: apt-get install etcd-server),"
                        + " or give --endpoints"));
        Files.createDirectories(dir);
        int[] ports = freePorts();
        String client = "http://127.0.0.1:" + ports[0];
        String peer = "http://127.0.0.1:" + ports[1];
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.addAll(List.of(etcd.toString(), "--name", "fleet",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "fleet=" + peer, "--initial-cluster-state", "new"));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
                .start();
        LocalEtcd local = new LocalEtcd(dir, p, ports[0], deleteOnClose);
        try {
            local.awaitHealthy();
        } catch (IOException | RuntimeException | InterruptedException e) {
            local.close();
            throw e;
        }
        return local;
    }

    /** Where clients connect: {@code http://127.0.0.1:PORT}. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + clientPort);
    }

    /** The process's peak resident set (VmHWM), from /proc; empty where there is no /proc. */
    OptionalLong peakRssBytes() {
        return procStatus("VmHWM:");
    }

    /** The etcd version line ({@code etcd Version: 3.4.23}), for reports. */
    static String version(Path binary) {
        Path etcd = binary != null ? binary : find().orElse(null);
        if (etcd == null) {
            return "etcd (not found)";
        }
        try {
            Process p = new ProcessBuilder(etcd.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().filter(l -> l.startsWith("etcd Version")).findFirst().orElse("etcd").strip();
        } catch (IOException e) {
            return "etcd (version unknown)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "etcd (version unknown)";
        }
    }

    private OptionalLong procStatus(String field) {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).strip().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc, or the process is gone.
        }
        return OptionalLong.empty();
    }

    /** Stops etcd (SIGTERM, then SIGKILL after 10 s) and, if asked to, deletes its directory. */
    @Override
    public synchronized void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (deleteOnClose && Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest health = HttpRequest.newBuilder(endpoint().resolve("/health")).timeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("etcd exited with " + process.exitValue() + ": " + logTail());
            }
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(50);
        }
        throw new IOException("etcd not healthy within " + STARTUP.toSeconds() + " s: " + logTail());
    }

    private String logTail() throws IOException {
        Path log = dir.resolve("etcd.log");
        if (!Files.exists(log)) {
            return "(no output)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    private static Optional<Path> find() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/usr/local/bin"))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, "etcd"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }
}
