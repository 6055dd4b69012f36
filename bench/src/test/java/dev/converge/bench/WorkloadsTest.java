package dev.converge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The default workload set and {@code --only}: the spawn workloads are in it, with every tool. */
class WorkloadsTest {

    private static final List<Tool> ALL = List.of(Tool.CONVERGE, Tool.MAKE, Tool.NINJA);

    private static List<Workload> selected(String... args) {
        BenchMain.Options options = BenchMain.Options.parse(args);
        return BenchMain.workloads(options).stream()
                .filter(w -> options.only().isEmpty() || options.only().stream().anyMatch(w::matches)).toList();
    }

    private static Workload named(String name) {
        return selected().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void theDefaultsRunTheSpawnWorkloadsWithEveryTool() {
        assertThat(selected().stream().map(Workload::name)).containsSubsequence("diamond", "many-true",
                "chain-true", "noop-dag-10000");

        Workload many = named("many-true");
        assertThat(many.tools()).isEqualTo(ALL);
        assertThat(many.dag().nodes()).hasSize(2_000);
        assertThat(many.dag().edgeCount()).isZero();
        assertThat(many.idealSeconds()).as("no critical path: ratio to the fastest tool").isEmpty();
        assertThat(many.spawns()).isEmpty();

        Workload chain = named("chain-true");
        assertThat(chain.tools()).isEqualTo(ALL);
        assertThat(chain.dag().edgeCount()).isEqualTo(2_000);
        assertThat(chain.spawns()).hasValue(2_001);
    }

    @Test
    void makeAndNinjaRunManyTrueAtLeastAsWideAsTheGraph() {
        Workload many = named("many-true");
        for (Tool tool : List.of(Tool.MAKE, Tool.NINJA)) {
            String jobs = tool.command(Path.of("agent"), Path.of("/tmp"), many.dag())
                    .stream().filter(arg -> arg.startsWith("-j")).findFirst().orElseThrow();
            assertThat(Integer.parseInt(jobs.substring(2))).as(tool.label()).isGreaterThanOrEqualTo(2_000);
        }
    }

    @Test
    void onlySelectsASpawnWorkloadByNameOrPrefix() {
        assertThat(selected("--only", "chain").stream().map(Workload::name)).containsExactly("chain-true");
        assertThat(selected("--only", "chains").stream().map(Workload::name)).containsExactly("chains");
        assertThat(selected("--only", "many-true,chain-true").stream().map(Workload::name))
                .containsExactly("many-true", "chain-true");
    }

    @Test
    void aPerSpawnFigureNeedsAGraphOfExecNodes() {
        assertThatThrownBy(() -> new Workload("noop", DagGenerator.startup(), OptionalDouble.empty(), ALL, () -> { },
                false, true)).isInstanceOf(IllegalArgumentException.class);
    }
}
