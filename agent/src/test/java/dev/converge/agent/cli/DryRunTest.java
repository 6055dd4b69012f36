package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent run --noop} and {@code --detailed-exitcodes} end to end, on the graph set:
 * a fresh host, the converged host, one pending edit, a failing exec, a check that can only be
 * made after a parent; real agent processes, real files, real commands.
 */
class DryRunTest {

    /** A directory, a file in it, and an exec that only runs when the file notifies it. */
    private static final String APP = """
            graph: app
            resources:
              file:
              - name: DIR/host/etc/
                state: exists
              - name: DIR/host/etc/app.conf
                content: "CONTENT"
              exec:
              - name: reload
                shell: /bin/sh
                cmd: echo reloaded >> DIR/host/reloads
                refreshonly: true
            edges:
            - name: dir-conf
              from: {kind: file, name: DIR/host/etc/}
              to: {kind: file, name: DIR/host/etc/app.conf}
            - name: conf-reload
              from: {kind: file, name: DIR/host/etc/app.conf}
              to: {kind: exec, name: reload}
              notify: true
            """;

    @TempDir
    Path dir;

    private Path graph(String yaml, String content) throws Exception {
        Path file = dir.resolve("graph.yaml");
        Files.writeString(file, yaml.replace("DIR", dir.toString()).replace("CONTENT", content));
        return file;
    }

    private AgentProcess.Result agent(String... args) throws Exception {
        return AgentProcess.run(dir, args);
    }

    @Test
    void onAFreshHostTheDryRunSimulatesTheParentsAndChangesNothing() throws Exception {
        Path g = graph(APP, "v1\\n");
        Path host = Files.createDirectory(dir.resolve("host"));
        FileTime before = Files.getLastModifiedTime(host);

        var result = agent("run", "--file", g.toString(), "--noop", "--detailed-exitcodes");

        assertThat(result.exit()).as(result.stderr()).isEqualTo(2);
        assertThat(result.stderr())
                .contains("file[" + host + "/etc/]: would change: create directory")
                .contains("file[" + host + "/etc/app.conf]: would change: create (3 bytes")
                .contains("exec[reload] would refresh (notified by file[" + host + "/etc/app.conf])")
                .contains("exec[reload]: would change: run `echo reloaded >> " + host + "/reloads`")
                .contains(", noop, one pass")
                .contains("summary (noop): 3 resources: 0 ok, 0 changed, 3 would change, 0 failed, 0 skipped")
                .containsPattern("exec\\[reload\\] +WOULD-CHANGE")
                .doesNotContain("failed:");
        assertThat(host.resolve("etc")).doesNotExist();
        assertThat(host.resolve("reloads")).doesNotExist();
        assertThat(Files.getLastModifiedTime(host)).isEqualTo(before);
    }

    @Test
    void theExitCodeSaysWhetherAnythingChangedOrWouldAndNothingIsTouchedOnAConvergedHost() throws Exception {
        Path g = graph(APP, "v1\\n");
        Path host = Files.createDirectory(dir.resolve("host"));
        var applied = agent("run", "--file", g.toString(), "--converged-timeout=0", "--detailed-exitcodes");
        assertThat(applied.exit()).as(applied.stderr()).isEqualTo(2);
        Path conf = host.resolve("etc/app.conf");
        assertThat(conf).hasContent("v1");
        assertThat(host.resolve("reloads")).hasContent("reloaded");
        FileTime confTime = Files.getLastModifiedTime(conf);
        FileTime dirTime = Files.getLastModifiedTime(host.resolve("etc"));

        var converged = agent("run", "--file", g.toString(), "--noop", "--detailed-exitcodes");
        assertThat(converged.exit()).as(converged.stderr()).isZero();
        assertThat(agent("run", "--file", g.toString(), "--converged-timeout=0", "--detailed-exitcodes").exit())
                .isZero();

        graph(APP, "v2\\n");
        var pending = agent("run", "--file", g.toString(), "--noop", "--detailed-exitcodes");
        assertThat(pending.exit()).as(pending.stderr()).isEqualTo(2);
        assertThat(pending.stderr()).contains("file[" + conf + "]: would change: content (3 -> 3 bytes)")
                .contains("exec[reload]: would change: run");
        assertThat(conf).hasContent("v1");
        assertThat(Files.getLastModifiedTime(conf)).isEqualTo(confTime);
        assertThat(Files.getLastModifiedTime(host.resolve("etc"))).isEqualTo(dirTime);
        assertThat(host.resolve("reloads")).hasContent("reloaded");
    }

    @Test
    void failuresAreFourAndFailuresWithChangesSix() throws Exception {
        Path failing = graph("""
                graph: failing
                resources:
                  exec:
                  - name: broken
                    cmd: "false"
                """, "");
        var onlyFailure = agent("run", "--file", failing.toString(), "--converged-timeout=0", "--detailed-exitcodes");
        assertThat(onlyFailure.exit()).as(onlyFailure.stderr()).isEqualTo(4);
        assertThat(agent("run", "--file", failing.toString(), "--converged-timeout=0").exit()).isEqualTo(1);

        Path both = graph("""
                graph: both
                resources:
                  exec:
                  - name: broken
                    cmd: "false"
                  file:
                  - name: DIR/written
                    content: "x"
                """, "");
        var failureAndChange = agent("run", "--file", both.toString(), "--converged-timeout=0", "--detailed-exitcodes");
        assertThat(failureAndChange.exit()).as(failureAndChange.stderr()).isEqualTo(6);
        assertThat(dir.resolve("written")).hasContent("x");
    }

    @Test
    void anInvalidGraphOrCommandLineIsOneWithDetailedExitCodes() throws Exception {
        Path invalid = graph("""
                graph: invalid
                resources:
                  exec:
                  - name: x
                """, "");

        assertThat(agent("run", "--file", invalid.toString(), "--noop", "--detailed-exitcodes").exit()).isEqualTo(1);
        assertThat(agent("run", "--file", invalid.toString(), "--noop").exit()).isEqualTo(2);
        var usage = agent("run", "--file", invalid.toString(), "--detailed-exitcodes", "--converged-timeout=soon");
        assertThat(usage.exit()).isEqualTo(1);
        assertThat(usage.stderr()).contains("--converged-timeout");
    }

    @Test
    void aCheckThatCanOnlyBeMadeAfterAParentIsDeferredNotFailed() throws Exception {
        Path g = graph("""
                graph: deferred
                resources:
                  exec:
                  - name: make-source
                    shell: /bin/sh
                    cmd: echo generated > DIR/source
                    creates: DIR/source
                  file:
                  - name: DIR/copy
                    source: DIR/source
                edges:
                - name: source-copy
                  from: {kind: exec, name: make-source}
                  to: {kind: file, name: DIR/copy}
                """, "");

        var result = agent("run", "--file", g.toString(), "--noop", "--detailed-exitcodes");

        assertThat(result.exit()).as(result.stderr()).isEqualTo(2);
        assertThat(result.stderr())
                .contains("file[" + dir + "/copy] would be checked after exec[make-source] (checked now: ")
                .contains("source " + dir + "/source does not exist")
                .containsPattern("file\\[[^]]*/copy\\] +DEFERRED")
                .contains("1 would be checked after a parent");
        assertThat(dir.resolve("source")).doesNotExist();
        assertThat(dir.resolve("copy")).doesNotExist();
    }
}
