package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code validate}, {@code graph} and the global options, run in-process. */
class CommandsTest {

    @TempDir
    Path dir;

    record Outcome(int exit, String out, String err) {}

    static Outcome agent(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int exit = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("g.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** A graph with two errors: an unknown field at 6:5 and an unknown kind at 7:3. */
    private static final String TWO_ERRORS = """
            graph: bad
            resources:
              exec:
              - name: a
                cmd: true
                colour: red
              nosuchkind:
              - name: b
            """;

    @Test
    void validateAcceptsAGoodGraph() throws Exception {
        Path g = write("""
                graph: ok
                resources:
                  noop:
                  - name: a
                  - name: b
                edges:
                - name: e
                  from: {kind: noop, name: a}
                  to: {kind: noop, name: b}
                """);
        Outcome o = agent("validate", "--file", g.toString());
        assertThat(o.exit()).isZero();
        assertThat(o.out()).contains("valid: 2 resources, 1 edges");
    }

    @Test
    void validateReportsEveryProblemWithLineAndColumnAndExitsTwo() throws Exception {
        Path g = write(TWO_ERRORS);
        Outcome o = agent("validate", "--file", g.toString());
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err())
                .contains(g + ":6:5: error: exec[a]: unknown field 'colour' for exec (fields: args, cmd,")
                .contains(g + ":7:3: error: unknown kind 'nosuchkind'")
                .contains("invalid graph, 2 errors; nothing applied");
    }

    @Test
    void validateOfAMissingFileExitsTwo() {
        Outcome o = agent("validate", "--file", dir.resolve("missing.yaml").toString());
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err()).contains("cannot read");
    }

    @Test
    void validateJsonOfAGoodGraphGivesTheCountsAndItsWarnings() throws Exception {
        Path g = write("""
                graph: ok
                resources:
                  noop:
                  - name: a
                  - name: b
                  exec:
                  - name: c
                    cmd: "true"
                    ifequals: "yes"
                edges:
                - name: e
                  from: {kind: noop, name: a}
                  to: {kind: noop, name: b}
                """);
        Outcome o = agent("validate", "--json", "--file", g.toString());
        assertThat(o.exit()).isZero();
        assertThat(o.err()).isEmpty();
        JsonNode doc = new ObjectMapper().readTree(o.out());
        assertThat(doc.get("file").asText()).isEqualTo(g.toString());
        assertThat(doc.get("valid").asBoolean()).isTrue();
        assertThat(doc.get("resources").asInt()).isEqualTo(3);
        assertThat(doc.get("edges").asInt()).isEqualTo(1);
        JsonNode warning = doc.get("diagnostics").get(0);
        assertThat(doc.get("diagnostics")).hasSize(1);
        assertThat(warning.get("severity").asText()).isEqualTo("warning");
        assertThat(warning.get("line").asInt()).isEqualTo(9);
        assertThat(warning.get("message").asText()).contains("ifequals has no effect without ifcmd");
    }

    @Test
    void validateJsonGivesEveryDiagnosticAsDataOnStdoutOnlyAndExitsTwo() throws Exception {
        Path g = write(TWO_ERRORS);
        Outcome o = agent("validate", "--json", "--file", g.toString());
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err()).as("the document holds it all").isEmpty();
        JsonNode doc = new ObjectMapper().readTree(o.out());
        assertThat(doc.get("valid").asBoolean()).isFalse();
        assertThat(doc.has("resources")).isFalse();
        JsonNode d = doc.get("diagnostics");
        assertThat(d).hasSize(2);
        assertThat(d.get(0).get("file").asText()).isEqualTo(g.toString());
        assertThat(d.get(0).get("line").asInt()).isEqualTo(6);
        assertThat(d.get(0).get("column").asInt()).isEqualTo(5);
        assertThat(d.get(0).get("severity").asText()).isEqualTo("error");
        assertThat(d.get(0).get("message").asText()).startsWith("exec[a]: unknown field 'colour' for exec");
        assertThat(d.get(1).get("line").asInt()).isEqualTo(7);
        assertThat(d.get(1).get("column").asInt()).isEqualTo(3);
        assertThat(d.get(1).get("message").asText()).startsWith("unknown kind 'nosuchkind'");
    }

    @Test
    void validateJsonOfAMissingFileIsAnErrorWithoutPosition() throws Exception {
        Path missing = dir.resolve("missing.yaml");
        Outcome o = agent("validate", "--json", "--file", missing.toString());
        assertThat(o.exit()).isEqualTo(2);
        JsonNode d = new ObjectMapper().readTree(o.out()).get("diagnostics").get(0);
        assertThat(d.get("line").asInt()).isZero();
        assertThat(d.get("severity").asText()).isEqualTo("error");
        assertThat(d.get("message").asText()).startsWith("cannot read");

        Outcome usage = agent("validate", "--json");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.out()).isEmpty();
        assertThat(usage.err()).contains("--file=PATH is required");
    }

    @Test
    void graphPrintsDotAndRendersSvgWithDot() throws Exception {
        Path g = write("""
                graph: drawn
                resources:
                  noop:
                  - name: a
                  - name: b
                edges:
                - name: a-b
                  from: {kind: noop, name: a}
                  to: {kind: noop, name: b}
                """);
        Outcome dot = agent("graph", "--file", g.toString());
        assertThat(dot.exit()).isZero();
        assertThat(dot.out()).startsWith("digraph").contains("noop[a]").contains("a-b");

        Path svg = dir.resolve("plan.svg");
        Outcome rendered = agent("graph", "--file", g.toString(), "--output", svg.toString());
        assertThat(rendered.exit()).as(rendered.err()).isZero();
        assertThat(Files.readString(svg)).contains("<svg");
    }

    @Test
    void versionAndHelp() {
        assertThat(agent("--version").out()).startsWith("converge agent ");
        Outcome help = agent("run", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--converged-timeout", "--graphviz", "--parallel", "--noop", "--no-watch");
    }
}
