package dev.converge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The default workload set and {@code --only}: the spawn workloads are in it, with every tool; cfengine
 * runs the files workloads alone, and only when it is installed.
 */
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
    void theNoopGraphRunsAgainWithTheLivePageServed() {
        Workload plain = named("noop-dag-10000");
        Workload http = named("noop-dag-10000-http");

        assertThat(http.dag()).isEqualTo(plain.dag());
        assertThat(plain.convergeFlags()).isEmpty();
        assertThat(Tool.CONVERGE.command(Path.of("agent"), Path.of("/tmp"), http.dag(), http.convergeFlags()))
                .endsWith("--converged-timeout=0", "--no-watch", "--http", "0");
        assertThat(selected("--only", "noop-dag").stream().map(Workload::name))
                .containsExactly("noop-dag-10000", "noop-dag-10000-http");
        assertThat(http.baseline()).hasValue("noop-dag-10000");
        assertThat(plain.baseline()).isEmpty();
    }

    @Test
    void pairedRowsAlternateAndNeitherAlwaysGoesFirst() {
        assertThat(BenchMain.pairedOrder(3)).containsExactly(0, 1, 1, 0, 0, 1);
        assertThat(BenchMain.pairedOrder(5).stream().filter(i -> i == 1).count()).isEqualTo(5);
    }

    @Test
    void makeAndNinjaRunManyTrueAtLeastAsWideAsTheGraph() {
        Workload many = named("many-true");
        for (Tool tool : List.of(Tool.MAKE, Tool.NINJA)) {
            String jobs = tool.command(Path.of("agent"), Path.of("/tmp"), many.dag(), List.of())
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

    private static BenchMain.Options withCfAgent(Optional<Path> cfAgent) {
        BenchMain.Options parsed = BenchMain.Options.parse(new String[] {"--files", "20"});
        return new BenchMain.Options(parsed.runs(), parsed.warmup(), parsed.only(), parsed.out(), parsed.agent(),
                parsed.noopSizes(), parsed.files(), parsed.time(), parsed.timeoutSeconds(), cfAgent);
    }

    @Test
    void cfengineRunsBothFilesWorkloadsAndNothingElseWhenItIsInstalled() {
        List<Workload> workloads = BenchMain.workloads(withCfAgent(Optional.of(Path.of("/usr/bin/cf-agent"))));

        assertThat(workloads).filteredOn(w -> w.name().startsWith("files-")).extracting(Workload::name)
                .containsExactly("files-20", "files-20-converged");
        assertThat(workloads).allSatisfy(w -> assertThat(w.tools().contains(Tool.CFENGINE)).as(w.name())
                .isEqualTo(w.name().startsWith("files-")));
        assertThat(workloads).filteredOn(w -> w.name().startsWith("files-"))
                .allSatisfy(w -> assertThat(w.tools()).containsExactly(Tool.CONVERGE, Tool.CFENGINE));
        assertThat(named("many-true").tools()).isEqualTo(ALL);
    }

    @Test
    void withoutCfengineTheFilesWorkloadsRunConvergeAlone() {
        assertThat(BenchMain.workloads(withCfAgent(Optional.empty())))
                .filteredOn(w -> w.name().startsWith("files-"))
                .hasSize(2).allSatisfy(w -> assertThat(w.tools()).containsExactly(Tool.CONVERGE));
    }

    @Test
    void cfAgentGetsTheAbsolutePathOfThePolicyAndIgnoresLocks() {
        Dag dag = DagGenerator.files(3, Path.of("/tmp/tree"));

        assertThat(Tool.CFENGINE.command(Path.of("/usr/bin/cf-agent"), Path.of("work"), dag, List.of()))
                .containsExactly("/usr/bin/cf-agent", "-K", "-f",
                        Path.of("work").toAbsolutePath().resolve("files-3.cf").toString());
    }

    @Test
    void aPerSpawnFigureNeedsAGraphOfExecNodes() {
        assertThatThrownBy(() -> new Workload("noop", DagGenerator.startup(), OptionalDouble.empty(), ALL, () -> { },
                false, true)).isInstanceOf(IllegalArgumentException.class);
    }
}
