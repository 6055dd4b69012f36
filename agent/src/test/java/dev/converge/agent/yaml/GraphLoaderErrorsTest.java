package dev.converge.agent.yaml;

import static dev.converge.agent.yaml.LoaderSupport.loader;
import static dev.converge.agent.yaml.LoaderSupport.problems;
import static dev.converge.agent.yaml.LoaderSupport.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.resources.Kinds;
import dev.converge.resources.testing.FakeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every class of error, with its exact line, column and message. */
class GraphLoaderErrorsTest {

    private static final String EXEC_FIELDS = "args, cmd, creates, cwd, donecmd, donecwd, doneshell, env, group, "
            + "ifcmd, ifcwd, ifequals, ifshell, meta, name, nifcmd, nifcwd, nifshell, pollint, refreshonly, shell, "
            + "state, timeout, user, watchcmd, watchcwd, watchfiles, watchshell";
    private static final String META_FIELDS = "autoedge, autogroup, burst, delay, hidden, limit, noop, poll, retry, "
            + "retryreset, sema, timeout";
    private static final String TOP_KEYS = "graph, comment, resources, edges";

    @Nested
    class Document {

        @Test
        void syntaxErrorIsReportedWhereSnakeYamlFoundIt() {
            assertThat(problems("""
                    graph: g
                    resources: [a, b
                    edges: []
                    """)).containsExactly("g.yaml:3:6: error: YAML syntax error: expected ',' or ']', but got :"
                    + " (while parsing a flow sequence started at 2:12)");
        }

        @Test
        void nestingTooDeepIsReportedWhereItGoesTooDeep() {
            String levels = "[".repeat(10_000) + "]".repeat(10_000);
            assertThat(problems("graph: g\nresources:\n  noop:\n  - name: a\n    x: " + levels + "\n"))
                    .containsExactly("g.yaml:5:68: error: mappings and lists nest deeper than 64 levels here;"
                            + " a graph needs a handful");
        }

        @Test
        void aControlCharacterIsReportedAtItsOwnLineAndColumn() {
            assertThat(problems("graph: g\nresources:\n  noop:\n  - name: a\n  - name: b\n  - name: c\n"
                    + "  - name: d\n  - name: 'abcd\u0001ef'\n")).containsExactly("g.yaml:8:16: error: the character"
                    + " U+0001 cannot appear in YAML text; inside double quotes write it as the escape \\u0001");
        }

        @Test
        void tabIndentationIsASyntaxError() {
            assertThat(problems("resources:\n\texec: []\n")).containsExactly("g.yaml:2:1: error: YAML syntax error: "
                    + "found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)");
        }

        @Test
        void plainTextIsNotAGraph() {
            assertThat(problems("this is not a graph\n")).containsExactly(
                    "g.yaml:1:1: error: the top level must be a map with keys " + TOP_KEYS
                            + ", got 'this is not a graph'");
            assertThat(problems("- a\n- b\n")).containsExactly(
                    "g.yaml:1:1: error: the top level must be a map with keys " + TOP_KEYS + ", got a list");
        }

        @Test
        void emptyFileIsNotAGraph() {
            assertThat(problems("")).containsExactly(
                    "g.yaml:1:1: error: the file holds no graph: expected a map with keys " + TOP_KEYS);
            assertThat(problems("# only a comment\n---\n")).containsExactly(
                    "g.yaml:3:1: error: the file holds no graph: expected a map with keys " + TOP_KEYS);
        }

        @Test
        void bytesThatAreNotUtf8AreRejectedWithTheirPosition(@TempDir Path dir) throws Exception {
            Path file = dir.resolve("bad.yaml");
            Files.write(file, new byte[] {'g', 'r', 'a', 'p', 'h', ':', ' ', 'a', '\n', 'x', ':', ' ', (byte) 0xff});

            InvalidGraphException e = assertThatExceptionOfType(InvalidGraphException.class)
                    .isThrownBy(() -> loader().load(file)).actual();

            assertThat(e.diagnostics()).extracting(Diagnostic::toString)
                    .containsExactly(file + ":2:4: error: not UTF-8 text: invalid byte 0xff");
        }

