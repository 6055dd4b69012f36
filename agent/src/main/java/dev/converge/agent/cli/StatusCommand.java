package dev.converge.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code agent status}: every host known to etcd (a published status or a graph key of its own),
 * whether it is converged on the graph deployed for it, and which of its resources failed or
 * were skipped, and why. A table then one line per such resource, or with {@code --json} one
 * JSON document on stdout. Exit 0 only when there is at least one host and every one is
 * converged on its latest graph; 1 otherwise; 2 usage; 3 etcd unreachable. Errors go to stderr
 * in both modes. Runs on picocli's calling thread.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show every host in etcd: converged or not, since when, the hash of the graph it runs, "
                + "and each failed or skipped resource with its error.",
                "With --json, one JSON document on stdout instead (errors still go to stderr).",
                "Exit 0 only if every host is converged on the latest graph deployed for it; 1 otherwise; "
                        + "3 when etcd is unreachable."})
final class StatusCommand implements Callable<Integer> {

    private static final int HASH_SHOWN = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    EtcdOptions etcd;

    @Option(names = "--json", description = "Print one JSON document with every host, its counts and its failed "
            + "and skipped resources, instead of the table.")
    boolean json;

    @Spec
    CommandSpec spec;

    /**
     * What is known of one host: its published status (null without a live agent), the graph
     * deployed for it (null when none), and whether it is converged on that graph.
     */
    private record Host(String name, HostStatus status, StoredGraph latest) {

        boolean current() {
            return status != null && latest != null && latest.hash().equals(status.graphHash());
        }

        boolean ok() {
            return current() && status.converged();
        }

        String state() {
            return status == null ? "no status" : status.converged() ? "converged" : "not converged";
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (EtcdStore store = EtcdStore.connect(etcd.settings())) {
            SortedMap<String, HostStatus> statuses = EtcdStore.retrying(etcd.retry(), store::listStatus);
            SortedMap<String, StoredGraph> graphs = EtcdStore.retrying(etcd.retry(), store::listGraphs);
            TreeSet<String> names = new TreeSet<>(statuses.keySet());
            names.addAll(graphs.keySet());
            names.remove(EtcdStore.ALL);
            List<Host> hosts = new ArrayList<>();
            for (String name : names) {
                StoredGraph latest = graphs.containsKey(name) ? graphs.get(name) : graphs.get(EtcdStore.ALL);
                hosts.add(new Host(name, statuses.get(name), latest));
            }
            boolean allOk = !hosts.isEmpty() && hosts.stream().allMatch(Host::ok);
            if (json) {
                out.println(json(store.settings().prefix(), hosts));
            } else if (hosts.isEmpty()) {
                out.println("no host under " + store.settings().prefix() + ": none has published its status"
                        + " and none has a graph of its own");
            } else {
                print(hosts, out);
            }
            return allOk ? Main.OK : Main.FAILED;
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

    private static String shortHash(String hash) {
        return hash.length() <= HASH_SHOWN ? hash : hash.substring(0, HASH_SHOWN);
    }

    /** The table, one line per failed or skipped resource of each host, and the count of hosts. */
    private static void print(List<Host> hosts, PrintWriter out) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"HOST", "STATE", "SINCE", "GRAPH", "LATEST", "FAILED"});
        for (Host h : hosts) {
            HostStatus s = h.status();
            String latest = h.latest() == null ? "no graph"
                    : s == null ? "-" : h.current() ? "yes" : "no (" + shortHash(h.latest().hash()) + " deployed)";
            cells.add(s == null ? new String[] {h.name(), h.state(), "-", "-", latest, "-"}
                    : new String[] {h.name(), h.state(), s.since().truncatedTo(ChronoUnit.SECONDS).toString(),
                            shortHash(s.graphHash()), latest, Integer.toString(s.failures())});
        }
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
        List<String> problems = new ArrayList<>();
        hosts.forEach(h -> problemLines(h, problems));
        if (!problems.isEmpty()) {
            out.println();
            problems.forEach(out::println);
        }
        long ok = hosts.stream().filter(Host::ok).count();
        out.println(hosts.size() + (hosts.size() == 1 ? " host" : " hosts") + ": " + ok
                + " converged on the latest graph, " + (hosts.size() - ok) + " not");
    }

    /**
     * {@code host: kind[name] failed: message} for each listed resource, a line counting those
     * the host left out, and for an agent that lists none although it counts some, a line
     * saying so.
     */
    private static void problemLines(Host h, List<String> lines) {
        HostStatus s = h.status();
        if (s == null) {
            return;
        }
        for (HostStatus.ResourceProblem p : s.problems()) {
            lines.add(h.name() + ": " + p.id() + " " + p.status()
                    + (p.message().isEmpty() ? "" : ": " + printable(p.message())));
        }
        if (s.problemsLeftOut() > 0) {
            lines.add(h.name() + ": " + s.problemsLeftOut() + " more failed or skipped, not listed (a host lists at most "
                    + HostStatus.MAX_PROBLEMS + ")");
        }
        int failed = s.failures();
        int skipped = s.counts().getOrDefault("skipped", 0);
        if (s.problems().isEmpty() && s.problemsLeftOut() == 0 && failed + skipped > 0) {
            lines.add(h.name() + ": " + failed + " failed, " + skipped
                    + " skipped; its agent does not publish which (an older version)");
        }
    }

    /**
     * {@code message} safe for a terminal: a line break continues the line indented, any other
     * control character becomes {@code ?}. The text comes from etcd, written by whoever may.
     */
    private static String printable(String message) {
        StringBuilder b = new StringBuilder(message.length());
        message.replace("\r\n", "\n").codePoints().forEach(c -> {
            if (c == '\n') {
                b.append("\n    ");
            } else if (Character.isISOControl(c)) {
                b.append('?');
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    /**
     * The document printed by {@code --json}: the prefix, every host with what it published (null
     * where nothing was) and the count of hosts and of those converged on their latest graph.
     */
    private static String json(String prefix, List<Host> hosts) {
        ObjectNode root = JSON.createObjectNode();
        root.put("prefix", prefix);
        ArrayNode list = root.putArray("hosts");
        for (Host h : hosts) {
            HostStatus s = h.status();
            ObjectNode node = list.addObject();
            node.put("host", h.name());
            node.put("state", h.state());
            node.put("ok", h.ok());
            node.put("since", s == null ? null : s.since().toString());
            if (s == null) {
                node.putNull("generation");
            } else {
                node.put("generation", s.generation());
            }
            node.put("graphHash", s == null ? null : s.graphHash());
            node.put("latestHash", h.latest() == null ? null : h.latest().hash());
            node.put("latest", h.current());
            ObjectNode counts = node.putObject("counts");
            ArrayNode problems = node.putArray("problems");
            if (s != null) {
                s.counts().forEach(counts::put);
                s.problems().forEach(p -> problems.addObject()
                        .put("id", p.id()).put("status", p.status()).put("message", p.message()));
            }
            node.put("problemsLeftOut", s == null ? 0 : s.problemsLeftOut());
        }
        root.put("total", hosts.size());
        root.put("ok", hosts.stream().filter(Host::ok).count());
        return root.toPrettyString();
    }
}
