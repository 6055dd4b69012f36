package dev.converge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.yaml.GraphLoader;
import dev.converge.resources.Kinds;
import dev.converge.resources.ResourceId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The generators are deterministic and the three emitted forms express the same DAG of the same commands. */
class DagGeneratorTest {

    private static final List<Dag> EXEC_DAGS = List.of(DagGenerator.seed(), DagGenerator.chains(20, 5, "sleep 0.2"),
            DagGenerator.diamond(100, "sleep 0.1"), DagGenerator.independent("many-true", 2_000, "true"),
            DagGenerator.chain("chain-true", 2_000, "true"), DagGenerator.noopDag(2_000, 3), DagGenerator.startup());

    @Test
    void shapesAreAsSpecified() {
        assertThat(DagGenerator.seed().edgeCount()).isEqualTo(2);
        Dag chains = DagGenerator.chains(20, 5, "sleep 0.2");
        assertThat(chains.nodes()).hasSize(100);
        assertThat(chains.edgeCount()).isEqualTo(80);
        assertThat(chains.sinks()).hasSize(20);
        Dag diamond = DagGenerator.diamond(100, "sleep 0.1");
        assertThat(diamond.nodes()).hasSize(102);
        assertThat(diamond.edgeCount()).isEqualTo(200);
        assertThat(diamond.sinks()).containsExactly("sink");
    }

    @Test
    void independentCommandsHaveNoEdgeAndEveryNodeIsASink() {
        Dag many = DagGenerator.independent("many-true", 2_000, "true");
        assertThat(many.name()).isEqualTo("many-true");
        assertThat(many.nodes()).hasSize(2_000).allSatisfy(node -> {
            assertThat(node.kind()).isEqualTo(Node.Kind.EXEC);
            assertThat(node.command()).isEqualTo("true");
        });
        assertThat(many.edgeCount()).isZero();
        assertThat(many.sinks()).hasSize(2_000);
        assertThatThrownBy(() -> DagGenerator.independent("none", 0, "true"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void chainHasOneMoreNodeThanEdgesEachDependingOnThePreviousOne() {
        Dag chain = DagGenerator.chain("chain-true", 2_000, "true");
        assertThat(chain.name()).isEqualTo("chain-true");
        assertThat(chain.nodes()).hasSize(2_001).allSatisfy(node -> assertThat(node.command()).isEqualTo("true"));
        assertThat(chain.edgeCount()).isEqualTo(2_000);
        assertThat(chain.nodes().get(0).parents()).isEmpty();
        for (int i = 1; i < chain.nodes().size(); i++) {
            assertThat(chain.nodes().get(i).parents()).containsExactly(chain.nodes().get(i - 1).name());
        }
        assertThat(chain.sinks()).containsExactly(chain.nodes().get(2_000).name());
        assertThat(DagGenerator.chain("one", 0, "true").nodes()).hasSize(1);
        assertThatThrownBy(() -> DagGenerator.chain("none", -1, "true"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomDagIsDeterministicAndFanInIsBounded() {
        Dag dag = DagGenerator.noopDag(10_000, 3);
        assertThat(DagGenerator.noopDag(10_000, 3)).isEqualTo(dag);
        assertThat(dag.nodes()).allSatisfy(node -> assertThat(node.parents()).hasSizeLessThanOrEqualTo(3));
        assertThat(dag.edgeCount()).isBetween(13_000, 17_000);
    }

    @Test
    void yamlLoadsIntoTheSameGraph() throws Exception {
        List<Dag> dags = new ArrayList<>(EXEC_DAGS);
        dags.add(DagGenerator.files(50, Path.of("/tmp/converge-bench-test")));
        for (Dag dag : dags) {
            GraphSnapshot snapshot = new GraphLoader(Kinds.builtIn()).parse(dag.name() + ".yaml", Emitters.yaml(dag))
                    .snapshot();
            assertThat(snapshot.resources()).hasSize(dag.nodes().size());
            Set<List<String>> loaded = snapshot.edges().stream().filter(edge -> !edge.auto())
                    .map(DagGeneratorTest::pair).collect(Collectors.toSet());
            assertThat(loaded).as(dag.name()).isEqualTo(edges(dag));
        }
    }

    @Test
    void makefileAndNinjaHaveTheSameEdgesAndCommands() {
        for (Dag dag : EXEC_DAGS) {
            Map<String, String> commands = new LinkedHashMap<>();
            dag.nodes().forEach(node -> commands.put(node.name(), node.shellCommand()));

            Set<List<String>> makeEdges = new HashSet<>();
            Map<String, String> makeCommands = new LinkedHashMap<>();
            String[] make = Emitters.makefile(dag).split("\n");
            for (int i = 0; i < make.length; i++) {
                if (make[i].startsWith("\t")) {
                    String[] rule = make[i - 1].split(":", 2);
                    makeCommands.put(rule[0], make[i].substring(1));
                    Arrays.stream(rule[1].trim().split(" ")).filter(p -> !p.isEmpty())
                            .forEach(parent -> makeEdges.add(List.of(parent, rule[0])));
                }
            }
            assertThat(makeCommands).as(dag.name()).isEqualTo(commands);
            assertThat(makeEdges).as(dag.name()).isEqualTo(edges(dag));

            Set<List<String>> ninjaEdges = new HashSet<>();
            Map<String, String> ninjaCommands = new LinkedHashMap<>();
            String[] ninja = Emitters.ninja(dag).split("\n");
            for (int i = 0; i < ninja.length; i++) {
                if (ninja[i].startsWith("build ") && !ninja[i].startsWith("build all:")) {
                    String[] build = ninja[i].substring("build ".length()).split(": run", 2);
                    ninjaCommands.put(build[0], ninja[i + 1].substring("  cmd = ".length()));
                    Arrays.stream(build[1].replace("||", "").trim().split(" ")).filter(p -> !p.isEmpty())
                            .forEach(parent -> ninjaEdges.add(List.of(parent, build[0])));
                }
            }
            assertThat(ninjaCommands).as(dag.name()).isEqualTo(commands);
            assertThat(ninjaEdges).as(dag.name()).isEqualTo(edges(dag));
        }
    }

    private static Set<List<String>> edges(Dag dag) {
        Set<List<String>> edges = new HashSet<>();
        dag.nodes().forEach(node -> node.parents().forEach(parent -> edges.add(List.of(parent, node.name()))));
        return edges;
    }

    private static List<String> pair(EdgeSpec edge) {
        ResourceId from = edge.from();
        ResourceId to = edge.to();
        return List.of(from.name(), to.name());
    }
}
