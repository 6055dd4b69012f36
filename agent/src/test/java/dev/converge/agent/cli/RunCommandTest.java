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

    @Test
    void atExitASummaryTableAndTheCriticalPathAreLoggedAndDrawn() throws Exception {
        Path g = graph("""
                graph: chain
                resources:
                  exec:
                  - name: a
                    cmd: sleep 0.3
                  - name: b
                    cmd: sleep 0.3
                  - name: aside
                    cmd: "true"
                edges:
                - name: a-then-b
                  from: {kind: exec, name: a}
                  to: {kind: exec, name: b}
                """);

        var result = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=0",
                "--graphviz=" + dir.resolve("plan.dot"));

        assertThat(result.exit()).as(result.stderr()).isZero();
        assertThat(result.stderr())
                .containsPattern("resource +result +checks +applies +apply time +parents wait +permits wait\\n")
                .containsPattern("exec\\[b] +CHANGED +1 +1 +\\d+\\.\\d\\d s +\\d+\\.\\d\\d s +0\\.00 s\\n")
                .containsPattern("critical path: exec\\[a] \\d+\\.\\d\\d s -> exec\\[b] \\d+\\.\\d\\d s"
                        + " = \\d+\\.\\d\\d s of \\d+\\.\\d\\d s wall\\n")
                .containsPattern("apply time \\d+\\.\\d\\d s in all, parallelism \\d+\\.\\d\\d\\n")
                .contains("summary: 3 resources: 0 ok, 3 changed");
        String dot = Files.readString(dir.resolve("plan.dot"));
        assertThat(dot).containsPattern("\"exec\\[a]\" \\[\"label\"=\"exec\\[a]\\\\nCHANGED \\([^)]+\\)\",[^\\n]*\"penwidth\"=\"3\"")
                .containsPattern("\"exec\\[a]\" -> \"exec\\[b]\" \\[[^\\n]*\"penwidth\"=\"3\"");
        assertThat(dot.lines().filter(l -> l.startsWith("\"exec[aside]\"")).findFirst().orElseThrow())
                .doesNotContain("penwidth");
    }

    @Test
    void sigusr1LogsTheSummarySoFarAndTheRunGoesOn() throws Exception {
        Path g = graph("""
                graph: long
                resources:
                  exec:
                  - name: quick
                    cmd: "true"
                  - name: long
                    cmd: sleep 300
                edges:
                - name: quick-then-long
                  from: {kind: exec, name: quick}
                  to: {kind: exec, name: long}
                """);
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.stderrSoFar().contains("exec[long] start"));

            int kill = new ProcessBuilder("kill", "-USR1", Long.toString(agent.process().pid())).start().waitFor();

            assertThat(kill).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.stderrSoFar().contains("parallelism"));
            assertThat(agent.process().isAlive()).as("SIGUSR1 does not stop the agent").isTrue();
            assertThat(agent.stderrSoFar())
                    .contains("SIGUSR1 received: the run so far, still running")
                    .containsPattern("exec\\[long] +RUNNING +1 ")
                    .containsPattern("critical path: exec\\[quick] \\d+\\.\\d\\d s -> exec\\[long] "
                            + "\\d+\\.\\d\\d s \\(running\\) = ")
                    .doesNotContain("summary: ");
        } finally {
            agent.process().destroy();
        }
        var result = agent.await(Duration.ofSeconds(30));
        assertThat(result.exit()).isEqualTo(143);
        assertThat(result.stderr()).contains("summary: 2 resources: 0 ok, 1 changed, 0 failed, 0 skipped, 1 unfinished");
    }

    private Path twoChattyCommands() throws Exception {
        return graph("""
                graph: chatty
                resources:
                  exec:
                  - name: a
                    shell: /bin/sh
                    cmd: i=0; while [ $i -lt 200 ]; do echo a-$i; echo a-err-$i >&2; i=$((i+1)); done
                  - name: b
                    shell: /bin/sh
                    cmd: i=0; while [ $i -lt 200 ]; do echo b-$i; echo b-err-$i >&2; i=$((i+1)); done
                """);
    }

    @Test
    void streamedOutputNeverPutsTwoResourcesOnOneLine() throws Exception {
        var result = AgentProcess.run(dir, "run", "-f", twoChattyCommands().toString(), "--converged-timeout=0",
                "--no-watch");

        assertThat(result.exit()).as(result.stderr()).isZero();
        var output = result.stderr().lines().filter(l -> l.matches(".*\\] 2?> .*")).toList();
        assertThat(output).hasSize(800).allSatisfy(line -> assertThat(line)
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} exec\\[(a|b)\\] (> \\1-\\d+|2> \\1-err-\\d+)"));
    }

    @Test
    void groupedOutputWritesEachResourcesLinesAsOneBlock() throws Exception {
        var result = AgentProcess.run(dir, "run", "-f", twoChattyCommands().toString(), "--converged-timeout=0",
                "--no-watch", "--output=grouped");

        assertThat(result.exit()).as(result.stderr()).isZero();
        var lines = result.stderr().lines().map(l -> l.substring(13)).toList();
        for (String r : new String[] {"a", "b"}) {
            int start = lines.indexOf("exec[" + r + "] start");
            int end = start + 401;
            assertThat(start).as(result.stderr()).isNotNegative();
            assertThat(lines.get(end)).startsWith("exec[" + r + "] changed in ");
            assertThat(lines.subList(start + 1, end)).as("exec[%s]'s block", r)
                    .allMatch(l -> l.matches("exec\\[" + r + "\\] (> " + r + "-\\d+|2> " + r + "-err-\\d+)"));
            assertThat(lines.subList(start + 1, end).stream().filter(l -> l.contains("] > ")).toList())
                    .first().isEqualTo("exec[" + r + "] > " + r + "-0");
        }
        assertThat(lines.getLast()).startsWith("summary: 2 resources: 0 ok, 2 changed");
    }

    @Test
    void jsonLogFormatMakesEveryLineOneJsonObject() throws Exception {
        Path g = graph("""
                graph: json
                resources:
                  exec:
                  - name: talk
                    shell: /bin/sh
                    cmd: echo out; echo err >&2
                  - name: bad
                    cmd: "false"
                  - name: child
                    cmd: "true"
                edges:
                - name: e1
                  from: {kind: exec, name: bad}
                  to: {kind: exec, name: child}
                """);

        var result = AgentProcess.run(dir, "run", "-f", g.toString(), "--converged-timeout=0", "--no-watch",
                "--log-format=json");

        assertThat(result.exit()).as(result.stderr()).isEqualTo(1);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var events = new java.util.ArrayList<com.fasterxml.jackson.databind.JsonNode>();
        for (String line : result.stderr().lines().toList()) {
            var node = mapper.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            java.time.Instant.parse(node.get("time").asText());
            assertThat(node.get("level").asText()).isIn("INFO", "WARN", "ERROR");
            assertThat(node.get("event").asText()).isNotEmpty();
            assertThat(node.get("message").asText()).isNotEmpty();
            events.add(node);
        }
        assertThat(event(events, "exec[talk]", "changed").get("duration").isNumber()).isTrue();
        assertThat(event(events, "exec[talk]", "changed").get("result").asText()).isEqualTo("ran `echo out; echo err >&2`");
        assertThat(event(events, "exec[talk]", "output").get("message").asText()).isIn("exec[talk] > out",
                "exec[talk] 2> err");
        var failed = event(events, "exec[bad]", "failed");
        assertThat(failed.get("level").asText()).isEqualTo("ERROR");
        assertThat(failed.get("result").asText()).contains("exited with status 1");
        assertThat(event(events, "exec[child]", "skipped").get("result").asText()).isEqualTo("parent exec[bad] failed");
        var summary = events.stream().filter(e -> e.path("event").asText().equals("summary")).findFirst().orElseThrow();
        assertThat(summary.has("resource")).isFalse();
        assertThat(summary.get("result").asText()).startsWith("3 resources: 0 ok, 1 changed, 1 failed, 1 skipped in ");
        assertThat(summary.get("duration").isNumber()).isTrue();
        assertThat(events).anyMatch(e -> e.get("message").asText().startsWith("running json from "));
    }

    private static com.fasterxml.jackson.databind.JsonNode event(java.util.List<com.fasterxml.jackson.databind.JsonNode> events,
            String resource, String event) {
        return events.stream().filter(e -> e.path("resource").asText().equals(resource)
                && e.path("event").asText().equals(event)).findFirst().orElseThrow(
                        () -> new AssertionError("no " + event + " of " + resource + " in " + events));
    }

    @Test
    void jsonLogFormatAlsoCoversTheLoadersDiagnostics() throws Exception {
        Path g = graph("""
                graph: cyclic
                resources:
                  exec:
                  - name: a
                    cmd: "true"
                  - name: b
                    cmd: "true"
                edges:
                - name: e1
                  from: {kind: exec, name: a}
                  to: {kind: exec, name: b}
                - name: e2
                  from: {kind: exec, name: b}
                  to: {kind: exec, name: a}
                """);

        var result = AgentProcess.run(dir, "run", "-f", g.toString(), "--converged-timeout=0", "--log-format=json");

        assertThat(result.exit()).isEqualTo(2);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var lines = result.stderr().lines().toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            var node = mapper.readTree(line);
            assertThat(node.get("event").asText()).as(line).isEqualTo("diagnostic");
            assertThat(node.get("level").asText()).isEqualTo("ERROR");
        }
        assertThat(lines).anyMatch(l -> l.contains("cycle: exec[a] -> exec[b] -> exec[a]"))
                .anyMatch(l -> l.contains("nothing applied"));
    }

    @Test
    void anIdenticalDuplicateIsAppliedOnceAndTheLogAndSummarySaySo() throws Exception {
        Path g = graph("""
                graph: dedup
                resources:
                  exec:
                  - name: once
                    shell: /bin/sh
                    cmd: echo ran >> DIR/runs
                  - name: once
                    shell: /bin/sh
                    cmd: echo ran >> DIR/runs
                """);

        var result = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=0");

        assertThat(result.exit()).isZero();
        assertThat(Files.readAllLines(dir.resolve("runs"))).containsExactly("ran");
        assertThat(result.stderr()).contains(g + ":4:5: info: exec[once] declared again at " + g + ":7:5 identically; merged")
                .contains("merged: exec[once] was declared 2 times identically and applied once");
    }

    @Test
    void failFastStartsNothingAfterTheFirstFailureAndExitsOne() throws Exception {
        Path g = graph("""
                graph: fail-fast
                resources:
                  exec:
                  - name: bad
                    shell: /bin/sh
                    cmd: sleep 0.2; false
                  - name: running
                    shell: /bin/sh
                    cmd: sleep 1; touch DIR/running
                  - name: gate
                    cmd: sleep 1
                  - name: later
                    cmd: touch DIR/later
                edges:
                - name: gate-first
                  from: {kind: exec, name: gate}
                  to: {kind: exec, name: later}
                """);

        var keepGoing = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=0");
        assertThat(keepGoing.exit()).isEqualTo(1);
        assertThat(dir.resolve("later")).exists();
        Files.delete(dir.resolve("later"));
        Files.delete(dir.resolve("running"));

        var failFast = AgentProcess.run(dir, "run", "--file", g.toString(), "--converged-timeout=-1", "--fail-fast");

        assertThat(failFast.exit()).isEqualTo(1);
        assertThat(dir.resolve("running")).as("running work finishes").exists();
        assertThat(dir.resolve("later")).as("nothing new starts").doesNotExist();
        assertThat(failFast.stderr()).contains("exec[bad] fail-fast: starting nothing new").contains("1 unfinished");
    }

    @Test
    void editingTheGraphFileSwapsItInByDiffAndAnInvalidEditIsRejected() throws Exception {
        String template = """
                graph: live
                resources:
                  exec:
                  - name: counted
                    shell: /bin/sh
                    cmd: echo applied >> DIR/counted
                  - name: edited
                    shell: /bin/sh
                    cmd: echo VERSION >> DIR/edited
                """;
        Path g = graph(template.replace("VERSION", "v1"));
        Path counted = dir.resolve("counted");
        Path edited = dir.resolve("edited");
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(counted) && Files.exists(edited));

            Files.writeString(g, template.replace("VERSION", "v2").replace("DIR", dir.toString()));
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(edited).size() == 2);

            Files.writeString(g, "graph: live\nresources:\n  exec:\n  - name: broken\n    colour: red\n");
            Files.writeString(g, template.replace("VERSION", "v3").replace("DIR", dir.toString())
                    .replace("exec:", "exec:\n  - name: ok-after-rejection\n    cmd: touch " + dir.resolve("third")));
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("third")));

            assertThat(Files.readAllLines(edited)).containsExactly("v1", "v2", "v3");
            assertThat(Files.readAllLines(counted)).as("an unchanged resource is not applied again")
                    .containsExactly("applied");
        } finally {
            agent.process().destroy();
        }
        String log = agent.await(Duration.ofSeconds(30)).stderr();
        assertThat(log).contains("graph swapped, generation 1: 0 added, 1 changed, 0 removed, 1 unchanged");
    }

    @Test
    void anInvalidEditKeepsTheRunningGraph() throws Exception {
        Path g = graph("""
                graph: live
                resources:
                  exec:
                  - name: first
                    cmd: touch DIR/first
                """);
        AgentProcess agent = AgentProcess.start(dir, "run", "--file", g.toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("first")));

            Files.writeString(g, "graph: live\nresources:\n  exec:\n  - name: broken\n    colour: red\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.stderrSoFar().contains("new graph rejected"));

            Files.delete(dir.resolve("first"));
            assertThat(agent.process().isAlive()).isTrue();
        } finally {
            agent.process().destroy();
        }
        String log = agent.await(Duration.ofSeconds(30)).stderr();
        assertThat(log).contains(g + ":5:5: error: exec[broken]: unknown field 'colour'")
                .contains("new graph rejected; still running generation 0");
    }
}