        @Test
        void secondDocumentRepeatedKeyAndAliasAreErrors() {
            assertThat(problems("""
                    graph: g
                    resources:
                      exec:
                      - name: a
                        cmd: &c make
                        shell: *c
                        cmd: again
                    graph: h
                    ---
                    graph: other
                    """)).containsExactly(
                    "g.yaml:6:12: error: YAML alias '*c' is not supported; write the value out",
                    "g.yaml:7:5: error: duplicate key 'cmd' (first at 5:5)",
                    "g.yaml:8:1: error: duplicate key 'graph' (first at 1:1)",
                    "g.yaml:10:1: error: a graph file holds one YAML document; a second one starts here");
        }

        @Test
        void aRepeatedKeyIsFoundInALongMappingToo() {
            assertThat(problems("""
                    graph: g
                    resources:
                      exec:
                      - name: a
                        cmd: make
                        cwd: /
                        shell: /bin/sh
                        timeout: 5
                        ifcmd: "true"
                        ifshell: /bin/sh
                        watchcmd: "true"
                        watchshell: /bin/sh
                        user: root
                        shell: /bin/bash
                        cmd: again
                    """)).containsExactly(
                    "g.yaml:14:5: error: duplicate key 'shell' (first at 7:5)",
                    "g.yaml:15:5: error: duplicate key 'cmd' (first at 5:5)");
        }
    }

    @Nested
    class TopLevel {

        @Test
        void unknownKeyListsTheKeysThatExist() {
            assertThat(problems("graph: g\nresource:\n  noop: []\n")).containsExactly(
                    "g.yaml:2:1: error: unknown top-level key 'resource' (keys: " + TOP_KEYS + ")");
        }

        @Test
        void mgmtOnlyKeysGetTheirOwnMessages() {
            assertThat(problems("""
                    graph: g
                    collect:
                    - kind: file
                      pattern: /tmp/
                    remote: ssh://root@host:22
                    """)).containsExactly(
                    "g.yaml:2:1: error: collect: (mgmt's exported resources) is not supported",
                    "g.yaml:5:1: error: remote: (mgmt's remote execution over ssh) is not supported by converge");
        }

        @Test
        void sectionsOfTheWrongShape() {
            assertThat(problems("""
                    graph: [a]
                    comment: {a: b}
                    resources: [exec]
                    edges: {e1: x}
                    """)).containsExactly(
                    "g.yaml:1:8: error: graph: expected the graph's name, got a list",
                    "g.yaml:2:11: error: comment: expected text, got a map",
                    "g.yaml:3:12: error: resources: expected a map from kind to a list of resources, got a list",
                    "g.yaml:4:9: error: edges: expected a list of edges, got a map");
        }
    }

    @Nested
    class KindNames {

        @Test
        void mgmtKindIsNamedAsSuch() {
            assertThat(problems("""
                    resources:
                      mount:
                      - name: sshd
                        state: running
                      aws:ec2:
                      - name: vm
                    """)).containsExactly(
                    "g.yaml:2:3: error: kind 'mount' is an mgmt kind that converge does not implement"
                            + " (it implements: exec, file, group, noop, pkg, svc, user)",
                    "g.yaml:5:3: error: kind 'aws:ec2' is an mgmt kind that converge does not implement"
                            + " (it implements: exec, file, group, noop, pkg, svc, user)");
        }

        @Test
        void unknownKindListsTheKinds() {
            assertThat(problems("resources:\n  exce:\n  - name: a\n")).containsExactly(
                    "g.yaml:2:3: error: unknown kind 'exce' (kinds: exec, file, group, noop, pkg, svc, user)");
        }

        @Test
        void kindNamesComeFromTheRegistry() {
            var loader = new GraphLoader(Kinds.builtIn().with(new FakeKind()));
            assertThat(rejected(loader, "resources:\n  mount: []\n  exce: []\n").diagnostics())
                    .extracting(Diagnostic::toString).containsExactly(
                            "g.yaml:2:3: error: kind 'mount' is an mgmt kind that converge does not implement"
                                    + " (it implements: exec, fake, file, group, noop, pkg, svc, user)",
                            "g.yaml:3:3: error: unknown kind 'exce' (kinds: exec, fake, file, group, noop, pkg, svc, user)");
        }

        @Test
        void kindMustHoldAList() {
            assertThat(problems("resources:\n  exec:\n    name: a\n    cmd: b\n")).containsExactly(
                    "g.yaml:3:5: error: exec: expected a list of resources, got a map");
        }
    }

    @Nested
    class Resources {

