package dev.converge.agent.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** {@link EtcdStore} against a real etcd; each test under a prefix of its own. */
class EtcdStoreTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    static Path shared;

    static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.start(shared);
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        etcd.close();
    }

    private static EtcdSettings settings(TestInfo test) {
        return etcd.settings().withPrefix("/t/" + test.getTestMethod().orElseThrow().getName());
    }

    private static HostStatus status(boolean converged, String hash) {
        return new HostStatus(converged, Instant.parse("2026-01-02T03:04:05Z"), 1, hash,
                Map.of("ok", 2, "failed", converged ? 0 : 1));
    }

    @Test
    void deployThenReadBackWithFallbackToAll(TestInfo test) throws Exception {
        try (EtcdStore store = EtcdStore.connect(settings(test))) {
            assertThat(store.graphFor("web1")).isEmpty();
            StoredGraph all = store.deploy(store.allGraphKey(), "graph: all\n", 0);
            assertThat(store.graphFor("web1")).contains(all);
            assertThat(all.allHosts()).isTrue();

            StoredGraph own = store.deploy(store.graphKey("web1"), "graph: web1\n", 0);
            assertThat(own.key()).isEqualTo(settings(test).prefix() + "/graph/web1");
            assertThat(own.modRevision()).isGreaterThan(all.modRevision());
            assertThat(own.hash()).isEqualTo(StoredGraph.hashOf("graph: web1\n"));
            assertThat(store.read(own.key())).contains(own);
            assertThat(store.graphFor("web1")).contains(own);
            assertThat(store.graphFor("web2")).contains(all);
            assertThat(store.listGraphs()).containsOnlyKeys("_all", "web1");
        }
    }

    @Test
    void aDeployFromAStaleRevisionIsRefusedAndWritesNothing(TestInfo test) throws Exception {
        try (EtcdStore store = EtcdStore.connect(settings(test))) {
            String key = store.graphKey("web1");
            StoredGraph first = store.deploy(key, "graph: one\n", 0);
            assertThatThrownBy(() -> store.deploy(key, "graph: two\n", 0))
                    .isInstanceOfSatisfying(DeployConflictException.class, e -> {
                        assertThat(e.expectedModRevision()).isZero();
                        assertThat(e.actualModRevision()).isEqualTo(first.modRevision());
                        assertThat(e.getMessage()).contains(key, "another deploy won; nothing written");
                    });
            assertThat(store.read(key)).contains(first);
            assertThat(store.deploy(key, "graph: two\n", first.modRevision()).yaml()).isEqualTo("graph: two\n");
        }
    }

    @Test
    void ofTwoDeploysRacingFromTheSameRevisionExactlyOneWins(TestInfo test) throws Exception {
        try (EtcdStore a = EtcdStore.connect(settings(test)); EtcdStore b = EtcdStore.connect(settings(test))) {
            String key = a.graphKey("web1");
            long base = a.deploy(key, "graph: base\n", 0).modRevision();
            for (int round = 0; round < 10; round++) {
                long expected = a.read(key).orElseThrow().modRevision();
                CountDownLatch go = new CountDownLatch(1);
                AtomicInteger conflicts = new AtomicInteger();
                ExecutorService pool = Executors.newFixedThreadPool(2);
                List<Future<StoredGraph>> results = new CopyOnWriteArrayList<>();
                for (EtcdStore store : List.of(a, b)) {
                    String yaml = "graph: " + (store == a ? "a" : "b") + round + "\n";
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            return store.deploy(key, yaml, expected);
                        } catch (DeployConflictException e) {
                            conflicts.incrementAndGet();
                            return null;
                        }
                    }));
                }
                go.countDown();
                List<StoredGraph> won = new java.util.ArrayList<>();
                for (Future<StoredGraph> f : results) {
                    StoredGraph g = f.get();
                    if (g != null) {
                        won.add(g);
                    }
                }
                pool.shutdown();
                assertThat(won).hasSize(1);
                assertThat(conflicts).hasValue(1);
                assertThat(a.read(key)).contains(won.get(0));
            }
            assertThat(a.read(key).orElseThrow().modRevision()).isGreaterThan(base);
        }
    }

    @Test
    void statusIsListedAndDisappearsOnCloseAtOnce(TestInfo test) throws Exception {
        try (EtcdStore reader = EtcdStore.connect(settings(test))) {
            EtcdStore agent = EtcdStore.connect(settings(test));
            agent.putStatus("web1", status(false, "h1"));
            agent.putStatus("web1", status(true, "h1"));
            assertThat(reader.listStatus()).containsExactly(Map.entry("web1", status(true, "h1")));
            agent.close();
            assertThat(reader.listStatus()).isEmpty();
        }
    }

    @Test
    void statusOfAnAgentThatDiedExpiresWithItsLease(TestInfo test) throws Exception {
        EtcdSettings s = settings(test).withStatusTtl(Duration.ofSeconds(1));
        try (EtcdStore reader = EtcdStore.connect(s)) {
            EtcdStore agent = EtcdStore.connect(s);
            agent.putStatus("web1", status(true, "h1"));
            // Kept alive beyond its TTL while the agent lives.
            Thread.sleep(2_500);
            assertThat(reader.listStatus()).containsOnlyKeys("web1");
            agent.abandon();
            await().atMost(PATIENCE).until(() -> reader.listStatus().isEmpty());
        }
    }

    @Test
    void aFailedKeepAliveKeepsALeaseThatIsStillAliveAndReplacesOneThatIsGone(TestInfo test) throws Exception {
        EtcdSettings s = settings(test).withStatusTtl(Duration.ofSeconds(2));
        try (EtcdStore agent = EtcdStore.connect(s);
                io.etcd.jetcd.Client raw = io.etcd.jetcd.Client.builder().endpoints(etcd.endpoint()).build()) {
            String key = agent.statusKey("web1");
            agent.putStatus("web1", status(true, "h1"));
            long lease = leaseOf(raw, key);

            // What a slow etcd does to a keep-alive stream: it fails, while the lease lives on.
            agent.keepAliveFailed(lease, "simulated keep-alive error", Duration.ofMillis(100));
            Thread.sleep(5_000);
            assertThat(leaseOf(raw, key)).as("the same lease, still kept alive after 2 TTLs").isEqualTo(lease);

            raw.getLeaseClient().revoke(lease).get();
            await().atMost(PATIENCE).until(() -> leaseOf(raw, key) > 0 && leaseOf(raw, key) != lease);
            assertThat(agent.listStatus()).containsOnlyKeys("web1");
        }
    }

    /** The lease the key is attached to; 0 when the key is absent. */
    private static long leaseOf(io.etcd.jetcd.Client raw, String key) throws Exception {
        var kvs = raw.getKVClient().get(io.etcd.jetcd.ByteSequence.from(key, java.nio.charset.StandardCharsets.UTF_8))
                .get().getKvs();
        return kvs.isEmpty() ? 0 : kvs.getFirst().getLease();
    }

    @Test
    void aWatchReportsTheGraphThenEveryChangeAndFallsBackToAll(TestInfo test) throws Exception {
        try (EtcdStore store = EtcdStore.connect(settings(test))) {
            Recorder seen = new Recorder();
            try (AutoCloseable w = store.watchGraph("web1", seen)) {
                await().atMost(PATIENCE).until(() -> seen.graphs.size() == 1);
                assertThat(seen.graphs.get(0)).isEmpty();
                StoredGraph all = store.deploy(store.allGraphKey(), "graph: all\n", 0);
                await().atMost(PATIENCE).until(() -> seen.last().equals(Optional.of(all)));
                StoredGraph own = store.deploy(store.graphKey("web1"), "graph: web1\n", 0);
                await().atMost(PATIENCE).until(() -> seen.last().equals(Optional.of(own)));
                // Another host's graph is not this host's change.
                store.deploy(store.graphKey("web2"), "graph: web2\n", 0);
                StoredGraph own2 = store.deploy(own.key(), "graph: web1 v2\n", own.modRevision());
                await().atMost(PATIENCE).until(() -> seen.last().equals(Optional.of(own2)));
                assertThat(seen.graphs).containsExactly(Optional.empty(), Optional.of(all), Optional.of(own), Optional.of(own2));
            }
        }
    }

    @Test
    void aWatchSeesDeploysAcrossAnEtcdRestartAndAWipe(@TempDir Path dir) throws Exception {
        try (EtcdServer own = EtcdServer.start(dir); EtcdStore store = EtcdStore.connect(own.settings())) {
            Recorder seen = new Recorder();
            try (AutoCloseable w = store.watchGraph("web1", seen)) {
                StoredGraph v1 = store.deploy(store.graphKey("web1"), "graph: v1\n", 0);
                await().atMost(PATIENCE).until(() -> seen.last().equals(Optional.of(v1)));

                own.stop();
                own.start();
                StoredGraph v2 = EtcdStore.retrying(PATIENCE,
                        () -> store.deploy(store.graphKey("web1"), "graph: v2\n", v1.modRevision()));
                await().atMost(PATIENCE).until(() -> seen.last().equals(Optional.of(v2)));

                own.stop();
                own.wipe();
                own.start();
                // The new, empty cluster starts over at a lower revision: the watch must notice.
                StoredGraph v3 = EtcdStore.retrying(PATIENCE,
                        () -> store.deploy(store.graphKey("web1"), "graph: v3\n", 0));
                assertThat(v3.modRevision()).isLessThan(v2.modRevision());
                await().atMost(PATIENCE).until(() -> seen.last().equals(Optional.of(v3)));
                assertThat(seen.errors).isNotEmpty();
            }
        }
    }

    @Test
    void callsToADownEtcdFailClearlyWithinTheDeadline(@TempDir Path dir) throws Exception {
        EtcdSettings s;
        try (EtcdServer gone = EtcdServer.start(dir)) {
            s = gone.settings().withCallTimeout(Duration.ofMillis(500));
        }
        try (EtcdStore store = EtcdStore.connect(s)) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                assertThatThrownBy(() -> store.read(store.graphKey("web1")))
                        .isInstanceOf(EtcdUnavailableException.class)
                        .hasMessageContaining("read /converge/graph/web1: etcd at " + s.endpoints().get(0));
                assertThatThrownBy(() -> store.deploy(store.graphKey("web1"), "graph: x\n", 0))
                        .isInstanceOf(EtcdUnavailableException.class);
                assertThatThrownBy(() -> store.putStatus("web1", status(true, "h")))
                        .isInstanceOf(EtcdUnavailableException.class);
            });
        }
    }

    @Test
    void callsToAServerThatNeverAnswersFailWithDeadlineExceeded() throws Exception {
        // Accepts TCP connections (the kernel does) but never speaks HTTP/2.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            EtcdSettings s = EtcdSettings.of(List.of(URI.create("http://127.0.0.1:" + silent.getLocalPort())))
                    .withCallTimeout(Duration.ofMillis(500));
            try (EtcdStore store = EtcdStore.connect(s)) {
                assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                        assertThatThrownBy(() -> store.deploy(store.graphKey("web1"), "graph: x\n", 0))
                                .isInstanceOfSatisfying(EtcdUnavailableException.class, e ->
                                        assertThat(e.getMessage()).contains("did not answer within 500 ms")));
            }
        }
    }

    @Test
    void retryingGivesUpWithTheLastFailureAndPassesOtherFailuresAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> EtcdStore.retrying(Duration.ofMillis(300), () -> {
            calls.incrementAndGet();
            throw new EtcdUnavailableException("down", false, null);
        })).isInstanceOf(EtcdUnavailableException.class).hasMessage("down");
        assertThat(calls.get()).isGreaterThan(1);

        calls.set(0);
        assertThatThrownBy(() -> EtcdStore.retrying(PATIENCE, () -> {
            calls.incrementAndGet();
            throw new DeployConflictException("k", 0, 3);
        })).isInstanceOf(DeployConflictException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void hostNamesThatWouldBreakTheKeyLayoutAreRefused() {
        for (String bad : List.of("", "_all", "a/b", "a b", "a\nb")) {
            assertThatThrownBy(() -> EtcdStore.requireHost(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(EtcdStore.requireHost("web-1.example.org")).isEqualTo("web-1.example.org");
    }

    /** Records what a watch reports. */
    static final class Recorder implements GraphListener {
        final List<Optional<StoredGraph>> graphs = new CopyOnWriteArrayList<>();
        final List<EtcdStoreException> errors = new CopyOnWriteArrayList<>();

        @Override
        public void graphChanged(Optional<StoredGraph> graph) {
            graphs.add(graph);
        }

        @Override
        public void unavailable(EtcdStoreException error) {
            errors.add(error);
        }

        Optional<StoredGraph> last() {
            return graphs.isEmpty() ? Optional.empty() : graphs.get(graphs.size() - 1);
        }
    }
}
