package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agent run} end to end: a real agent process, real commands, real files. */
class RunCommandTest {

    @TempDir
    Path dir;

    private Path graph(String yaml) throws Exception {
        Path file = dir.resolve("graph.yaml");
        Files.writeString(file, yaml.replace("DIR", dir.toString()));
        return file;
    }

    @Test
    void appliesAGraphInDependencyOrderAndExitsZeroOnceConverged() throws Exception {
        Path g = graph("""
                graph: e2e
                resources:
                  exec:
                  - name: first
                    shell: /bin/sh
                    cmd: echo first >> DIR/order
                  - name: second
                    shell: /bin/sh
                    cmd: echo second >> DIR/order; echo to stderr >&2
                  file:
                  - name: DIR/motd
                    content: hello
                    mode: "0600"
                edges:
                - name: first-then-second
                  from: {kind: exec, name: first}
                  to: {kind: exec, name: second}
                """);

        var result = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=0",
                "--graphviz=" + dir.resolve("plan.dot"));

        assertThat(result.exit()).as(result.stderr()).isZero();
        assertThat(Files.readString(dir.resolve("order"))).isEqualTo("first\nsecond\n");
        assertThat(Files.readString(dir.resolve("motd"))).isEqualTo("hello");
        assertThat(result.stderr())
                .contains("exec[second] 2> to stderr")
                .containsPattern("exec\\[first\\] changed in \\d+\\.\\d\\d s")
                .contains("summary: 3 resources: 0 ok, 3 changed, 0 failed, 0 skipped in ");
        assertThat(Files.readString(dir.resolve("plan.dot"))).contains("exec[first]").contains("CHANGED");
    }

    @Test
    void secondRunOfAConvergedGraphChangesNothing() throws Exception {
        Path g = graph("""
                graph: idempotent
                resources:
                  file:
                  - name: DIR/f
                    content: same
                  exec:
                  - name: once
                    shell: /bin/sh
                    cmd: echo ran >> DIR/runs
                    creates: DIR/runs
                """);
        assertThat(AgentProcess.run(dir, "run", "-f", g.toString(), "--converged-timeout=0").exit()).isZero();

        var second = AgentProcess.run(dir, "run", "-f", g.toString(), "--converged-timeout=0");

        assertThat(second.exit()).isZero();
        assertThat(second.stderr()).contains("summary: 2 resources: 2 ok, 0 changed");
        assertThat(Files.readString(dir.resolve("runs"))).isEqualTo("ran\n");
    }

    @Test
    void aFailureSkipsItsDependentsLetsTheRestFinishAndExitsOne() throws Exception {
        Path g = graph("""
                graph: failing
                resources:
                  exec:
                  - name: bad
                    cmd: "false"
                  - name: child
                    cmd: touch DIR/child
                  - name: independent
                    cmd: touch DIR/independent
                edges:
                - name: e1
                  from: {kind: exec, name: bad}
                  to: {kind: exec, name: child}
                """);

        var result = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=0");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(dir.resolve("independent")).exists();
        assertThat(dir.resolve("child")).doesNotExist();
        assertThat(result.stderr())
                .contains("error: exec[bad] failed in")
                .contains("exited with status 1")
                .contains("warning: exec[child] skipped: parent exec[bad] failed")
                .contains("3 resources: 0 ok, 1 changed, 1 failed, 1 skipped");
    }

    @Test
    void anInvalidGraphAppliesNothingAndExitsTwoWithEveryError() throws Exception {
        Path g = graph("""
                graph: cyclic
                resources:
                  exec:
                  - name: a
                    cmd: touch DIR/applied
                  - name: b
                    cmd: touch DIR/applied
                edges:
                - name: e1
                  from: {kind: exec, name: a}
                  to: {kind: exec, name: b}
                - name: e2
                  from: {kind: exec, name: b}
                  to: {kind: exec, name: a}
                """);

        var result = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=0");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.stderr()).contains(g + ":").contains("cycle: exec[a] -> exec[b] -> exec[a]")
                .contains("nothing applied");
        assertThat(dir.resolve("applied")).doesNotExist();
    }

    @Test
    void sigtermStopsCleanlyAndKillsRunningCommands() throws Exception {
        Path g = graph("""
                graph: long
                resources:
                  exec:
                  - name: long
                    shell: /bin/sh
                    cmd: sleep 300 & echo $! > DIR/pid; wait
                """);
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString());
        Path pidFile = dir.resolve("pid");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        long sleeper = Long.parseLong(Files.readString(pidFile).trim());

        agent.process().destroy();
        var result = agent.await(Duration.ofSeconds(30));

        assertThat(result.exit()).isEqualTo(143);
        assertThat(result.stderr()).contains("SIGTERM received: stopping").contains("1 unfinished");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(sleeper).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void noopChangesNothingOnTheHost() throws Exception {
        Path g = graph("""
                graph: noop
                resources:
                  exec:
                  - name: touch
                    cmd: touch DIR/touched
                  file:
                  - name: DIR/file
                    content: x
                """);

        var result = AgentProcess.run(dir, "run", "--file", g.toString(), "--noop", "--converged-timeout=0");

        assertThat(result.exit()).isZero();
        assertThat(dir.resolve("touched")).doesNotExist();
        assertThat(dir.resolve("file")).doesNotExist();
        assertThat(result.stderr()).contains("exec[touch]: would change: run `touch " + dir.resolve("touched") + "`")
                .contains("file[" + dir.resolve("file") + "]: would change: create (1 byte");
    }

    @Test
    void badOptionIsAUsageErrorWithExitTwo() throws Exception {
        var result = AgentProcess.run(dir, "run", "--file", "x.yaml", "--converged-timeout=soon");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.stderr()).contains("--converged-timeout");
    }

    @Test
    void aRunningAgentRepairsADeletedFileAndRefreshesWhatItNotifies() throws Exception {
        Path g = graph("""
                graph: drift
                resources:
                  file:
                  - name: DIR/app.conf
                    content: "port = 8080\\n"
                  exec:
                  - name: reload
                    shell: /bin/sh
                    cmd: echo reload >> DIR/reloads
                    refreshonly: true
                edges:
                - name: conf-reloads
                  from: {kind: file, name: DIR/app.conf}
                  to: {kind: exec, name: reload}
                  notify: true
                """);
        Path conf = dir.resolve("app.conf");
        Path reloads = dir.resolve("reloads");
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(reloads)
                    && Files.readAllLines(reloads).size() == 1);

            Files.delete(conf);

            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(conf)
                    && Files.readAllLines(reloads).size() == 2);
            assertThat(Files.readString(conf)).isEqualTo("port = 8080\n");
        } finally {
            agent.process().destroy();
        }
        String log = agent.await(Duration.ofSeconds(30)).stderr();
        assertThat(log.lines().filter(l -> l.endsWith(conf + "] start")))
                .as("re-checks after events are logged only when they change something").hasSize(1);
        assertThat(log).contains(conf + "] changed in").contains("exec[reload] refresh (notified by file[" + conf + "])");
    }
}
