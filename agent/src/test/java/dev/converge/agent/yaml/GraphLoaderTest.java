package dev.converge.agent.yaml;

import static dev.converge.agent.yaml.LoaderSupport.load;
import static dev.converge.agent.yaml.LoaderSupport.loader;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.SourceLocation;
import dev.converge.resources.MetaParams;
import dev.converge.resources.Problem.Severity;
import dev.converge.resources.ResourceId;
import dev.converge.resources.exec.ExecParams;
import dev.converge.resources.file.FileParams;
import dev.converge.resources.noop.NoopParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graphs that load: the format, how values bind, and what is reported alongside. */
class GraphLoaderTest {

    private static ExecParams exec(GraphSnapshot g, String name) {
        return (ExecParams) g.resource(ResourceId.of("exec", name)).params();
    }

    private static FileParams file(GraphSnapshot g, String name) {
        return (FileParams) g.resource(ResourceId.of("file", name)).params();
    }

    @Test
    void loadsResourcesInDeclarationOrderWithEdgesAndLocations() throws Exception {
        LoadedGraph loaded = load("""
                graph: mygraph
                comment: two commands and a marker
                resources:
                  exec:
                  - name: exec1
                    cmd: sleep 1
                  - name: exec2
                    cmd: sleep 2
                  noop:
                  - name: done
                    comment: finished
                edges:
                - name: e1
                  from: {kind: exec, name: exec1}
                  to: {kind: exec, name: exec2}
                  notify: true
                - name: e2
                  from:
                    kind: exec
                    name: exec2
                  to:
                    kind: noop
                    name: done
                """);
        GraphSnapshot g = loaded.snapshot();

        assertThat(loaded.diagnostics()).isEmpty();
        assertThat(g.name()).isEqualTo("mygraph");
        assertThat(g.resources().keySet()).containsExactly(
                ResourceId.of("exec", "exec1"), ResourceId.of("exec", "exec2"), ResourceId.of("noop", "done"));
        assertThat(g.resource(ResourceId.of("exec", "exec1")).location())
                .isEqualTo(new SourceLocation("g.yaml", 5, 5));
        assertThat(exec(g, "exec2")).isEqualTo(ExecParams.of("sleep 2"));
        assertThat(g.resource(ResourceId.of("noop", "done")).params()).isEqualTo(new NoopParams("finished"));
        assertThat(g.resource(ResourceId.of("exec", "exec1")).meta()).isEqualTo(MetaParams.DEFAULTS);
        assertThat(g.edges()).containsExactly(
                new EdgeSpec("e1", ResourceId.of("exec", "exec1"), ResourceId.of("exec", "exec2"), true, false,
                        new SourceLocation("g.yaml", 13, 3)),
                new EdgeSpec("e2", ResourceId.of("exec", "exec2"), ResourceId.of("noop", "done"), false, false,
                        new SourceLocation("g.yaml", 17, 3)));
    }

    @Test
    void graphWithoutNameIsNamedAfterTheSource() throws Exception {
        String yaml = "resources:\n  noop:\n  - name: n\n";
        assertThat(loader().parse("/etc/converge/site.v2.yaml", yaml).snapshot().name()).isEqualTo("site.v2");
        assertThat(loader().parse("etcd:/converge/graphs/web", yaml).snapshot().name()).isEqualTo("web");
        assertThat(loader().parse("x.yaml", "graph:\n" + yaml).snapshot().name()).isEqualTo("x");
    }

    @Test
    void loadNamesDiagnosticsByThePathAsGiven(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hello.yaml");
        Files.writeString(file, """
                resources:
                  exec:
                  - name: e
                    cmd: echo hi
                    pollint: 5
                """);

        LoadedGraph loaded = loader().load(file);

        assertThat(loaded.snapshot().name()).isEqualTo("hello");
        assertThat(loaded.diagnostics()).containsExactly(Diagnostic.warning(new SourceLocation(file.toString(), 5, 5),
                "exec[e]: pollint is a legacy mgmt field and is ignored; use meta: {poll: SECONDS}"));
    }

