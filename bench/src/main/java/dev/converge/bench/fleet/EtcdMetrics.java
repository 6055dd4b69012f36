package dev.converge.bench.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's own counters, read from its Prometheus endpoint ({@code <client URL>/metrics}), so that
 * rates are what etcd handled rather than what the load generator believes it sent.
 *
 * <p>Series used (all present in etcd 3.4): {@code etcd_debugging_lease_renewed_total} (lease
 * keep-alives the lessor applied), {@code grpc_server_handled_total{grpc_method="Put"|"Txn"|...}},
 * {@code etcd_network_client_grpc_sent_bytes_total} / {@code _received_bytes_total},
 * {@code etcd_debugging_mvcc_watcher_total} and {@code etcd_debugging_mvcc_watch_stream_total}
 * (gauges), {@code etcd_mvcc_db_total_size_in_bytes} and {@code _in_use_in_bytes},
 * {@code process_resident_memory_bytes}, {@code process_cpu_seconds_total}.
 */
final class EtcdMetrics {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private EtcdMetrics() {
    }

    /** One scrape of every member: series text ({@code name{labels}}) to value, per endpoint, at one time. */
    record Scrape(long nanoTime, List<Map<String, Double>> members) {

        /** The sum over members of every series called {@code name} whose labels contain all of {@code labels}. */
        double sum(String name, String... labels) {
            double total = 0;
            for (Map<String, Double> member : members) {
                total += member(member, name, labels);
            }
            return total;
        }

        /** Per member, the sum of the matching series. */
        List<Double> perMember(String name, String... labels) {
            List<Double> values = new ArrayList<>();
            for (Map<String, Double> member : members) {
                values.add(member(member, name, labels));
            }
            return values;
        }

        private static double member(Map<String, Double> series, String name, String... labels) {
            double total = 0;
            for (var e : series.entrySet()) {
                String key = e.getKey();
                int brace = key.indexOf('{');
                String seriesName = brace < 0 ? key : key.substring(0, brace);
                if (!seriesName.equals(name)) {
                    continue;
                }
                boolean all = true;
                for (String label : labels) {
                    if (!key.contains(label)) {
                        all = false;
                        break;
                    }
                }
                if (all) {
                    total += e.getValue();
                }
            }
            return total;
        }

        /** {@code sum(name, labels)} now minus at {@code before}, per second between the two scrapes. */
        double ratePerSecond(Scrape before, String name, String... labels) {
            double seconds = (nanoTime - before.nanoTime) / 1e9;
            return seconds <= 0 ? 0 : (sum(name, labels) - before.sum(name, labels)) / seconds;
        }

        /** {@code sum(name, labels)} now minus at {@code before}. */
        double delta(Scrape before, String name, String... labels) {
            return sum(name, labels) - before.sum(name, labels);
        }

        /**
         * The {@code q}-quantile of histogram {@code name} over the observations made since
         * {@code before}, all members together, as the upper bound of the bucket it falls in;
         * NaN without observations.
         */
        double quantile(Scrape before, String name, double q) {
            java.util.TreeMap<Double, Double> cumulative = new java.util.TreeMap<>();
            String prefix = name + "_bucket{";
            for (int m = 0; m < members.size(); m++) {
                Map<String, Double> old = m < before.members.size() ? before.members.get(m) : Map.of();
                for (var e : members.get(m).entrySet()) {
                    String key = e.getKey();
                    int le = key.indexOf("le=\"");
                    if (!key.startsWith(prefix) || le < 0) {
                        continue;
                    }
                    String bound = key.substring(le + 4, key.indexOf('"', le + 4));
                    double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                    cumulative.merge(upper, e.getValue() - old.getOrDefault(key, 0.0), Double::sum);
                }
            }
            if (cumulative.isEmpty() || cumulative.lastEntry().getValue() <= 0) {
                return Double.NaN;
            }
            double target = q * cumulative.lastEntry().getValue();
            for (var e : cumulative.entrySet()) {
                if (e.getValue() >= target) {
                    return e.getKey();
                }
            }
            return Double.POSITIVE_INFINITY;
        }
    }

    /** {@link #scrape}, or null when etcd does not answer (it is stalled): progress lines must not end the run. */
    static Scrape tryScrape(List<URI> endpoints) {
        try {
            return scrape(endpoints);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Reads {@code /metrics} of every endpoint. */
    static Scrape scrape(List<URI> endpoints) throws IOException, InterruptedException {
        List<Map<String, Double>> members = new ArrayList<>();
        long now = System.nanoTime();
        for (URI endpoint : endpoints) {
            HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(30)).build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(endpoint + "/metrics answered " + response.statusCode());
            }
            members.add(parse(response.body()));
        }
        return new Scrape(now, members);
    }

    /** The Prometheus text format, as etcd writes it: {@code name{labels} value}, comments skipped. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            try {
                series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            } catch (NumberFormatException e) {
                // Not a sample line; etcd writes none such, other exporters might.
            }
        }
        return series;
    }
}
