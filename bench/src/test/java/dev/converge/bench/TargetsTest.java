package dev.converge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TargetsTest {

    private static Result result(String workload, Tool tool, double wall, double inProcess) {
        return new Result(workload, tool, List.of(new Sample(wall, 1_000, inProcess)), OptionalDouble.empty(),
                OptionalInt.empty());
    }

    @Test
    void filesTargetsAreCheckedOnTheBestInProcessTimeAndAgainstCfengine() {
        String table = Targets.markdown(List.of(
                result("files-10000", Tool.CONVERGE, 3.0, 2.0),
                result("files-10000", Tool.CFENGINE, 4.0, Double.NaN),
                result("files-10000-converged", Tool.CONVERGE, 1.0, 0.4),
                result("files-10000-converged", Tool.CFENGINE, 0.3, Double.NaN)));

        assertThat(table.lines()).containsSubsequence(
                "| files-10000 | converge in-process best, s | 2.000 | < 1.50 | missed | issue 12 |",
                "| files-10000 | converge in-process best / cfengine best | 0.500 | < 1.00 | met | issue 12 |",
                "| files-10000-converged | converge in-process best, s | 0.400 | < 0.50 | met | issue 12 |",
                "| files-10000-converged | converge in-process best / cfengine best | 1.333 | < 1.00 | missed | issue 12 |");
    }

    @Test
    void aTargetWhoseRowsDidNotRunIsLeftOut() {
        String table = Targets.markdown(List.of(
                result("chains", Tool.CONVERGE, 2.0, 1.0),
                result("files-2000", Tool.CONVERGE, 2.0, 1.0)));

        assertThat(table).doesNotContain("files").doesNotContain("chains");
        assertThat(Targets.markdown(List.of(result("startup", Tool.CONVERGE, 0.5, 0.1)))).isEmpty();
    }

    @Test
    void aRatioTargetAtItsLimitIsMet() {
        String table = Targets.markdown(List.of(
                result("chains", Tool.CONVERGE, 2.2, 1.05),
                result("chains", Tool.NINJA, 1.0, Double.NaN)));

        assertThat(table).contains("| chains | converge in-process best / ninja best | 1.050 | <= 1.05 | met | issue 11 |");
    }

    @Test
    void theLivePageCostIsTheHttpRowAgainstThePlainOne() {
        String table = Targets.markdown(List.of(
                result("noop-dag-10000", Tool.CONVERGE, 2.0, 1.00),
                result("noop-dag-10000-http", Tool.CONVERGE, 2.1, 1.04)));

        assertThat(table).contains("| noop-dag-10000-http | converge in-process best / the same without the flag | 1.040 "
                + "| <= 1.05 | met | issue 15 |");
        assertThat(Targets.markdown(List.of(result("noop-dag-10000-http", Tool.CONVERGE, 2.1, 1.04))))
                .as("without the plain row there is nothing to compare").isEmpty();
    }
}
