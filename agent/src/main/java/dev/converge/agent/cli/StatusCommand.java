package dev.converge.agent.cli;

import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.EtcdStoreException;
import dev.converge.agent.etcd.EtcdUnavailableException;
import dev.converge.agent.etcd.HostStatus;
import dev.converge.agent.etcd.StoredGraph;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code agent status}: a table of every host known to etcd (a published status or a graph key
 * of its own) and whether it is converged on the graph deployed for it. Exit 0 only when there is
 * at least one host and every one is converged on its latest graph; 1 otherwise; 2 usage;
 * 3 etcd unreachable.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show every host in etcd: converged or not, since when, the hash of the graph it runs, failures.",
                "Exit 0 only if every host is converged on the latest graph deployed for it; 1 otherwise; 3 when etcd is unreachable."})
final class StatusCommand implements Callable<Integer> {

    private static final int HASH_SHOWN = 12;

    @Mixin
    EtcdOptions etcd;

    @Spec
    CommandSpec spec;

    /** One line of the table; {@code ok} when the host is converged on its latest graph. */
    private record Row(String host, String state, String since, String graph, String latest, String failed, boolean ok) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (EtcdStore store = EtcdStore.connect(etcd.settings())) {
            SortedMap<String, HostStatus> statuses = EtcdStore.retrying(etcd.retry(), store::listStatus);
            SortedMap<String, StoredGraph> graphs = EtcdStore.retrying(etcd.retry(), store::listGraphs);
            TreeSet<String> hosts = new TreeSet<>(statuses.keySet());
            hosts.addAll(graphs.keySet());
            hosts.remove(EtcdStore.ALL);
            if (hosts.isEmpty()) {
                out.println("no host under " + store.settings().prefix() + ": none has published its status"
                        + " and none has a graph of its own");
                return Main.FAILED;
            }
            List<Row> rows = new ArrayList<>();
            for (String host : hosts) {
                StoredGraph latest = graphs.containsKey(host) ? graphs.get(host) : graphs.get(EtcdStore.ALL);
                rows.add(row(host, statuses.get(host), latest));
            }
            print(rows, out);
            long ok = rows.stream().filter(Row::ok).count();
            out.println(rows.size() + (rows.size() == 1 ? " host" : " hosts") + ": " + ok
                    + " converged on the latest graph, " + (rows.size() - ok) + " not");
            return ok == rows.size() ? Main.OK : Main.FAILED;
        } catch (IllegalArgumentException e) {
            err.println("agent status: " + e.getMessage());
            return Main.INVALID;
        } catch (IOException e) {
            err.println("agent status: cannot read the etcd password file: " + e.getMessage());
            return Main.INVALID;
        } catch (EtcdUnavailableException e) {
            err.println("agent status: " + e.getMessage());
            return EtcdOptions.UNREACHABLE;
        } catch (EtcdStoreException e) {
            err.println("agent status: " + e.getMessage());
            return Main.FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static Row row(String host, HostStatus status, StoredGraph latest) {
        if (status == null) {
            return new Row(host, "no status", "-", "-", latest == null ? "no graph" : "-", "-", false);
        }
        boolean current = latest != null && latest.hash().equals(status.graphHash());
        String latestText = latest == null ? "no graph"
                : current ? "yes" : "no (" + shortHash(latest.hash()) + " deployed)";
        return new Row(host, status.converged() ? "converged" : "not converged",
                status.since().truncatedTo(ChronoUnit.SECONDS).toString(), shortHash(status.graphHash()), latestText,
                Integer.toString(status.failures()), status.converged() && current);
    }

    private static String shortHash(String hash) {
        return hash.length() <= HASH_SHOWN ? hash : hash.substring(0, HASH_SHOWN);
    }

    private static void print(List<Row> rows, PrintWriter out) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"HOST", "STATE", "SINCE", "GRAPH", "LATEST", "FAILED"});
        rows.forEach(r -> cells.add(new String[] {r.host(), r.state(), r.since(), r.graph(), r.latest(), r.failed()}));
        int[] width = new int[6];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        for (String[] line : cells) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                b.append(i == line.length - 1 ? line[i] : String.format("%-" + (width[i] + 2) + "s", line[i]));
            }
            out.println(b.toString().stripTrailing());
        }
    }
}
