package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When stderr is the journal's stream ({@code JOURNAL_STREAM} names it, as systemd sets it for a
 * service), every text line starts with its sd-daemon priority; otherwise none does. A real agent
 * process whose stderr is a real file.
 */
class JournalStreamTest {

    @TempDir
    Path dir;

    private Path graph(String yaml) throws Exception {
        return Files.writeString(dir.resolve("graph.yaml"), yaml.replace("DIR", dir.toString()));
    }

    private static final String FAILING = """
            graph: journal
            resources:
              exec:
              - name: broken
                cmd: "false"
              - name: after
                cmd: "true"
              file:
              - name: DIR/ok
                content: x
            edges:
            - name: broken-after
              from: {kind: exec, name: broken}
              to: {kind: exec, name: after}
            """;

    @Test
    void inTheJournalEachLineCarriesItsPriority() throws Exception {
        Path g = graph(FAILING);

        var result = AgentProcess.start(dir, true, "run", "--file", g.toString(), "--converged-timeout=0")
                .await(Duration.ofSeconds(60));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.stderr().lines()).isNotEmpty().allMatch(line -> line.matches("<[2-7]>.*"), "a priority");
        assertThat(result.stderr().lines())
                .anyMatch(line -> line.startsWith("<3>") && line.contains("error: exec[broken] failed"))
                .anyMatch(line -> line.startsWith("<4>") && line.contains("warning: exec[after] skipped"))
                .anyMatch(line -> line.startsWith("<6>") && line.contains("changed in"))
                .anyMatch(line -> line.startsWith("<6>") && line.contains("summary: 3 resources"));
    }

    @Test
    void theLoadersDiagnosticsCarryThemToo() throws Exception {
        Path g = graph("""
                graph: invalid
                resources:
                  exec:
                  - name: x
                """);

        var result = AgentProcess.start(dir, true, "run", "--file", g.toString()).await(Duration.ofSeconds(60));

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.stderr().lines()).isNotEmpty().allMatch(line -> line.matches("<[2-7]>.*"), "a priority")
                .anyMatch(line -> line.startsWith("<3>") && line.contains(": error: "));
    }

    @Test
    void elsewhereNoLineCarriesOne() throws Exception {
        Path g = graph(FAILING);

        var result = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=0");

        assertThat(result.stderr().lines()).isNotEmpty().noneMatch(line -> line.startsWith("<"));
    }
}