    @Test
    void emptyAndAbsentSectionsAreEmpty() throws Exception {
        assertThat(load("graph: g\nresources:\nedges: []\n").snapshot().size()).isZero();
        assertThat(load("graph: g\nresources:\n  exec:\n").snapshot().size()).isZero();
        assertThat(load("graph: g\n").snapshot().edges()).isEmpty();
        assertThat(load("graph: g\nresources: {noop: [{name: a}]}\nedges:\n").snapshot().edges()).isEmpty();
    }

    @Test
    void stringFieldsTakeTheSourceTextOfAnyScalar() throws Exception {
        GraphSnapshot g = load("""
                resources:
                  file:
                  - name: /etc/a
                    mode: 0644
                  - name: /etc/b
                    mode: '0600'
                  exec:
                  - name: numbers
                    cmd: 10
                    shell: 1.50
                    cwd: /x
                  - name: words
                    cmd: true
                    shell: yes
                    timeout: 0644
                """).snapshot();

        assertThat(file(g, "/etc/a").mode()).isEqualTo("0644");
        assertThat(file(g, "/etc/b").mode()).isEqualTo("0600");
        assertThat(exec(g, "numbers").cmd()).isEqualTo("10");
        assertThat(exec(g, "numbers").shell()).isEqualTo("1.50");
        assertThat(exec(g, "words").cmd()).isEqualTo("true");
        assertThat(exec(g, "words").shell()).isEqualTo("yes");
        // A number field reads YAML 1.1's octal notation as a number, as mgmt does.
        assertThat(exec(g, "words").timeout()).isEqualTo(420);
    }

    @Test
    void absentContentIsUnmanagedWhileEmptyContentIsEmpty() throws Exception {
        GraphSnapshot g = load("""
                resources:
                  file:
                  - name: /tmp/absent
                  - name: /tmp/null
                    content:
                  - name: /tmp/empty
                    content: ''
                  - name: /tmp/text
                    content: |
                      line one
                      line two
                """).snapshot();

        assertThat(file(g, "/tmp/absent").content()).isNull();
        assertThat(file(g, "/tmp/null").content()).isNull();
        assertThat(file(g, "/tmp/empty").content()).isEmpty();
        assertThat(file(g, "/tmp/text").content()).isEqualTo("line one\nline two\n");
        assertThat(file(g, "/tmp/absent").mode()).isNull();
        assertThat(file(g, "/tmp/absent").state()).isEqualTo("exists");
    }

    @Test
    void nullStringWithNonNullDefaultIsEmptyAndNullNumberKeepsDefault() throws Exception {
        GraphSnapshot g = load("""
                resources:
                  exec:
                  - name: e
                    cmd: run
                    shell:
                    timeout: ~
                    args:
                    meta:
                      retry:
                      limit:
                """).snapshot();

        assertThat(exec(g, "e").shell()).isEmpty();
        assertThat(exec(g, "e").timeout()).isZero();
        assertThat(exec(g, "e").args()).isEmpty();
        assertThat(g.resource(ResourceId.of("exec", "e")).meta()).isEqualTo(MetaParams.DEFAULTS);
    }

    @Test
    void envMapAndArgsListBind() throws Exception {
        GraphSnapshot g = load("""
                resources:
                  exec:
                  - name: e
                    cmd: /usr/bin/env
                    args: [-u, HOME, 10]
                    env:
                      LANG: C.UTF-8
                      RETRIES: 3
                      DEBUG: true
                """).snapshot();

        assertThat(exec(g, "e").args()).containsExactly("-u", "HOME", "10");
        assertThat(exec(g, "e").env()).containsExactlyInAnyOrderEntriesOf(
                Map.of("LANG", "C.UTF-8", "RETRIES", "3", "DEBUG", "true"));
    }

