package dev.converge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process column is read from the agent's own log lines. */
class InProcessTimeTest {

    @TempDir
    Path dir;

    @Test
    void loadTimePlusTheSummaryTime() throws Exception {
        Path log = Files.writeString(dir.resolve("converge.log"), """
                18:07:08.654 running g from g.yaml (10000 resources, 15052 edges, loaded and planned in 0.84 s), \
                exit after 0 s converged
                18:07:09.790 resource       result  applies  apply time  parents wait  permits wait
                18:07:09.843 summary: 10000 resources: 10000 ok, 0 changed, 0 failed, 0 skipped in 1.23 s
                """);

        assertThat(BenchMain.inProcessSeconds(log)).isCloseTo(2.07, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aLogWithoutTheLinesIsAnError() throws Exception {
        Path log = Files.writeString(dir.resolve("converge.log"), "error: no such file\n");

        assertThatThrownBy(() -> BenchMain.inProcessSeconds(log)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("converge.log");
    }
}