        @Test
        void exportedResourceIsNotSupported() {
            assertThat(problems("""
                    resources:
                      file:
                      - name: "@@/tmp/f"
                        content: x
                    """)).containsExactly("g.yaml:3:5: error: file[@@/tmp/f]: a name starting with @@ marks an mgmt"
                    + " exported resource; exported resources are not supported");
        }

        @Test
        void missingEmptyAndMalformedNames() {
            assertThat(problems("""
                    resources:
                      exec:
                      - cmd: a
                      - name: ''
                        cmd: b
                      - name:
                      - name: [x]
                      - just-a-string
                      - {}
                    """)).containsExactly(
                    "g.yaml:3:5: error: exec resource has no name",
                    "g.yaml:4:5: error: exec resource has an empty name",
                    "g.yaml:6:5: error: exec resource has an empty name",
                    "g.yaml:7:11: error: exec resource: name: expected a string, got a list",
                    "g.yaml:8:5: error: exec: a resource must be a map with a name and fields, got 'just-a-string'",
                    "g.yaml:9:5: error: exec resource has no name");
        }

        @Test
        void unknownFieldListsTheFieldsThatExist() {
            assertThat(problems("""
                    resources:
                      exec:
                      - name: a
                        cmd: make
                        foo: 1
                      file:
                      - name: /tmp/f
                        colour: red
                    """)).containsExactly(
                    "g.yaml:5:5: error: exec[a]: unknown field 'foo' for exec (fields: " + EXEC_FIELDS + ")",
                    "g.yaml:8:5: error: file[/tmp/f]: unknown field 'colour' for file (fields: basename, content,"
                            + " dirname, force, fragments, group, meta, mode, name, owner, path, purge, recurse,"
                            + " sensitive, source, state, symlink)");
        }

        @Test
        void wrongValueTypesAreReportedAtTheValue() {
            assertThat(problems("""
                    resources:
                      exec:
                      - name: a
                        cmd: make
                        timeout: abc
                      - name: b
                        cmd: make
                        timeout: 1.5
                        args: -v
                      - name: c
                        cmd: make
                        args: [x, [y]]
                        env: [A=1]
                      - name: d
                        cmd: make
                        timeout: 99999999999999999999
                        env: {A: ~}
                    """)).containsExactly(
                    "g.yaml:5:14: error: exec[a]: timeout: expected a whole number, got 'abc'",
                    "g.yaml:8:14: error: exec[b]: timeout: expected a whole number, got '1.5'",
                    "g.yaml:9:11: error: exec[b]: args: expected a list of strings, got '-v'",
                    "g.yaml:12:15: error: exec[c]: args[1]: expected a string, got a list",
                    "g.yaml:13:10: error: exec[c]: env: expected a map of strings, got a list",
                    "g.yaml:16:14: error: exec[d]: timeout: expected a whole number from -9223372036854775808"
                            + " to 9223372036854775807, got '99999999999999999999'",
                    "g.yaml:17:14: error: exec[d]: env.A: expected a string, got null");
        }

        @Test
        void quotedNumbersAndIntegersForBooleansAreNotCoerced() {
            assertThat(problems("""
                    resources:
                      noop:
                      - name: a
                        meta:
                          retry: '3'
                          noop: 1
                          limit: '.inf'
                    """)).containsExactly(
                    "g.yaml:5:14: error: noop[a]: meta.retry: expected a whole number, got '3'",
                    "g.yaml:6:13: error: noop[a]: meta.noop: expected true or false, got '1'",
                    "g.yaml:7:14: error: noop[a]: meta.limit: expected a number, got '.inf'");
        }

        @Test
        void unknownMetaFieldListsTheMetaFields() {
            assertThat(problems("""
                    resources:
                      noop:
                      - name: a
                        meta:
                          retries: 3
                      - name: b
                        meta: 3
                    """)).containsExactly(
                    "g.yaml:5:7: error: noop[a]: unknown meta field 'retries' (meta fields: " + META_FIELDS + ")",
                    "g.yaml:7:11: error: noop[b]: meta: expected a map of meta fields, got '3'");
        }

