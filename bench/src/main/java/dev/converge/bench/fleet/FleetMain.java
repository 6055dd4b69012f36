package dev.converge.bench.fleet;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The fleet benchmark: N simulated converge agents against a real etcd (see {@link Fleet}), and
 * what etcd sustained. Without {@code --endpoints} it starts a private etcd on loopback (the
 * {@code etcd} binary, a temporary data directory, etcd's default flags) and stops it afterwards.
 *
 * <pre>
 * java -cp bench/target/bench.jar:agent/target/agent.jar dev.converge.bench.fleet.FleetMain --hosts 1000
 * </pre>
 *
 * <p>Exit status: 0 when every host attached and every deploy reached every host, 1 otherwise,
 * 2 for a usage error.
 */
public final class FleetMain {

    private static final String USAGE = """
            usage: FleetMain [--endpoints URL[,URL...]] [--hosts N] [--clients K] [--watch agent|direct] [--duration D]
                             [--status-interval D] [--status-ttl D] [--deploys N] [--converge-time D]
                             [--graph-resources R] [--attach-parallel P] [--prefix P] [--timeout D]
                             [--etcd-timeout D] [--etcd-binary PATH] [--etcd-cpus LIST] [--data-dir DIR]
                             [--out FILE]
              --endpoints        etcd client URLs; default: start a private etcd on loopback and stop it after
              --hosts            simulated agents (default 1000)
              --clients          jetcd clients (connections) the hosts share (default min(hosts, 100));
                                 equal to --hosts: every host has an EtcdStore of its own, exactly as the agent
              --watch            agent (default): each host follows its graph with the agent's EtcdStore.watchGraph,
                                 a thread per host; direct: the same etcd calls made asynchronously on the shared
                                 clients (for 10,000 hosts on a small machine)
              --duration         steady-state window (default 30s)
              --status-interval  one status write per host per interval in steady state; 0: only on change,
                                 as the agent at rest (default 10s)
              --status-ttl       status lease TTL (default 15s, the agent's)
              --deploys          deploys of a new graph to <prefix>/graph/_all after the window (default 3)
              --converge-time    from a graph arriving to the host's "converged" status (default 1s)
              --graph-resources  exec resources in the deployed graph (default 20, about 3.2 KB)
              --attach-parallel  hosts attaching at once (default 200)
              --prefix           key prefix (default /converge-fleet)
              --timeout          limit of the attach phase and of each deploy (default 5m)
              --etcd-timeout     deadline of every unary etcd call (default 5s, the agent's)
              --etcd-binary      etcd for the private server (default: etcd on the PATH)
              --etcd-cpus        pin the private etcd to these CPUs (taskset -c LIST, e.g. 0); run the
                                 generator itself under taskset on the others, so neither starves the other
              --data-dir         where the private etcd keeps its data, kept afterwards (default: a temporary
                                 directory, deleted afterwards)
              --out              also write the report to this file
            durations: 500ms, 30s, 2m""";

    private FleetMain() {
    }

    public static void main(String[] args) {
        // gRPC logs through java.util.logging: route it to log4j, as the agent does.
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        int status;
        try {
            status = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("FleetMain: " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            System.err.println("FleetMain: " + e);
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    /** Parses, runs, prints the report; the exit status. */
    static int run(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o == null) {
            System.out.println(USAGE);
            return 0;
        }
        LocalEtcd local = null;
        Path tempDir = null;
        try {
            List<URI> endpoints = o.endpoints;
            String etcd;
            Supplier<OptionalLong> peak = OptionalLong::empty;
            if (endpoints.isEmpty()) {
                Path dir = o.dataDir;
                if (dir == null) {
                    tempDir = Files.createTempDirectory("converge-fleet-etcd");
                    dir = tempDir;
                }
                local = LocalEtcd.start(o.etcdBinary, dir, tempDir != null, o.etcdCpus);
                endpoints = List.of(local.endpoint());
                LocalEtcd running = local;
                // Ctrl-C or kill: do not leave the private etcd behind.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        running.close();
                    } catch (Exception e) {
                        // Exiting anyway.
                    }
                }));
                peak = running::peakRssBytes;
                etcd = LocalEtcd.version(o.etcdBinary) + ", private single member at " + local.endpoint()
                        + " (data in " + dir + ", default flags: no auto-compaction, 2 GiB quota), "
                        + (o.etcdCpus != null ? "pinned to CPU " + o.etcdCpus + ", the load generator on "
                                + Runtime.getRuntime().availableProcessors() + " CPU(s)"
                                : "sharing this machine's " + Runtime.getRuntime().availableProcessors()
                                + " CPUs with the load generator");
            } else {
                etcd = "at " + endpoints;
            }
            Fleet.Settings s = o.settings(endpoints);
            FleetResult result = Fleet.run(s, etcd, peak, System.err);
            String report = result.report();
            System.out.print(report);
            if (o.out != null) {
                if (o.out.getParent() != null) {
                    Files.createDirectories(o.out.getParent());
                }
                Files.writeString(o.out, report);
            }
            return result.complete() ? 0 : 1;
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    /** The command line. */
    static final class Options {
        List<URI> endpoints = List.of();
        int hosts = 1000;
        Integer clients;
        Duration duration = Duration.ofSeconds(30);
        Duration statusInterval = Duration.ofSeconds(10);
        Duration statusTtl = Duration.ofSeconds(15);
        int deploys = 3;
        Duration convergeTime = Duration.ofSeconds(1);
        int graphResources = 20;
        int attachParallel = 200;
        String prefix = "/converge-fleet";
        Duration timeout = Duration.ofMinutes(5);
        Duration etcdTimeout = Duration.ofSeconds(5);
        Path etcdBinary;
        String etcdCpus;
        boolean directWatch;
        Path dataDir;
        Path out;

        /** @return null for {@code --help} */
        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                String value;
                int eq = flag.indexOf('=');
                if (flag.equals("-h") || flag.equals("--help")) {
                    return null;
                }
                if (eq > 0) {
                    value = flag.substring(eq + 1);
                    flag = flag.substring(0, eq);
                } else {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
                    }
                    value = args[++i];
                }
                switch (flag) {
                    case "--endpoints" -> o.endpoints = endpoints(value);
                    case "--hosts" -> o.hosts = positive(flag, value);
                    case "--clients" -> o.clients = positive(flag, value);
                    case "--duration" -> o.duration = Durations.parse(value);
                    case "--status-interval" -> o.statusInterval = Durations.parse(value);
                    case "--status-ttl" -> o.statusTtl = Durations.parse(value);
                    case "--deploys" -> o.deploys = nonNegative(flag, value);
                    case "--converge-time" -> o.convergeTime = Durations.parse(value);
                    case "--graph-resources" -> o.graphResources = positive(flag, value);
                    case "--attach-parallel" -> o.attachParallel = positive(flag, value);
                    case "--prefix" -> o.prefix = value;
                    case "--timeout" -> o.timeout = Durations.parse(value);
                    case "--etcd-timeout" -> o.etcdTimeout = Durations.parse(value);
                    case "--etcd-binary" -> o.etcdBinary = Path.of(value);
                    case "--etcd-cpus" -> o.etcdCpus = value;
                    case "--watch" -> o.directWatch = switch (value) {
                        case "agent" -> false;
                        case "direct" -> true;
                        default -> throw new IllegalArgumentException("--watch " + value + ": agent or direct");
                    };
                    case "--data-dir" -> o.dataDir = Path.of(value);
                    case "--out" -> o.out = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
                }
            }
            if (o.clients != null && o.clients > o.hosts) {
                throw new IllegalArgumentException("--clients " + o.clients + " is more than --hosts " + o.hosts);
            }
            return o;
        }

        Fleet.Settings settings(List<URI> endpointsInUse) {
            return new Fleet.Settings(endpointsInUse, hosts, duration, statusInterval, statusTtl,
                    clients != null ? clients : Math.min(hosts, 100), deploys, convergeTime, graphResources,
                    attachParallel, prefix, timeout, etcdTimeout, directWatch);
        }

        private static List<URI> endpoints(String value) {
            List<URI> list = new ArrayList<>();
            for (String part : Arrays.stream(value.split(",")).map(String::strip).filter(p -> !p.isEmpty()).toList()) {
                URI u = URI.create(part);
                if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
                    throw new IllegalArgumentException("--endpoints " + part + ": expected http://HOST:PORT"
                            + " (the benchmark reads etcd's /metrics over plain http)");
                }
                list.add(u);
            }
            if (list.isEmpty()) {
                throw new IllegalArgumentException("--endpoints: no URL");
            }
            return list;
        }

        private static int positive(String flag, String value) {
            int n = nonNegative(flag, value);
            if (n < 1) {
                throw new IllegalArgumentException(flag + " must be >= 1");
            }
            return n;
        }

        private static int nonNegative(String flag, String value) {
            try {
                int n = Integer.parseInt(value.replace("_", "").replace(",", ""));
                if (n < 0) {
                    throw new IllegalArgumentException(flag + " must be >= 0");
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " " + value + ": not a number");
            }
        }
    }
}
