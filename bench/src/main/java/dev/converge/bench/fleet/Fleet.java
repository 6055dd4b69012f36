package dev.converge.bench.fleet;

import com.sun.management.OperatingSystemMXBean;
import dev.converge.agent.etcd.EtcdSettings;
import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.EtcdStoreException;
import dev.converge.agent.etcd.HostStatus;
import dev.converge.agent.etcd.StoredGraph;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A fleet of simulated converge agents ({@link SimulatedHost}) against a real etcd, and what etcd
 * sustained: attaching the fleet, a steady-state window, deploys of one graph to
 * {@code <prefix>/graph/_all} fanned out to every host's watch, then etcd's memory and database
 * size, the reads {@code agent status} makes, and stopping the fleet.
 *
 * <p>Rates are read from etcd's own counters ({@link EtcdMetrics}), latencies are timed by the
 * hosts. The watch and the deploy go through the agent's {@link EtcdStore}; the status goes
 * through {@link EtcdStore#putStatus} when every host has its own store, else through the same
 * calls on shared jetcd clients ({@link StatusPublisher#sharedClient}).
 */
final class Fleet {

    /**
     * @param endpoints      etcd client URLs
     * @param hosts          simulated agents
     * @param duration       the steady-state window
     * @param statusInterval one extra status write per host per interval; 0 for none (the agent at rest)
     * @param statusTtl      the status lease TTL (the agent's {@code --etcd-status-ttl}, 15 s)
     * @param clients        jetcd clients the hosts share; {@code clients == hosts} gives every host an
     *                       {@link EtcdStore} of its own, exactly as the agent
     * @param deploys        deploys to {@code _all} after the steady window
     * @param convergeTime   from a graph arriving to the host's "converged" status
     * @param graphResources resources in the deployed graph
     * @param attachParallel hosts attaching at once
     * @param prefix         root of the keys ({@code --etcd-prefix})
     * @param phaseTimeout   how long the attach phase and each deploy may take
     * @param callTimeout    deadline of every unary etcd call (the agent's {@code --etcd-timeout}, 5 s)
     * @param directWatch    follow graphs with {@link DirectGraphWatch} (same calls, no thread per host)
     *                       rather than {@link EtcdStore#watchGraph}; only with shared clients
     */
    record Settings(List<URI> endpoints, int hosts, Duration duration, Duration statusInterval, Duration statusTtl,
                    int clients, int deploys, Duration convergeTime, int graphResources, int attachParallel,
                    String prefix, Duration phaseTimeout, Duration callTimeout, boolean directWatch) {

        Settings {
            endpoints = List.copyOf(endpoints);
            Objects.requireNonNull(prefix, "prefix");
            if (endpoints.isEmpty() || hosts < 1 || clients < 1 || clients > hosts || deploys < 0
                    || graphResources < 2 || attachParallel < 1) {
                throw new IllegalArgumentException("need an endpoint, hosts >= 1, 1 <= clients <= hosts, deploys >= 0,"
                        + " graph resources >= 2, attach parallelism >= 1");
            }
            if (statusTtl.toSeconds() < 1 || phaseTimeout.isZero() || callTimeout.isZero()) {
                throw new IllegalArgumentException("status TTL must be >= 1s; timeouts must be > 0");
            }
            if (directWatch && clients == hosts) {
                throw new IllegalArgumentException("direct watches need shared clients (fewer clients than hosts)");
            }
        }

        /** Defaults for {@code hosts} hosts: the agent's TTL and timeout, status every 10 s, 3 deploys. */
        static Settings defaults(List<URI> endpoints, int hosts) {
            return new Settings(endpoints, hosts, Duration.ofSeconds(30), Duration.ofSeconds(10),
                    EtcdSettings.DEFAULT_STATUS_TTL, Math.min(hosts, 100), 3, Duration.ofSeconds(1), 20,
                    200, "/converge-fleet", Duration.ofMinutes(5), EtcdSettings.DEFAULT_CALL_TIMEOUT, false);
        }

        Settings withHosts(int n, int k) {
            return new Settings(endpoints, n, duration, statusInterval, statusTtl, k, deploys, convergeTime,
                    graphResources, attachParallel, prefix, phaseTimeout, callTimeout, directWatch);
        }

        Settings withTiming(Duration steady, Duration interval, int deployCount) {
            return new Settings(endpoints, hosts, steady, interval, statusTtl, clients, deployCount, convergeTime,
                    graphResources, attachParallel, prefix, phaseTimeout, callTimeout, directWatch);
        }

        Settings withDirectWatch(boolean direct) {
            return new Settings(endpoints, hosts, duration, statusInterval, statusTtl, clients, deploys, convergeTime,
                    graphResources, attachParallel, prefix, phaseTimeout, callTimeout, direct);
        }

        boolean storePerHost() {
            return clients == hosts;
        }

        EtcdSettings etcdSettings() {
            return EtcdSettings.of(endpoints).withPrefix(prefix).withStatusTtl(statusTtl).withCallTimeout(callTimeout);
        }
    }

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private Fleet() {
    }

    /**
     * Runs the fleet once and stops it.
     *
     * @param etcd        a line saying which etcd this is, for the report
     * @param peakRss     etcd's peak resident set, when known (a private etcd); else empty
     * @param progress    where to say what the run is doing (stderr); null for silence
     */
    static FleetResult run(Settings s, String etcd, Supplier<OptionalLong> peakRss, java.io.PrintStream progress)
            throws EtcdStoreException, IOException, InterruptedException {
        long runStart = System.nanoTime();
        FleetState state = new FleetState(s);
        say(progress, "fleet: %,d hosts against %s", s.hosts(), s.endpoints());

        // The deployer: what `agent deploy` and `agent status` use.
        EtcdStore deployer = EtcdStore.connect(s.etcdSettings());
        List<EtcdStore> stores = new ArrayList<>();
        List<Client> statusClients = new ArrayList<>();
        List<SimulatedHost> hosts = new ArrayList<>(s.hosts());
        try {
            String yaml = GraphText.of(s.graphResources(), 0);
            String allKey = deployer.allGraphKey();
            long expected = deployer.read(allKey).map(StoredGraph::modRevision).orElse(0L);
            deployer.deploy(allKey, yaml, expected);

            // ---- build the fleet
            if (!s.storePerHost()) {
                for (int c = 0; c < s.clients(); c++) {
                    if (!s.directWatch()) {
                        stores.add(EtcdStore.connect(s.etcdSettings()));
                    }
                    statusClients.add(EtcdStore.newClient(s.etcdSettings()));
                }
            }
            for (int i = 0; i < s.hosts(); i++) {
                String name = String.format("host-%05d", i);
                if (s.storePerHost()) {
                    EtcdStore own = EtcdStore.connect(s.etcdSettings());
                    stores.add(own);
                    hosts.add(new SimulatedHost(name, state, own::watchGraph, StatusPublisher.ownStore(own, name)));
                } else {
                    int c = i % s.clients();
                    Client client = statusClients.get(c);
                    SimulatedHost.Follower follower = s.directWatch()
                            ? (host, listener) -> DirectGraphWatch.start(client, deployer.graphKey(host), allKey,
                                    s.callTimeout().toMillis(), listener)
                            : stores.get(c)::watchGraph;
                    hosts.add(new SimulatedHost(name, state, follower, StatusPublisher.sharedClient(
                            client, deployer.statusKey(name), s.statusTtl(), s.callTimeout(),
                            state.keepAliveAcks(), state::leaseLost)));
                }
            }

            // ---- attach
            EtcdMetrics.Scrape m0 = EtcdMetrics.scrape(s.endpoints());
            double watchersBefore = m0.sum("etcd_debugging_mvcc_watcher_total");
            state.phase(FleetState.Phase.ATTACH);
            long attachCpu0 = OS.getProcessCpuTime();
            long attachStart = System.nanoTime();
            hosts.forEach(SimulatedHost::start);
            boolean allDone = false;
            long attachDeadline = attachStart + s.phaseTimeout().toNanos();
            while (!allDone && System.nanoTime() < attachDeadline) {
                allDone = state.attachLatch().await(Math.min(10_000_000_000L, attachDeadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
                if (!allDone) {
                    say(progress, "  attaching: %,d of %,d after %s; %,d status writes failed, %,d leases lost",
                            state.attachedHosts(), s.hosts(), Durations.seconds(System.nanoTime() - attachStart),
                            state.putFailures(), state.leasesLost().get());
                }
            }
            long attachWall = System.nanoTime() - attachStart;
            EtcdMetrics.Scrape ma = EtcdMetrics.scrape(s.endpoints());
            double attachGeneratorCores = (OS.getProcessCpuTime() - attachCpu0) / (double) attachWall;
            say(progress, "attach: %,d of %,d hosts in %s%s", state.attachedHosts(), s.hosts(),
                    Durations.seconds(attachWall), allDone ? "" : " (phase timeout)");
            // etcd registers a watch after the host's first read: wait until it counts all of them.
            long watchersNanos = -1;
            EtcdMetrics.Scrape mw = EtcdMetrics.scrape(s.endpoints());
            long watchDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < watchDeadline) {
                if (mw.sum("etcd_debugging_mvcc_watcher_total") - watchersBefore >= 2.0 * state.attachedHosts()) {
                    watchersNanos = mw.nanoTime() - attachStart;
                    break;
                }
                Thread.sleep(100);
                mw = EtcdMetrics.scrape(s.endpoints());
            }
            // Let the first graph's two status writes finish before the steady window.
            awaitConverged(state, deployer.read(allKey).orElseThrow().modRevision(), state.attachedHosts(),
                    s.phaseTimeout());
            Thread.sleep(SimulatedHost.STATUS_TICK_MILLIS + 500);
            FleetResult.Attach attach = new FleetResult.Attach(state.attachedHosts(), attachWall,
                    state.attachLatency().summary(), state.putLatency(FleetState.Phase.ATTACH).summary(),
                    mw.sum("etcd_debugging_mvcc_watcher_total") - watchersBefore,
                    mw.sum("etcd_debugging_mvcc_watch_stream_total"), watchersNanos,
                    ma.ratePerSecond(m0, "process_cpu_seconds_total"), attachGeneratorCores);

            // ---- steady state
            state.phase(FleetState.Phase.STEADY);
            say(progress, "steady: %s", Durations.flag(s.duration()));
            EtcdMetrics.Scrape s0 = EtcdMetrics.scrape(s.endpoints());
            long cpu0 = OS.getProcessCpuTime();
            Thread.sleep(s.duration().toMillis());
            EtcdMetrics.Scrape s1 = EtcdMetrics.scrape(s.endpoints());
            long cpu1 = OS.getProcessCpuTime();
            double seconds = (s1.nanoTime() - s0.nanoTime()) / 1e9;
            double tick = 0.25; // jetcd checks its leases every 500 ms: half a tick late on average
            FleetResult.Steady steady = new FleetResult.Steady(seconds,
                    s1.ratePerSecond(s0, "etcd_debugging_lease_renewed_total"),
                    state.attachedHosts() / (s.statusTtl().toSeconds() / 3.0 + tick),
                    s1.ratePerSecond(s0, "grpc_server_handled_total", "grpc_method=\"Put\""),
                    s.statusInterval().isZero() ? 0 : state.attachedHosts() / (s.statusInterval().toNanos() / 1e9),
                    s1.ratePerSecond(s0, "grpc_server_handled_total", "grpc_method=\"Txn\""),
                    state.putLatency(FleetState.Phase.STEADY).summary(),
                    s1.ratePerSecond(s0, "process_cpu_seconds_total"),
                    (cpu1 - cpu0) / 1e9 / seconds,
                    s1.ratePerSecond(s0, "etcd_network_client_grpc_sent_bytes_total"),
                    s1.ratePerSecond(s0, "etcd_network_client_grpc_received_bytes_total"),
                    s1.delta(s0, "etcd_debugging_lease_granted_total"),
                    s1.quantile(s0, "etcd_disk_wal_fsync_duration_seconds", 0.99));
            say(progress, "steady: etcd renewed %,.0f leases/s, handled %,.0f puts/s; put %s; etcd CPU %.2f,"
                            + " generator CPU %.2f cores; %,.0f leases granted",
                    steady.keepAlivesPerSec(), steady.putsPerSec(), steady.putLatency().describe(),
                    steady.etcdCores(), steady.generatorCores(), steady.leaseGrants());

            // ---- deploys
            state.phase(FleetState.Phase.DEPLOY);
            List<FleetResult.Deploy> deploys = new ArrayList<>();
            int deployCount = allDone ? s.deploys() : 0;
            if (!allDone) {
                say(progress, "attach incomplete: no deploy");
            }
            for (int d = 1; d <= deployCount; d++) {
                String next = GraphText.of(s.graphResources(), d);
                long rev = deployer.read(allKey).map(StoredGraph::modRevision).orElse(0L);
                EtcdMetrics.Scrape d0 = EtcdMetrics.scrape(s.endpoints());
                long dcpu0 = OS.getProcessCpuTime();
                long t0 = System.nanoTime();
                StoredGraph written;
                long deployCallNanos;
                boolean deployTimedOut = false;
                try {
                    written = deployer.deploy(allKey, next, rev);
                    deployCallNanos = System.nanoTime() - t0;
                } catch (dev.converge.agent.etcd.EtcdUnavailableException e) {
                    // As `agent deploy` exit 3: the write may have been applied. Look.
                    deployCallNanos = System.nanoTime() - t0;
                    deployTimedOut = true;
                    say(progress, "deploy %d: the write did not answer in time (%s); reading the key", d, e.getMessage());
                    written = EtcdStore.retrying(s.phaseTimeout(), () -> deployer.read(allKey)).orElseThrow();
                    if (!written.yaml().equals(next)) {
                        say(progress, "deploy %d was not applied", d);
                        break;
                    }
                }
                awaitDeploy(state, s, written.modRevision(), t0, progress);
                EtcdMetrics.Scrape d1 = EtcdMetrics.scrape(s.endpoints());
                long dcpu1 = OS.getProcessCpuTime();
                Latencies.Summary reach = relative(state.arrivals(written.modRevision()).summary(), t0);
                Latencies.Summary conv = relative(state.convergedAt(written.modRevision()).summary(), t0);
                double secs = (d1.nanoTime() - d0.nanoTime()) / 1e9;
                deploys.add(new FleetResult.Deploy(d, written.modRevision(), reach, conv,
                        d1.delta(d0, "grpc_server_handled_total", "grpc_method=\"Txn\""),
                        d1.delta(d0, "grpc_server_handled_total", "grpc_method=\"Put\""),
                        d1.delta(d0, "etcd_network_client_grpc_sent_bytes_total"),
                        d1.delta(d0, "process_cpu_seconds_total") / secs, (dcpu1 - dcpu0) / 1e9 / secs, secs,
                        d1.delta(d0, "etcd_debugging_lease_granted_total"),
                        d1.sum("etcd_debugging_mvcc_watcher_total") - watchersBefore,
                        d1.quantile(d0, "etcd_disk_wal_fsync_duration_seconds", 0.99), deployCallNanos,
                        deployTimedOut));
                say(progress, "deploy %d: reached %,d hosts: %s; converged %s; %,.0f leases granted;"
                                + " %,d watch interruptions so far",
                        d, reach.count(), reach.describe(), Durations.seconds(conv.max()),
                        deploys.get(deploys.size() - 1).leaseGrants(), state.watchErrors());
                Thread.sleep(1_000);
            }

            // ---- etcd after
            state.phase(FleetState.Phase.OTHER);
            EtcdMetrics.Scrape end = EtcdMetrics.scrape(s.endpoints());
            FleetResult.After after = new FleetResult.After(end.perMember("process_resident_memory_bytes"),
                    peakRss.get(), end.perMember("etcd_mvcc_db_total_size_in_bytes"),
                    end.perMember("etcd_mvcc_db_total_size_in_use_in_bytes"),
                    (long) end.perMember("etcd_debugging_mvcc_current_revision").stream()
                            .mapToDouble(Double::doubleValue).max().orElse(0));

            // ---- what `agent status` reads
            FleetResult.StatusRead read = statusRead(deployer, s);

            // ---- stop
            say(progress, "stopping %,d hosts", s.hosts());
            long stopStart = System.nanoTime();
            stopAll(hosts);
            long teardown = System.nanoTime() - stopStart;

            int statusBytes = (deployer.statusKey("host-00000") + new HostStatus(true, Instant.now(), 3,
                    StoredGraph.hashOf(yaml), Map.of("ok", s.graphResources() - 1, "changed", 1)).toJson())
                    .getBytes(StandardCharsets.UTF_8).length;
            String topology = s.storePerHost()
                    ? "every host with an EtcdStore of its own (one jetcd client, one connection each: exactly the agent)"
                    : s.directWatch()
                    ? String.format("hosts share %d jetcd clients for the agent's graph reads, watches and status"
                            + " leases, the watch calls made without a thread per host (%d connections; a real fleet"
                            + " opens one per host)", s.clients(), s.clients())
                    : String.format("hosts share %d EtcdStores for their graph watches and %d jetcd clients for their"
                            + " status leases (%d connections; a real fleet opens one per host)",
                    s.clients(), s.clients(), 2 * s.clients());
            return new FleetResult(s, etcd, topology, statusBytes, yaml.getBytes(StandardCharsets.UTF_8).length,
                    attach, steady, deploys, after, read, teardown,
                    new FleetResult.Errors(state.putFailures(), state.leasesLost().get(), state.watchErrors(),
                            s.hosts() - state.attachedHosts(), state.leaseLossReasons()),
                    System.nanoTime() - runStart);
        } finally {
            stopAll(hosts);
            stores.forEach(EtcdStore::close);
            statusClients.forEach(Client::close);
            deployer.close();
        }
    }

    private static FleetResult.StatusRead statusRead(EtcdStore deployer, Settings s) {
        try {
            EtcdMetrics.Scrape r0 = EtcdMetrics.scrape(s.endpoints());
            long t0 = System.nanoTime();
            int statuses = deployer.listStatus().size();
            long statusNanos = System.nanoTime() - t0;
            EtcdMetrics.Scrape r1 = EtcdMetrics.scrape(s.endpoints());
            long t1 = System.nanoTime();
            int graphs = deployer.listGraphs().size();
            long graphNanos = System.nanoTime() - t1;
            return new FleetResult.StatusRead(statuses, statusNanos,
                    r1.delta(r0, "etcd_network_client_grpc_sent_bytes_total"), graphs, graphNanos, null);
        } catch (EtcdStoreException | IOException e) {
            return new FleetResult.StatusRead(0, 0, 0, 0, 0, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new FleetResult.StatusRead(0, 0, 0, 0, 0, "interrupted");
        }
    }

    /**
     * Waits until every attached host wrote "converged" on the graph of {@code revision}, or the
     * timeout, saying every 2 s how far the deploy got: hosts reached and converged, and what etcd
     * handled meanwhile (transactions, puts, lease grants, keep-alives), as a timeline.
     */
    private static void awaitDeploy(FleetState state, Settings s, long revision, long t0, java.io.PrintStream progress)
            throws InterruptedException, IOException {
        long hosts = state.attachedHosts();
        long deadline = t0 + s.phaseTimeout().toNanos();
        EtcdMetrics.Scrape last = EtcdMetrics.tryScrape(s.endpoints());
        long nextSay = t0 + 2_000_000_000L;
        while (state.convergedAt(revision).count() < hosts && System.nanoTime() < deadline) {
            Thread.sleep(20);
            if (progress != null && System.nanoTime() >= nextSay) {
                EtcdMetrics.Scrape now = EtcdMetrics.tryScrape(s.endpoints());
                String etcd = now == null ? "etcd's /metrics did not answer within 30 s"
                        : last == null ? "" : String.format(java.util.Locale.ROOT,
                        "etcd per s: %,6.0f txns, %,6.0f puts, %,6.0f lease grants, %,6.0f keep-alives",
                        now.ratePerSecond(last, "grpc_server_handled_total", "grpc_method=\"Txn\""),
                        now.ratePerSecond(last, "grpc_server_handled_total", "grpc_method=\"Put\""),
                        now.ratePerSecond(last, "etcd_debugging_lease_granted_total"),
                        now.ratePerSecond(last, "etcd_debugging_lease_renewed_total"));
                say(progress, "  t+%4.1f s: reached %,6d, converged %,6d; %s; watch interruptions %,d, leases lost %,d",
                        (System.nanoTime() - t0) / 1e9, state.arrivals(revision).count(),
                        state.convergedAt(revision).count(), etcd, state.watchErrors(), state.leasesLost().get());
                last = now;
                nextSay = System.nanoTime() + 2_000_000_000L;
            }
        }
    }

    /** Waits until {@code hosts} hosts wrote "converged" on the graph of {@code revision}, or the timeout. */
    private static void awaitConverged(FleetState state, long revision, long hosts, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state.convergedAt(revision).count() < hosts && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** {@code absolute} nanoTimes made relative to {@code t0}. */
    private static Latencies.Summary relative(Latencies.Summary absolute, long t0) {
        long[] rel = absolute.sorted().clone();
        for (int i = 0; i < rel.length; i++) {
            rel[i] -= t0;
        }
        return new Latencies.Summary(rel);
    }

    /** Stops every host at once: threads and watches, then status leases revoked. Idempotent. */
    private static void stopAll(List<SimulatedHost> hosts) throws InterruptedException {
        try (ExecutorService pool = Executors.newFixedThreadPool(64, Thread.ofVirtual().factory())) {
            List<Future<?>> done = new ArrayList<>();
            for (SimulatedHost h : hosts) {
                done.add(pool.submit(() -> {
                    h.stop();
                    h.closeStatus();
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    // A host that fails to stop is left to its lease.
                }
            }
        }
    }

    private static void say(java.io.PrintStream out, String format, Object... args) {
        if (out != null) {
            out.println(String.format(java.util.Locale.ROOT, format, args));
            out.flush();
        }
    }
}