    @Test
    void everyMetaFieldBinds() throws Exception {
        GraphSnapshot g = load("""
                resources:
                  noop:
                  - name: all
                    meta:
                      noop: true
                      retry: -1
                      retryreset: true
                      delay: 5000
                      timeout: 30000
                      poll: 5
                      limit: 0.2
                      burst: 5
                      sema: ['lock:1', other]
                      autoedge: false
                      autogroup: false
                      hidden: true
                  - name: inf
                    meta: {limit: .inf, burst: 0}
                  - name: whole
                    meta: {limit: 3}
                """).snapshot();

        assertThat(g.resource(ResourceId.of("noop", "all")).meta()).isEqualTo(new MetaParams(
                true, -1, true, 5000, 30000, 5, 0.2, 5, List.of("lock:1", "other"), false, false, true));
        assertThat(g.resource(ResourceId.of("noop", "inf")).meta().limit()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(g.resource(ResourceId.of("noop", "whole")).meta().limit()).isEqualTo(3.0);
    }

    @Test
    void identicalDuplicateIsMergedWithANote() throws Exception {
        LoadedGraph loaded = load("""
                resources:
                  exec:
                  - name: x
                    cmd: make
                    meta: {retry: 2}
                  - name: y
                    cmd: true
                  - cmd: make
                    name: x
                    meta:
                      retry: 2
                """);

        assertThat(loaded.snapshot().resources().keySet())
                .containsExactly(ResourceId.of("exec", "x"), ResourceId.of("exec", "y"));
        assertThat(loaded.diagnostics()).containsExactly(new Diagnostic(Severity.INFO,
                new SourceLocation("g.yaml", 3, 5), "exec[x] declared again at g.yaml:8:5 identically; merged"));
    }

    @Test
    void warningsOfAValidGraphAreReturnedAtTheirFields() throws Exception {
        LoadedGraph loaded = load("""
                resources:
                  exec:
                  - name: legacy
                    cmd: echo hi
                    pollint: 5
                    state: absent
                """);

        assertThat(loaded.diagnostics()).containsExactly(
                Diagnostic.warning(new SourceLocation("g.yaml", 5, 5),
                        "exec[legacy]: pollint is a legacy mgmt field and is ignored; use meta: {poll: SECONDS}"),
                Diagnostic.warning(new SourceLocation("g.yaml", 6, 5),
                        "exec[legacy]: state is a legacy mgmt field; only 'present' has a meaning,"
                                + " 'absent' is ignored"));
    }

    @Test
    void theReferenceExampleLoads() throws Exception {
        String repo = System.getProperty("converge.repo");
        assertThat(repo).as("system property converge.repo").isNotNull();
        String reference = Files.readString(Path.of(repo, "docs", "yaml-reference.md"));
        int start = reference.indexOf("```yaml\n") + "```yaml\n".length();
        String example = reference.substring(start, reference.indexOf("```", start));

        LoadedGraph loaded = load(example);

        assertThat(loaded.diagnostics()).isEmpty();
        assertThat(loaded.snapshot().name()).isEqualTo("web");
        assertThat(loaded.snapshot().edges()).singleElement().satisfies(e -> {
            assertThat(e.from()).isEqualTo(ResourceId.of("file", "/etc/nginx/conf.d/site.conf"));
            assertThat(e.notifies()).isTrue();
        });
        assertThat(loaded.snapshot().resource(ResourceId.of("exec", "reload")).meta().retry()).isEqualTo(3);
    }

    @Test
    void leadingByteOrderMarkIsIgnored() throws Exception {
        assertThat(load("\uFEFFgraph: bom\n").snapshot().name()).isEqualTo("bom");
    }

    @Test
    void aGraphFileLargerThanSnakeYamlsDefaultLimitLoads() throws Exception {
        var yaml = new StringBuilder("graph: big\nresources:\n  noop:\n");
        for (int i = 0; yaml.length() < 4 * 1024 * 1024; i++) {
            yaml.append("  - name: resource-with-a-rather-long-name-").append(i).append("\n");
        }

        assertThat(load(yaml.toString()).snapshot().size()).isGreaterThan(60_000);
    }
}