        @Test
        void validationProblemsAreReportedAtTheirFieldKey() {
            assertThat(problems("""
                    resources:
                      exec:
                      - name: nocmd
                        shell: /bin/sh
                      - name: rel
                        cmd: ls
                        cwd: tmp
                        meta:
                          retry: -2
                          sema: ['lock:x']
                      file:
                      - name: relative
                      - name: /tmp/f
                        state:
                    """)).containsExactly(
                    "g.yaml:3:5: error: exec[nocmd]: cmd is required",
                    "g.yaml:7:5: error: exec[rel]: cwd must be an absolute path, got 'tmp'",
                    "g.yaml:9:7: error: exec[rel]: retry must be -1 (forever) or >= 0, got -2",
                    "g.yaml:10:7: error: exec[rel]: semaphore 'lock:x': 'x' is not a whole number of permits",
                    "g.yaml:12:5: error: file[relative]: path must be absolute, got 'relative'",
                    "g.yaml:14:5: error: file[/tmp/f]: state must be 'exists' or 'absent', got ''");
        }

        @Test
        void differentDuplicateNamesBothLocationsAndTheFieldsThatDiffer() {
            assertThat(problems("""
                    resources:
                      exec:
                      - name: x
                        cmd: make
                      - name: x
                        cmd: make all
                        meta: {retry: 1}
                    """)).containsExactly("g.yaml:5:5: error: exec[x] declared again with different cmd, meta.retry"
                    + " (first declared at g.yaml:3:5)");
        }
    }

    @Nested
    class Edges {

        private static final String TWO_EXECS = """
                resources:
                  exec:
                  - name: a
                    cmd: true
                  - name: b
                    cmd: true
                edges:
                """;

        @Test
        void malformedEdges() {
            assertThat(problems(TWO_EXECS + """
                    - from: {kind: exec, name: a}
                      to: {kind: exec, name: b}
                    - name: e2
                      from: exec[a]
                      via: x
                    - name: e3
                      from: {kind: exec}
                      to: {kind: exec, name: b, port: 1}
                      notify: maybe
                    - e4
                    """)).containsExactly(
                    "g.yaml:8:3: error: edge has no name",
                    "g.yaml:10:3: error: edge 'e2': to is missing",
                    "g.yaml:11:9: error: edge 'e2': from: expected a map with kind and name, got 'exec[a]'",
                    "g.yaml:12:3: error: edge 'e2': unknown key 'via' (keys: from, name, notify, to)",
                    "g.yaml:14:3: error: edge 'e3': from has no name",
                    "g.yaml:15:29: error: edge 'e3': to: unknown key 'port' (keys: kind, name)",
                    "g.yaml:16:11: error: edge 'e3': notify: expected true or false, got 'maybe'",
                    "g.yaml:17:3: error: edges: an edge must be a map with name, from and to, got 'e4'");
        }

        @Test
        void edgeToAnUnknownKind() {
            assertThat(problems(TWO_EXECS + """
                    - name: e1
                      from: {kind: mount, name: sshd}
                      to: {kind: exec, name: a}
                    """)).containsExactly("g.yaml:9:10: error: edge 'e1': from: kind 'mount' is an mgmt kind that"
                    + " converge does not implement (it implements: exec, file, group, noop, pkg, svc, user)");
        }

        @Test
        void edgeToAnUndeclaredResourceIsFoundBySnapshot() {
            assertThat(problems(TWO_EXECS + """
                    - name: e1
                      from: {kind: exec, name: a}
                      to: {kind: noop, name: b}
                    """)).containsExactly(
                    "g.yaml:8:3: error: edge 'e1' refers to noop[b], which is not declared (did you mean exec[b]?)");
        }

        @Test
        void edgeToAResourceWithErrorsAddsNoSecondError() {
            assertThat(problems("""
                    resources:
                      exec:
                      - name: a
                        cmd: true
                        bogus: 1
                      - name: b
                        cmd: true
                    edges:
                    - name: e1
                      from: {kind: exec, name: a}
                      to: {kind: exec, name: b}
                    """)).containsExactly(
                    "g.yaml:5:5: error: exec[a]: unknown field 'bogus' for exec (fields: " + EXEC_FIELDS + ")");
        }

        @Test
        void cycleIsSpelledOut() {
            assertThat(problems(TWO_EXECS + """
                    - name: ab
                      from: {kind: exec, name: a}
                      to: {kind: exec, name: b}
                    - name: ba
                      from: {kind: exec, name: b}
                      to: {kind: exec, name: a}
                    """)).containsExactly("g.yaml:8:3: error: cycle: exec[a] -> exec[b] -> exec[a] (edges ab, ba)");
        }
    }

