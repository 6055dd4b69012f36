package dev.converge.bench.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.etcd.EtcdSettings;
import dev.converge.agent.etcd.EtcdStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet benchmark against a real etcd (Debian's {@code etcd}, started here on loopback with a
 * data directory of the test's): small fleets, a few seconds each. Fails, never skips, when etcd
 * is not installed.
 */
class FleetTest {

    @Test
    void oneDeployReachesEveryWatcherOfTwentyHostsSharingFourClients(@TempDir Path dir) throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(null, dir.resolve("etcd"), true, null)) {
            Fleet.Settings s = Fleet.Settings.defaults(List.of(etcd.endpoint()), 20)
                    .withHosts(20, 4)
                    .withTiming(Duration.ofSeconds(3), Duration.ofSeconds(1), 1);

            FleetResult r = Fleet.run(s, "test etcd", etcd::peakRssBytes, null);

            assertThat(r.attach().attached()).isEqualTo(20);
            assertThat(r.attach().perHost().count()).isEqualTo(20);
            // Two watches per host (its own key and _all), each on a stream of its own.
            assertThat(r.attach().watchers()).isGreaterThanOrEqualTo(40);
            assertThat(r.deploys()).hasSize(1);
            FleetResult.Deploy deploy = r.deploys().get(0);
            assertThat(deploy.reach().count()).isEqualTo(20);
            assertThat(deploy.reach().max()).isPositive().isLessThan(Duration.ofSeconds(10).toNanos());
            assertThat(deploy.converged().count()).isEqualTo(20);
            // Each host read both graph keys in one transaction after the event.
            assertThat(deploy.txns()).isGreaterThanOrEqualTo(20);
            // 20 hosts renew every TTL/3 = 5 s; writes: one per host per second.
            assertThat(r.steady().keepAlivesPerSec()).isGreaterThan(0);
            assertThat(r.steady().putsPerSec()).isGreaterThan(5);
            assertThat(r.steady().putLatency().count()).isGreaterThan(20);
            assertThat(r.statusRead().error()).isNull();
            assertThat(r.statusRead().statuses()).isEqualTo(20);
            assertThat(r.after().rssBytes()).singleElement().satisfies(rss -> assertThat(rss).isPositive());
            assertThat(r.after().peakRssBytes()).isPresent();
            assertThat(r.errors().putFailures()).isZero();
            assertThat(r.errors().attachFailed()).isZero();
            assertThat(r.complete()).isTrue();
            assertThat(r.report()).contains("reached 20 of 20 watchers", "fleet: 20 hosts");

            // Stopping the fleet revoked every status lease: no status is left.
            EtcdSettings settings = EtcdSettings.of(List.of(etcd.endpoint())).withPrefix(s.prefix());
            try (EtcdStore store = EtcdStore.connect(settings)) {
                assertThat(store.listStatus()).isEmpty();
            }
        }
    }

    @Test
    void everyHostWithAStoreOfItsOwnIsTheAgentsOwnCode(@TempDir Path dir) throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(null, dir.resolve("etcd"), true, null)) {
            Fleet.Settings s = Fleet.Settings.defaults(List.of(etcd.endpoint()), 5)
                    .withHosts(5, 5)
                    .withTiming(Duration.ofSeconds(1), Duration.ZERO, 2);
            assertThat(s.storePerHost()).isTrue();

            FleetResult r = Fleet.run(s, "test etcd", etcd::peakRssBytes, null);

            assertThat(r.deploys()).extracting(d -> d.reach().count()).containsExactly(5, 5);
            assertThat(r.deploys().get(1).revision()).isGreaterThan(r.deploys().get(0).revision());
            // Without a status interval a host at rest writes nothing.
            assertThat(r.steady().offeredPutsPerSec()).isZero();
            assertThat(r.steady().putLatency().count()).isZero();
            assertThat(r.topology()).contains("exactly the agent");
            assertThat(r.complete()).isTrue();
        }
    }

    @Test
    void directWatchesMakeTheSameCallsWithoutAThreadPerHost(@TempDir Path dir) throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(null, dir.resolve("etcd"), true, null)) {
            Fleet.Settings s = Fleet.Settings.defaults(List.of(etcd.endpoint()), 20)
                    .withHosts(20, 3)
                    .withTiming(Duration.ofSeconds(1), Duration.ZERO, 2)
                    .withDirectWatch(true);

            FleetResult r = Fleet.run(s, "test etcd", etcd::peakRssBytes, null);

            assertThat(r.attach().watchers()).isGreaterThanOrEqualTo(40);
            assertThat(r.deploys()).extracting(d -> d.reach().count()).containsExactly(20, 20);
            // One transaction per host per deploy, as the agent's watch makes.
            assertThat(r.deploys()).allSatisfy(d -> assertThat(d.txns()).isBetween(20.0, 25.0));
            assertThat(r.topology()).contains("3 jetcd clients", "without a thread per host");
            assertThat(r.errors().watchErrors()).isZero();
            assertThat(r.complete()).isTrue();
        }
    }

    @Test
    void mainStartsItsOwnEtcdAndWritesTheReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out/fleet.txt");

        int status = FleetMain.run(new String[] {"--hosts", "3", "--duration", "1s", "--status-interval=0",
                "--deploys", "1", "--data-dir", dir.resolve("etcd").toString(), "--out", out.toString()});

        assertThat(status).isZero();
        assertThat(Files.readString(out)).contains("fleet: 3 hosts", "reached 3 of 3 watchers", "etcd after: RSS");
    }
}
