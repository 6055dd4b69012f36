package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.testing.Processes;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code agent run} and its signals, end to end: a real agent process running commands whose
 * shells ignore SIGTERM (and so do their children, which inherit that), each with a child in
 * the background. After the agent exits, no process of any command's group may be left.
 */
@Timeout(180)
class SignalsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** The process groups (their leaders' pids) of the commands started; all killed after each test. */
    private final List<Long> groups = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws Exception {
        for (long group : groups) {
            new ProcessBuilder("kill", "-s", "KILL", "--", "-" + group).start().waitFor();
        }
    }

    /** An exec whose shell ignores TERM, runs two sleeps and writes {@code $$ $!} to {@code DIR/<name>.pids}. */
    private static String stubborn(String name) {
        return "  - name: " + name + "\n"
                + "    shell: /bin/sh\n"
                + "    cmd: trap '' TERM; sleep 300 & echo $$ $! > DIR/" + name + ".tmp && mv DIR/" + name
                + ".tmp DIR/" + name + ".pids; sleep 300\n";
    }

    private Path graph(String yaml) throws IOException {
        Path file = dir.resolve("graph.yaml");
        Files.writeString(file, yaml.replace("DIR", dir.toString()));
        return file;
    }

    /** Waits for the command's pid file; returns its pids (the shell, which leads the group, first). */
    private List<Long> pidsOf(String name) throws IOException {
        Path file = dir.resolve(name + ".pids");
        await().atMost(WAIT).until(() -> Files.exists(file));
        List<Long> pids = Stream.of(Files.readString(file).strip().split(" ")).map(Long::parseLong).toList();
        groups.add(pids.get(0));
        return pids;
    }

    /** Live processes whose process group is one of {@code groups}, at the moment of the scan. */
    private List<Long> membersOf(List<Long> groups) throws IOException {
        var members = new ArrayList<Long>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : proc) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException e) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (f[0].charAt(0) != 'Z' && groups.contains(Long.parseLong(f[2]))) {
                    members.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        return members;
    }

    @ParameterizedTest
    @CsvSource({"TERM, 143", "INT, 130"})
    void aSecondStopSignalKillsEveryCommandAtOnceAndNothingIsLeft(String signal, int exit) throws Exception {
        Path g = graph("graph: stubborn\nresources:\n  exec:\n" + stubborn("a") + stubborn("b") + stubborn("c"));
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString());
        var pids = new ArrayList<Long>();
        for (String name : List.of("a", "b", "c")) {
            pids.addAll(pidsOf(name));
        }
        assertThat(membersOf(groups)).as("shell and two sleeps per command").hasSize(9);

        agent.signal(signal);
        await().atMost(WAIT).until(() -> agent.stderrSoFar().contains("SIG" + signal + " received: stopping"));
        agent.signal(signal);
        var result = agent.await(WAIT);

        assertThat(result.exit()).as(result.stderr()).isEqualTo(exit);
        assertThat(pids.stream().filter(Processes::alive)).as("recorded pids alive after exit").isEmpty();
        assertThat(membersOf(groups)).as("processes of the commands' groups after exit").isEmpty();
        assertThat(result.stderr())
                .contains("SIG" + signal + " received again: SIGKILL sent to 3 running command(s)")
                .contains("summary: 3 resources: ");
    }

    @Test
    void sighupReloadsTheFileKeepsTheRunningCommandAndRejectsAnInvalidGraph() throws Exception {
        String first = "graph: live\nresources:\n  exec:\n" + stubborn("long")
                + "  - name: first\n    cmd: touch DIR/first\n";
        Path g = graph(first);
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString(), "--no-watch");
        List<Long> pids = pidsOf("long");
        await().atMost(WAIT).until(() -> Files.exists(dir.resolve("first")));

        Files.writeString(g, (first + "  - name: second\n    cmd: touch DIR/second\n").replace("DIR", dir.toString()));
        agent.signal("HUP");

        await().atMost(WAIT).until(() -> Files.exists(dir.resolve("second")));
        assertThat(agent.stderrSoFar()).contains("SIGHUP received: reloading " + g)
                .contains(g + ": graph swapped, generation 1: 1 added, 0 changed, 0 removed, 2 unchanged");
        assertThat(agent.process().isAlive()).isTrue();
        assertThat(pids.stream().allMatch(Processes::alive)).as("the unchanged command runs on").isTrue();

        Files.writeString(g, "graph: live\nresources:\n  exec:\n  - name: broken\n    colour: red\n");
        agent.signal("HUP");

        await().atMost(WAIT).until(() -> agent.stderrSoFar().contains("new graph rejected; still running generation 1"));
        assertThat(agent.process().isAlive()).isTrue();
        assertThat(pids.stream().allMatch(Processes::alive)).isTrue();

        agent.signal("TERM");
        await().atMost(WAIT).until(() -> agent.stderrSoFar().contains("SIGTERM received: stopping"));
        agent.signal("TERM");
        var result = agent.await(WAIT);

        assertThat(result.exit()).as(result.stderr()).isEqualTo(143);
        assertThat(membersOf(groups)).as("processes of the command's group after exit").isEmpty();
    }

    @Test
    void sighupWithoutAChangeSwapsNothingAndTheAgentRunsOn() throws Exception {
        Path g = graph("graph: still\nresources:\n  exec:\n  - name: once\n    shell: /bin/sh\n"
                + "    cmd: echo applied >> DIR/once\n");
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString());
        await().atMost(WAIT).until(() -> Files.exists(dir.resolve("once")));

        agent.signal("HUP");

        await().atMost(WAIT).until(() -> agent.stderrSoFar().contains("graph swapped, generation 1: 0 added"));
        assertThat(agent.process().isAlive()).isTrue();
        agent.signal("TERM");
        var result = agent.await(WAIT);
        assertThat(result.exit()).isEqualTo(143);
        assertThat(Files.readAllLines(dir.resolve("once"))).as("an unchanged resource is not applied again")
                .containsExactly("applied");
    }

    @Test
    void hupAndIntIgnoredFromTheStartStillReloadAndStop() throws Exception {
        String yaml = "graph: nohup\nresources:\n  exec:\n  - name: once\n    shell: /bin/sh\n"
                + "    cmd: echo applied >> DIR/once\n";
        Path g = graph(yaml);
        AgentProcess agent = AgentProcess.startIgnoring(dir, List.of("HUP", "INT"), "run", "--file", g.toString(),
                "--no-watch");
        await().atMost(WAIT).until(() -> Files.exists(dir.resolve("once")));

        Files.writeString(g, (yaml + "  - name: twice\n    cmd: touch DIR/twice\n").replace("DIR", dir.toString()));
        agent.signal("HUP");
        await().atMost(WAIT).until(() -> Files.exists(dir.resolve("twice")));
        assertThat(agent.stderrSoFar()).contains("SIGHUP received: reloading " + g);

        agent.signal("INT");
        var result = agent.await(WAIT);
        assertThat(result.exit()).as(result.stderr()).isEqualTo(130);
        assertThat(result.stderr()).contains("SIGINT received: stopping");
    }
}
