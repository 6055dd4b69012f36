package dev.converge.bench.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.yaml.GraphLoader;
import dev.converge.resources.Kinds;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fleet benchmark's parts that need no etcd. */
class FleetPartsTest {

    @Test
    void theDeployedGraphLoadsAndEachVersionDiffersButNotInSize() throws Exception {
        String v1 = GraphText.of(20, 1);
        String v2 = GraphText.of(20, 2);

        GraphSnapshot g = new GraphLoader(Kinds.builtIn()).parse("fleet.yaml", v1).snapshot();

        assertThat(g.resources()).hasSize(20);
        assertThat(v1).isNotEqualTo(v2).hasSameSizeAs(v2);
        assertThat(v1.length()).isBetween(1_500, 4_000);
    }

    @Test
    void metricsAreParsedAndSummedOverMatchingSeries() {
        Map<String, Double> m = EtcdMetrics.parse("""
                # HELP grpc_server_handled_total Total number of RPCs completed on the server.
                # TYPE grpc_server_handled_total counter
                grpc_server_handled_total{grpc_code="OK",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"} 12
                grpc_server_handled_total{grpc_code="DeadlineExceeded",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"} 3
                grpc_server_handled_total{grpc_code="OK",grpc_method="Txn",grpc_service="etcdserverpb.KV",grpc_type="unary"} 7
                process_resident_memory_bytes 2.5874432e+07
                """);
        EtcdMetrics.Scrape before = new EtcdMetrics.Scrape(0, List.of(Map.of()));
        EtcdMetrics.Scrape now = new EtcdMetrics.Scrape(2_000_000_000L, List.of(m, m));

        assertThat(now.sum("grpc_server_handled_total", "grpc_method=\"Put\"")).isEqualTo(30);
        assertThat(now.perMember("process_resident_memory_bytes")).containsExactly(25_874_432.0, 25_874_432.0);
        assertThat(now.ratePerSecond(before, "grpc_server_handled_total", "grpc_method=\"Txn\"")).isEqualTo(7);
        assertThat(now.sum("grpc_server_handled")).isZero();
    }

    @Test
    void histogramQuantilesComeFromBucketDeltas() {
        String before = """
                etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 10
                etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 10
                etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 10
                etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 10
                """;
        String after = """
                etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 60
                etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 108
                etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 110
                etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 110
                """;
        var s0 = new EtcdMetrics.Scrape(0, List.of(EtcdMetrics.parse(before)));
        var s1 = new EtcdMetrics.Scrape(1, List.of(EtcdMetrics.parse(after)));

        assertThat(s1.quantile(s0, "etcd_disk_wal_fsync_duration_seconds", 0.5)).isEqualTo(0.001);
        assertThat(s1.quantile(s0, "etcd_disk_wal_fsync_duration_seconds", 0.99)).isEqualTo(0.004);
        assertThat(s0.quantile(s0, "etcd_disk_wal_fsync_duration_seconds", 0.99)).isNaN();
    }

    @Test
    void durationsAndPercentiles() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("0")).isZero();
        assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("expected e.g. 500ms");
        assertThat(Durations.flag(Duration.ofSeconds(15))).isEqualTo("15s");

        Latencies l = new Latencies();
        for (int i = 1; i <= 100; i++) {
            l.add(i);
        }
        Latencies.Summary s = l.summary();
        assertThat(s.p50()).isEqualTo(50);
        assertThat(s.p99()).isEqualTo(99);
        assertThat(s.max()).isEqualTo(100);
        assertThat(new Latencies().summary().p99()).isZero();
    }

    @Test
    void optionsDefaultToAHundredSharedClientsAndRejectMoreClientsThanHosts() {
        FleetMain.Options o = FleetMain.Options.parse(new String[] {"--hosts", "10000"});
        assertThat(o.settings(List.of(java.net.URI.create("http://127.0.0.1:2379"))).clients()).isEqualTo(100);
        assertThatThrownBy(() -> FleetMain.Options.parse(new String[] {"--hosts", "5", "--clients", "6"}))
                .hasMessageContaining("more than --hosts");
        assertThatThrownBy(() -> FleetMain.Options.parse(new String[] {"--endpoints", "https://e:2379"}))
                .hasMessageContaining("http://HOST:PORT");
    }
}