    @Test
    void everyProblemOfAFileIsReportedInSourceOrder() {
        InvalidGraphException e = rejected(loader(), """
                graph: many
                remote: ssh://h
                resources:
                  exec:
                  - name: a
                    cmd: true
                    timeout: soon
                  - name: b
                    cmd: true
                  - name: c
                    cmd: true
                    pollint: 3
                  mount:
                  - name: sshd
                edges:
                - name: bc
                  from: {kind: exec, name: b}
                  to: {kind: exec, name: c}
                - name: cb
                  from: {kind: exec, name: c}
                  to: {kind: exec, name: b}
                - name: ax
                  from: {kind: exec, name: a}
                  to: {kind: exec, name: x}
                """);

        assertThat(e.diagnostics()).extracting(Diagnostic::toString).containsExactly(
                "g.yaml:2:1: error: remote: (mgmt's remote execution over ssh) is not supported by converge",
                "g.yaml:7:14: error: exec[a]: timeout: expected a whole number, got 'soon'",
                "g.yaml:12:5: warning: exec[c]: pollint is a legacy mgmt field and is ignored;"
                        + " use meta: {poll: SECONDS}",
                "g.yaml:13:3: error: kind 'mount' is an mgmt kind that converge does not implement"
                        + " (it implements: exec, file, group, noop, pkg, svc, user)",
                "g.yaml:16:3: error: cycle: exec[b] -> exec[c] -> exec[b] (edges bc, cb)",
                "g.yaml:22:3: error: edge 'ax' refers to exec[x], which is not declared");
        assertThat(e.errors()).hasSize(5);
        assertThat(e.getMessage()).isEqualTo("g.yaml:2:1: error: remote: (mgmt's remote execution over ssh) is not"
                + " supported by converge (and 4 more errors)");
    }

    /** What a graph author must not slip into a root agent's log or file system. */
    @Nested
    class Safety {

        @Test
        void aNameWithAControlCharacterIsRejectedAtItsPlaceAndShownEscaped() {
            assertThat(problems("""
                    graph: g
                    resources:
                      exec:
                      - name: "\\e[31mRED"
                        cmd: "true"
                      - name: "a\\nb"
                        cmd: "true"
                      - name: "nul\\0"
                        cmd: "true"
                    """)).containsExactly(
                    "g.yaml:4:11: error: exec resource: name contains a control character (U+001B at position 1 of"
                            + " \"\\u001b[31mRED\"); names must be printable",
                    "g.yaml:6:11: error: exec resource: name contains a control character (U+000A at position 2 of"
                            + " \"a\\u000ab\"); names must be printable",
                    "g.yaml:8:11: error: exec resource: name contains a control character (U+0000 at position 4 of"
                            + " \"nul\\u0000\"); names must be printable");
        }

        @Test
        void anEdgeNameWithDelIsRejected() {
            assertThat(problems(Edges.TWO_EXECS + """
                    - name: "a\\x7fb"
                      from: {kind: exec, name: a}
                      to: {kind: exec, name: b}
                    """)).singleElement().asString()
                    .contains("edge: name contains a control character (U+007F at position 2");
        }

        @Test
        void aPathThatIsNotNormalIsRejectedWithItsNormalForm() {
            assertThat(problems("""
                    graph: g
                    resources:
                      file:
                      - name: /x/nonexistent/../file
                        content: "a"
                      - name: /x//y
                        content: "b"
                      - name: /x/./d/
                        state: exists
                    """)).containsExactly(
                    "g.yaml:4:5: error: file[/x/nonexistent/../file]: path '/x/nonexistent/../file' is not normal"
                            + " (a '.' or '..' segment, or '//'); write it as '/x/file' if that is what it means:"
                            + " '..' is not resolved for you, since the directory before it may not exist",
                    "g.yaml:6:5: error: file[/x//y]: path '/x//y' is not normal (a '.' or '..' segment, or '//');"
                            + " write it as '/x/y'",
                    "g.yaml:8:5: error: file[/x/./d/]: path '/x/./d/' is not normal (a '.' or '..' segment, or"
                            + " '//'); write it as '/x/d/'");
        }

        @Test
        void twoFileResourcesOnOnePathAreOneErrorNamingBoth() {
            assertThat(problems("""
                    graph: g
                    resources:
                      file:
                      - name: one
                        path: /srv/app/config
                        content: "a"
                      - name: two
                        path: /srv/app/config
                        content: "b"
                    """)).containsExactly("g.yaml:7:5: error: file[two] and file[one] (at g.yaml:4:5) both manage"
                    + " /srv/app/config; one path takes one file resource");
        }
    }
}
