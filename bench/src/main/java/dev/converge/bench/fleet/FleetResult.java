package dev.converge.bench.fleet;

import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * What one fleet run measured. {@link #report()} is the text {@code FleetMain} prints.
 *
 * @param settings     the run's settings
 * @param etcd         etcd's version and where it ran
 * @param topology     how the simulated hosts were connected
 * @param statusBytes  one status: key plus JSON value, in bytes
 * @param graphBytes   the deployed graph's YAML, in bytes
 * @param attach       attaching the fleet
 * @param steady       the steady-state window
 * @param deploys      each deploy to {@code _all}
 * @param after        etcd's state at the end, before the fleet stopped
 * @param statusRead   what {@code agent status} reads, timed
 * @param teardownNanos stopping every host (watches closed, leases revoked)
 * @param errors       failures seen by the hosts
 * @param wallNanos    the whole run, etcd start-up excluded
 */
record FleetResult(Fleet.Settings settings, String etcd, String topology, int statusBytes, int graphBytes,
                   Attach attach, Steady steady, List<Deploy> deploys, After after, StatusRead statusRead,
                   long teardownNanos, Errors errors, long wallNanos) {

    /**
     * @param attached        hosts that published a status and got their first graph
     * @param wallNanos       from the first host starting to the last one attached
     * @param perHost         one host's attach: lease grant, first status write, the watch's first read
     * @param puts            status writes during the attach phase (the first status, and the first graph's two)
     * @param watchers        watchers etcd counted once the fleet was attached (converge's own)
     * @param watchStreams    watch streams etcd counted then
     * @param watchersNanos   from the first host starting until etcd counted two watchers per host
     * @param etcdCores       etcd's CPU from the first host starting until all were attached, in cores
     * @param generatorCores  the load generator's CPU then, in cores
     */
    record Attach(long attached, long wallNanos, Latencies.Summary perHost, Latencies.Summary puts, double watchers,
                  double watchStreams, long watchersNanos, double etcdCores, double generatorCores) {}

    /**
     * @param seconds            length of the window
     * @param keepAlivesPerSec   lease renewals etcd applied per second
     * @param expectedKeepAlives hosts / (TTL/3 + 0.25 s), jetcd's cadence
     * @param putsPerSec         Put calls etcd handled per second
     * @param offeredPutsPerSec  hosts / status interval (0 without one)
     * @param txnsPerSec         Txn calls etcd handled per second (graph reads)
     * @param putLatency         status writes in the window, as the hosts timed them
     * @param etcdCores          etcd's CPU time over the window, in cores
     * @param generatorCores     the load generator's CPU time over the window, in cores
     * @param sentBytesPerSec    gRPC bytes etcd sent to clients per second
     * @param receivedBytesPerSec gRPC bytes etcd received per second
     * @param leaseGrants        leases etcd granted in the window (0 when no lease was lost)
     * @param walFsyncP99        etcd's WAL fsync time, 99th percentile (bucket upper bound, seconds)
     */
    record Steady(double seconds, double keepAlivesPerSec, double expectedKeepAlives, double putsPerSec,
                  double offeredPutsPerSec, double txnsPerSec, Latencies.Summary putLatency, double etcdCores,
                  double generatorCores, double sentBytesPerSec, double receivedBytesPerSec, double leaseGrants,
                  double walFsyncP99) {}

    /**
     * @param number     1, 2, ...
     * @param revision   the revision the deploy wrote
     * @param reach      per host, from just before the deploy's write to the host's watch reporting it
     *                   (its event, then its transaction reading both graph keys)
     * @param converged  per host, from the deploy to the host's "converged" status written
     * @param txns       Txn calls etcd handled from the deploy until the fleet converged
     * @param puts       Put calls etcd handled then
     * @param sentBytes  gRPC bytes etcd sent to clients then
     * @param etcdCores  etcd's CPU over that time, in cores
     * @param generatorCores the load generator's CPU over that time, in cores
     * @param seconds    that time
     * @param leaseGrants leases etcd granted then (0 when no lease was lost)
     * @param watchers   converge's watchers etcd counted at the end (two per host when no watch broke)
     * @param walFsyncP99 etcd's WAL fsync time then, 99th percentile (bucket upper bound, seconds)
     * @param callNanos  the deploy's own write (the transaction `agent deploy` makes)
     * @param callTimedOut that write hit the call deadline (it was applied all the same)
     */
    record Deploy(int number, long revision, Latencies.Summary reach, Latencies.Summary converged, double txns,
                  double puts, double sentBytes, double etcdCores, double generatorCores, double seconds,
                  double leaseGrants, double watchers, double walFsyncP99, long callNanos, boolean callTimedOut) {}

    /**
     * @param rssBytes      each member's resident set at the end
     * @param peakRssBytes  the private etcd's peak resident set, when this run started it
     * @param dbBytes       each member's database file size
     * @param dbInUseBytes  each member's database size in use
     * @param revision      etcd's revision at the end (every write adds one)
     */
    record After(List<Double> rssBytes, OptionalLong peakRssBytes, List<Double> dbBytes, List<Double> dbInUseBytes,
                 long revision) {}

    /**
     * @param statuses      statuses {@code listStatus} returned
     * @param statusNanos   its time
     * @param statusBytes   bytes etcd sent for it
     * @param graphs        graphs {@code listGraphs} returned
     * @param graphNanos    its time
     * @param error         why one failed, or null
     */
    record StatusRead(int statuses, long statusNanos, double statusBytes, int graphs, long graphNanos, String error) {}

    /**
     * @param putFailures  status writes that failed (deadline, etcd refused)
     * @param leasesLost   status leases that expired or whose keep-alive ended (shared clients only)
     * @param watchErrors  graph watches that broke and reconnected
     * @param attachFailed hosts that got no graph within the phase timeout
     * @param leaseLossReasons why leases were lost, by count
     */
    record Errors(long putFailures, long leasesLost, long watchErrors, long attachFailed,
                  java.util.Map<String, Long> leaseLossReasons) {}

    /** True when every host attached and every deploy reached every host. */
    boolean complete() {
        return attach.attached() == settings.hosts()
                && deploys.stream().allMatch(d -> d.reach().count() == settings.hosts());
    }

    String report() {
        StringBuilder r = new StringBuilder();
        Fleet.Settings s = settings;
        r.append(String.format(Locale.ROOT, "fleet: %,d hosts; %s%n", s.hosts(), topology));
        r.append(String.format(Locale.ROOT, "etcd: %s%n", etcd));
        r.append(String.format(Locale.ROOT,
                "per host: status lease TTL %s, status %d bytes (key + JSON), graph %d bytes at %s/graph/_all;"
                        + " status interval %s, converge time %s%n",
                Durations.flag(s.statusTtl()), statusBytes, graphBytes, s.prefix(),
                s.statusInterval().isZero() ? "0 (writes only on change, as the agent)" : Durations.flag(s.statusInterval()),
                Durations.flag(s.convergeTime())));
        r.append(String.format(Locale.ROOT,
                "attach: %,d of %,d hosts in %s (%,.0f hosts/s, %d at a time; etcd CPU %.2f cores, generator"
                        + " CPU %.2f cores); per host %s%n",
                attach.attached(), s.hosts(), Durations.seconds(attach.wallNanos()),
                attach.attached() / Math.max(1e-9, attach.wallNanos() / 1e9), s.attachParallel(),
                attach.etcdCores(), attach.generatorCores(), attach.perHost().describe()));
        r.append(String.format(Locale.ROOT,
                "  etcd counted %,.0f watchers on %,.0f watch streams (%s after the first host started);"
                        + " status writes while attaching %s%n",
                attach.watchers(), attach.watchStreams(),
                attach.watchersNanos() < 0 ? "not all seen" : Durations.seconds(attach.watchersNanos()),
                attach.puts().describe()));
        r.append(String.format(Locale.ROOT,
                "steady (%.0f s): etcd renewed %,.0f leases/s (jetcd cadence predicts %,.0f); handled %,.0f puts/s"
                        + " (offered %,.0f) and %,.1f txns/s%n",
                steady.seconds(), steady.keepAlivesPerSec(), steady.expectedKeepAlives(), steady.putsPerSec(),
                steady.offeredPutsPerSec(), steady.txnsPerSec()));
        r.append(String.format(Locale.ROOT,
                "  status put latency %s; etcd CPU %.2f cores, generator CPU %.2f cores;"
                        + " etcd sent %s/s, received %s/s; %,.0f leases granted; WAL fsync p99 <= %s%n",
                steady.putLatency().describe(), steady.etcdCores(), steady.generatorCores(),
                bytes(steady.sentBytesPerSec()), bytes(steady.receivedBytesPerSec()), steady.leaseGrants(),
                fsync(steady.walFsyncP99())));
        for (Deploy d : deploys) {
            r.append(String.format(Locale.ROOT,
                    "deploy %d (revision %d, its write %s%s): reached %,d of %,d watchers: %s%n", d.number(),
                    d.revision(), Durations.millis(d.callNanos()),
                    d.callTimedOut() ? " and timed out, applied all the same" : "",
                    d.reach().count(), s.hosts(), d.reach().describe()));
            r.append(String.format(Locale.ROOT,
                    "  fleet converged (all \"converged\" statuses written): %s; in %.1f s etcd handled %,.0f txns,"
                            + " %,.0f puts, %,.0f lease grants, sent %s, CPU %.2f cores (generator %.2f cores);"
                            + " %,.0f watchers after; WAL fsync p99 <= %s%n",
                    d.converged().count() == 0 ? "no host" : Durations.seconds(d.converged().max())
                            + " (" + d.converged().count() + " hosts)",
                    d.seconds(), d.txns(), d.puts(), d.leaseGrants(), bytes(d.sentBytes()), d.etcdCores(),
                    d.generatorCores(), d.watchers(), fsync(d.walFsyncP99())));
        }
        r.append(String.format(Locale.ROOT, "etcd after: RSS %s%s; db %s (in use %s); revision %,d%n",
                join(after.rssBytes()), after.peakRssBytes().isPresent()
                        ? " (peak " + bytes(after.peakRssBytes().getAsLong()) + ")" : "",
                join(after.dbBytes()), join(after.dbInUseBytes()), after.revision()));
        if (statusRead.error() != null) {
            r.append("agent status reads: failed: ").append(statusRead.error()).append('\n');
        } else {
            r.append(String.format(Locale.ROOT,
                    "agent status reads: listStatus %,d statuses in %s (%s from etcd); listGraphs %,d in %s%n",
                    statusRead.statuses(), Durations.millis(statusRead.statusNanos()), bytes(statusRead.statusBytes()),
                    statusRead.graphs(), Durations.millis(statusRead.graphNanos())));
        }
        r.append(String.format(Locale.ROOT, "teardown: %,d hosts stopped (watches closed, leases revoked) in %s%n",
                s.hosts(), Durations.seconds(teardownNanos)));
        r.append(String.format(Locale.ROOT,
                "errors: %,d status writes failed, %,d leases lost, %,d watch interruptions, %,d hosts without a graph%n",
                errors.putFailures(), errors.leasesLost(), errors.watchErrors(), errors.attachFailed()));
        errors.leaseLossReasons().forEach((why, n) ->
                r.append(String.format(Locale.ROOT, "  %,d leases lost: %s%n", n, why)));
        r.append(String.format(Locale.ROOT, "run: %s%n", Durations.seconds(wallNanos)));
        return r.toString();
    }

    private static String fsync(double seconds) {
        return Double.isNaN(seconds) ? "- (no fsync)" : Durations.millis(seconds * 1e9);
    }

    private static String join(List<Double> values) {
        return String.join(" + ", values.stream().map(FleetResult::bytes).toList());
    }

    static String bytes(double b) {
        if (b >= 1024 * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (1024.0 * 1024 * 1024));
        }
        if (b >= 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
        }
        if (b >= 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.0f B", b);
    }
}
