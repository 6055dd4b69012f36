package dev.converge.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The benchmark workloads' graphs. Every generator is deterministic: the random one uses a fixed
 * seed and {@link Random}, whose sequence the JDK specifies, so a graph is the same on every run.
 */
public final class DagGenerator {

    /** The seed of {@link #noopDag(int, int)}. */
    public static final long SEED = 20261123L;

    private DagGenerator() {
    }

    /** examples/exec1.yaml with {@code sleep 1}: the chain exec1 -> exec2 -> exec3, and exec4 alone. */
    public static Dag seed() {
        return new Dag("seed", List.of(
                Node.exec("exec1", "sleep 1", List.of()),
                Node.exec("exec2", "sleep 1", List.of("exec1")),
                Node.exec("exec3", "sleep 1", List.of("exec2")),
                Node.exec("exec4", "sleep 1", List.of())));
    }

    /** {@code chains} independent chains of {@code length} nodes each running {@code command}. */
    public static Dag chains(int chains, int length, String command) {
        List<Node> nodes = new ArrayList<>();
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < length; i++) {
                nodes.add(Node.exec("c%03d-%d".formatted(c, i), command,
                        i == 0 ? List.of() : List.of("c%03d-%d".formatted(c, i - 1))));
            }
        }
        return new Dag("chains", nodes);
    }

    /** A root, {@code middles} parallel children of it, and a sink depending on all of them; all run {@code command}. */
    public static Dag diamond(int middles, String command) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(Node.exec("root", command, List.of()));
        List<String> middleNames = new ArrayList<>();
        for (int i = 0; i < middles; i++) {
            String name = "m%04d".formatted(i);
            nodes.add(Node.exec(name, command, List.of("root")));
            middleNames.add(name);
        }
        nodes.add(Node.exec("sink", command, middleNames));
        return new Dag("diamond", nodes);
    }

    /**
     * {@code n} exec nodes running {@code command} and no edge, named {@code t00000} on: nothing orders
     * them, so a tool may run all of them at once and the graph has no critical path to speak of.
     */
    public static Dag independent(String name, int n, String command) {
        if (n < 1) {
            throw new IllegalArgumentException("independent: n must be >= 1, not " + n);
        }
        List<Node> nodes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            nodes.add(Node.exec(taskName(i), command, List.of()));
        }
        return new Dag(name, nodes);
    }

    /**
     * One chain of {@code edges + 1} exec nodes running {@code command}, named {@code t00000} on: each
     * depends on the one before, so a tool runs them strictly one after the other, whatever its -j.
     */
    public static Dag chain(String name, int edges, String command) {
        if (edges < 0) {
            throw new IllegalArgumentException("chain: edges must be >= 0, not " + edges);
        }
        List<Node> nodes = new ArrayList<>(edges + 1);
        for (int i = 0; i <= edges; i++) {
            nodes.add(Node.exec(taskName(i), command, i == 0 ? List.of() : List.of(taskName(i - 1))));
        }
        return new Dag(name, nodes);
    }

    private static String taskName(int i) {
        return "t%05d".formatted(i);
    }

    /**
     * A random DAG of {@code n} noop nodes: node i gets 0 to {@code maxFanIn} distinct parents drawn
     * uniformly from nodes 0..i-1, so the graph is acyclic by construction.
     */
    public static Dag noopDag(int n, int maxFanIn) {
        Random random = new Random(SEED);
        List<Node> nodes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int fanIn = Math.min(i, random.nextInt(maxFanIn + 1));
            List<String> parents = new ArrayList<>(fanIn);
            while (parents.size() < fanIn) {
                String parent = noopName(random.nextInt(i));
                if (!parents.contains(parent)) {
                    parents.add(parent);
                }
            }
            nodes.add(Node.noop(noopName(i), parents));
        }
        return new Dag("noop-dag-" + n, nodes);
    }

    private static String noopName(int i) {
        return "n%06d".formatted(i);
    }

    /** {@code n} independent file resources directly under {@code dir}, each with a distinct one-line content. */
    public static Dag files(int n, Path dir) {
        List<Node> nodes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = "f%06d".formatted(i);
            nodes.add(Node.file(name, dir.resolve(name).toString(), "file " + i + "\n"));
        }
        return new Dag("files-" + n, nodes);
    }

    /** A single noop: what {@code agent run} costs with nothing to do. */
    public static Dag startup() {
        return new Dag("startup", List.of(Node.noop("only", List.of())));
    }
}
