package dev.converge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The table's and the CSV's figures from hand-made samples: the best in-process time, converge's
 * best in-process time over ninja's and over cfengine's best wall time, and the per-spawn figure of
 * a per-spawn workload.
 */
class ReportTest {

    private static final int IN_PROCESS_BEST = 10;
    private static final int TO_NINJA = 11;
    private static final int TO_CFENGINE = 12;
    private static final int PER_SPAWN = 13;

    /** chain-true with 2,000 spawns: converge's in-process times 3.0, 2.0, 4.0 s; ninja 1.5, 1.0, 2.5 s wall. */
    private static List<Result> chainTrue() {
        OptionalInt spawns = OptionalInt.of(2_000);
        return List.of(
                new Result("chain-true", Tool.CONVERGE, List.of(new Sample(3.5, 200_000, 3.0),
                        new Sample(2.6, 200_000, 2.0), new Sample(4.4, 200_000, 4.0)), OptionalDouble.empty(), spawns),
                new Result("chain-true", Tool.MAKE, List.of(new Sample(2.0, 6_000, Double.NaN),
                        new Sample(1.8, 6_000, Double.NaN), new Sample(2.2, 6_000, Double.NaN)),
                        OptionalDouble.empty(), spawns),
                new Result("chain-true", Tool.NINJA, List.of(new Sample(1.5, 6_000, Double.NaN),
                        new Sample(1.0, 6_000, Double.NaN), new Sample(2.5, 6_000, Double.NaN)),
                        OptionalDouble.empty(), spawns));
    }

    @Test
    void bestInProcessTimeAndItsRatioToNinjasBestWallTime() {
        List<List<String>> rows = Report.rows(chainTrue());

        List<String> converge = rows.get(0);
        assertThat(converge.get(9)).as("median in-process").isEqualTo("3.000");
        assertThat(converge.get(IN_PROCESS_BEST)).isEqualTo("2.000");
        assertThat(converge.get(TO_NINJA)).as("2.0 s in-process / 1.0 s ninja wall").isEqualTo("2.00");
        assertThat(converge.get(TO_CFENGINE)).as("cfengine did not run").isEqualTo("-");
        assertThat(rows.get(1).subList(IN_PROCESS_BEST, PER_SPAWN)).containsOnly("-");
        assertThat(rows.get(2).subList(IN_PROCESS_BEST, PER_SPAWN)).containsOnly("-");
    }

    @Test
    void perSpawnIsTheBestRunOverTheCommandsInMicroseconds() {
        List<List<String>> rows = Report.rows(chainTrue());

        assertThat(rows.get(0).get(PER_SPAWN)).as("converge: best in-process 2.0 s / 2,000").isEqualTo("1000");
        assertThat(rows.get(1).get(PER_SPAWN)).as("make: best wall 1.8 s / 2,000").isEqualTo("900");
        assertThat(rows.get(2).get(PER_SPAWN)).as("ninja: best wall 1.0 s / 2,000").isEqualTo("500");
    }

    @Test
    void withoutNinjaOrAPerSpawnFigureTheCellsAreDashes() {
        Result alone = new Result("noop-dag-10", Tool.CONVERGE, List.of(new Sample(1.0, 100_000, 0.5)),
                OptionalDouble.empty(), OptionalInt.empty());

        List<String> row = Report.rows(List.of(alone)).get(0);

        assertThat(row.get(IN_PROCESS_BEST)).isEqualTo("0.500");
        assertThat(row.get(TO_NINJA)).isEqualTo("-");
        assertThat(row.get(TO_CFENGINE)).isEqualTo("-");
        assertThat(row.get(PER_SPAWN)).isEqualTo("-");
    }

    /** files-2000: converge's in-process times 1.2 and 0.8 s; cfengine 1.0 and 0.9 s wall. */
    @Test
    void onAFilesWorkloadConvergesBestInProcessTimeIsOverCfenginesBestWallTime() {
        List<Result> files = List.of(
                new Result("files-2000", Tool.CONVERGE, List.of(new Sample(1.8, 150_000, 1.2),
                        new Sample(1.4, 150_000, 0.8)), OptionalDouble.empty(), OptionalInt.empty()),
                new Result("files-2000", Tool.CFENGINE, List.of(new Sample(1.0, 20_000, Double.NaN),
                        new Sample(0.9, 20_000, Double.NaN)), OptionalDouble.empty(), OptionalInt.empty()));

        List<List<String>> rows = Report.rows(files);

        assertThat(rows.get(0).get(1)).isEqualTo("converge");
        assertThat(rows.get(0).get(TO_CFENGINE)).as("0.8 s in-process / 0.9 s cfengine wall").isEqualTo("0.89");
        assertThat(rows.get(0).get(TO_NINJA)).isEqualTo("-");
        assertThat(rows.get(1).get(1)).isEqualTo("cfengine");
        assertThat(rows.get(1).subList(IN_PROCESS_BEST, PER_SPAWN + 1)).containsOnly("-");
        assertThat(Report.csv(files).lines().toList().get(1)).endsWith(",1.000,0.800,,0.89,");
    }

    @Test
    void theTableHeaderNamesTheNewColumns() {
        String header = Report.markdown(chainTrue()).lines().findFirst().orElseThrow();

        assertThat(header).contains("| in-process s ", "| in-process best s ", "| in-process best / ninja best ",
                "| in-process best / cfengine best ", "| best µs/spawn ");
    }

    @Test
    void theCsvHasTheTablesFiguresWithEmptyCellsForAbsentOnes() {
        List<String> lines = Report.csv(chainTrue()).lines().toList();

        List<String> header = Arrays.asList(lines.get(0).split(",", -1));
        assertThat(header).endsWith("in_process_s", "in_process_best_s", "in_process_best_to_ninja_best",
                "in_process_best_to_cfengine_best", "best_us_per_spawn");
        assertThat(lines).hasSize(4).allSatisfy(line -> assertThat(line.split(",", -1)).hasSameSizeAs(header));
        assertThat(lines.get(1)).endsWith(",3.000,2.000,2.00,,1000");
        assertThat(lines.get(2)).endsWith(",,,,,900");
        assertThat(lines.get(3)).startsWith("chain-true,ninja,3,1.500,1.000,2.500,5.9,1.00,fastest,,")
                .endsWith(",,,,,500");
    }

    @Test
    void aPerSpawnCountBelowOneIsRefused() {
        assertThatThrownBy(() -> new Result("w", Tool.NINJA, List.of(new Sample(1.0, 1, Double.NaN)),
                OptionalDouble.empty(), OptionalInt.of(0))).isInstanceOf(IllegalArgumentException.class);
    }
}
