package dev.converge.bench.fleet;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/** What the simulated hosts of one run share: their settings and everything they measure. Thread-safe. */
final class FleetState {

    /** Which part of the run status writes are counted in. */
    enum Phase { ATTACH, STEADY, DEPLOY, OTHER }

    private static final int ERRORS_LOGGED = 5;

    private final Fleet.Settings settings;
    private final Semaphore attachPermits;
    private final CountDownLatch attachDone;
    private final Latencies attachLatency = new Latencies();
    private final AtomicLong attachedHosts = new AtomicLong();
    private final Map<Phase, Latencies> putLatency = new EnumMap<>(Phase.class);
    private final Map<Phase, AtomicLong> putFailures = new EnumMap<>(Phase.class);
    private final Map<Long, Latencies> arrivals = new ConcurrentHashMap<>();
    private final Map<Long, Latencies> convergedAt = new ConcurrentHashMap<>();
    private final AtomicLong watchErrors = new AtomicLong();
    private final AtomicLong keepAliveAcks = new AtomicLong();
    private final AtomicLong leasesLost = new AtomicLong();
    private final Map<String, AtomicLong> leaseLossReasons = new ConcurrentHashMap<>();
    private final AtomicLong errorsLogged = new AtomicLong();
    private volatile Phase phase = Phase.ATTACH;

    FleetState(Fleet.Settings settings) {
        this.settings = settings;
        this.attachPermits = new Semaphore(settings.attachParallel());
        this.attachDone = new CountDownLatch(settings.hosts());
        for (Phase p : Phase.values()) {
            putLatency.put(p, new Latencies());
            putFailures.put(p, new AtomicLong());
        }
    }

    Fleet.Settings settings() {
        return settings;
    }

    Semaphore attachPermits() {
        return attachPermits;
    }

    CountDownLatch attachLatch() {
        return attachDone;
    }

    void attachDone() {
        attachDone.countDown();
    }

    void attached(long nanos) {
        attachLatency.add(nanos);
        attachedHosts.incrementAndGet();
    }

    long attachedHosts() {
        return attachedHosts.get();
    }

    Latencies attachLatency() {
        return attachLatency;
    }

    void phase(Phase p) {
        phase = p;
    }

    void putDone(long nanos) {
        putLatency.get(phase).add(nanos);
    }

    void putFailed(String host, Exception e) {
        putFailures.get(phase).incrementAndGet();
        if (errorsLogged.incrementAndGet() <= ERRORS_LOGGED) {
            System.err.println("fleet: " + host + ": status write failed: " + e);
        }
    }

    Latencies putLatency(Phase p) {
        return putLatency.get(p);
    }

    long putFailures() {
        return putFailures.values().stream().mapToLong(AtomicLong::get).sum();
    }

    void watchError(String host, Exception e) {
        watchErrors.incrementAndGet();
        if (errorsLogged.incrementAndGet() <= ERRORS_LOGGED) {
            System.err.println("fleet: " + host + ": watch interrupted: " + e.getMessage());
        }
    }

    long watchErrors() {
        return watchErrors.get();
    }

    /** A host's watch reported the graph at {@code modRevision}, at {@code nanoTime}. */
    void arrived(long modRevision, long nanoTime) {
        arrivals.computeIfAbsent(modRevision, r -> new Latencies()).add(nanoTime);
    }

    /** A host published "converged" on the graph at {@code modRevision}, at {@code nanoTime}. */
    void converged(long modRevision, long nanoTime) {
        convergedAt.computeIfAbsent(modRevision, r -> new Latencies()).add(nanoTime);
    }

    /** The times hosts' watches reported the graph of that revision (absolute {@code nanoTime}s). */
    Latencies arrivals(long modRevision) {
        return arrivals.computeIfAbsent(modRevision, r -> new Latencies());
    }

    Latencies convergedAt(long modRevision) {
        return convergedAt.computeIfAbsent(modRevision, r -> new Latencies());
    }

    AtomicLong keepAliveAcks() {
        return keepAliveAcks;
    }

    AtomicLong leasesLost() {
        return leasesLost;
    }

    /** A host's status lease was lost, for {@code why}; it grants a new one. */
    void leaseLost(String why) {
        leasesLost.incrementAndGet();
        leaseLossReasons.computeIfAbsent(why.replaceAll("[0-9a-f]{16}", "<id>"), k -> new AtomicLong()).incrementAndGet();
    }

    /** Why leases were lost, by count. */
    Map<String, Long> leaseLossReasons() {
        Map<String, Long> out = new java.util.TreeMap<>();
        leaseLossReasons.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
