package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-in that used to refresh its child twice, as whole agent processes: file parents with
 * notify edges into one refreshonly exec, on a fresh directory each run, and exec parents with
 * plain edges into one exec. Every run must run the child exactly once.
 */
class FanInProcessTest {

    @TempDir
    Path dir;

    /** {@code parents} files notify one refreshonly exec that appends a line to {@code runs}. */
    private static String notifyingFiles(Path run, int parents) {
        var yaml = new StringBuilder("graph: fanin\nresources:\n  file:\n");
        for (int i = 1; i <= parents; i++) {
            yaml.append("  - name: f").append(i).append("\n    path: ").append(run.resolve("f" + i))
                    .append("\n    content: \"x").append(i).append("\"\n");
        }
        yaml.append("  exec:\n  - name: reload\n    shell: /bin/sh\n    cmd: echo run >> ").append(run.resolve("runs"))
                .append("\n    refreshonly: true\nedges:\n");
        for (int i = 1; i <= parents; i++) {
            yaml.append("- name: e").append(i).append("\n  from: {kind: file, name: f").append(i)
                    .append("}\n  to: {kind: exec, name: reload}\n  notify: true\n");
        }
        return yaml.toString();
    }

    /** Two exec parents that always change, with plain edges into one exec that appends to {@code runs}. */
    private static String plainExecs(Path run) {
        return "graph: plain\nresources:\n  exec:\n"
                + "  - name: a\n    shell: /bin/sh\n    cmd: \"true\"\n"
                + "  - name: b\n    shell: /bin/sh\n    cmd: \"true\"\n"
                + "  - name: child\n    shell: /bin/sh\n    cmd: echo run >> " + run.resolve("runs") + "\n"
                + "edges:\n"
                + "- name: ea\n  from: {kind: exec, name: a}\n  to: {kind: exec, name: child}\n"
                + "- name: eb\n  from: {kind: exec, name: b}\n  to: {kind: exec, name: child}\n";
    }

    /** Runs each graph once on a directory of its own; returns how often each run ran the child. */
    private List<Integer> childRuns(String kind, int runs, Function<Path, String> graph)
            throws Exception {
        var counts = new ArrayList<Integer>();
        for (int r = 0; r < runs; r++) {
            Path run = Files.createDirectories(dir.resolve(kind + r));
            Path g = Files.writeString(dir.resolve(kind + r + ".yaml"), graph.apply(run));
            AgentProcess.Result result = AgentProcess.run(dir, "run", "--file=" + g, "--converged-timeout=0");
            assertThat(result.exit()).as(result.stderr()).isZero();
            Path lines = run.resolve("runs");
            counts.add(Files.exists(lines) ? Files.readAllLines(lines).size() : 0);
        }
        return counts;
    }

    @Test
    void twoNotifyingFilesRefreshTheirExecOnceInEveryRun() throws Exception {
        assertThat(childRuns("two", 10, run -> notifyingFiles(run, 2))).containsOnly(1);
    }

    @Test
    void eightNotifyingFilesRefreshTheirExecOnceInEveryRun() throws Exception {
        assertThat(childRuns("eight", 5, run -> notifyingFiles(run, 8))).containsOnly(1);
    }

    @Test
    void twoChangedExecParentsWithPlainEdgesRunTheirChildOnceInEveryRun() throws Exception {
        assertThat(childRuns("plain", 10, FanInProcessTest::plainExecs)).containsOnly(1);
    }
}
