package dev.converge.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.SourceLocation;
import dev.converge.agent.yaml.LoadedGraph;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code agent validate}: checks a graph and reports every problem; applies nothing. As text,
 * the problems go to stderr and the verdict of a valid graph to stdout; with {@code --json},
 * everything, an unreadable file included, is one JSON document on stdout and stderr carries
 * only usage errors. Runs on picocli's calling thread.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check a graph file and report every problem found. Exit 0 when valid, 2 when not.",
                "With --json, one JSON document on stdout: file, valid, the resource and edge counts of a valid "
                        + "graph, and diagnostics [{file, line, column, severity, message}]; nothing on stderr "
                        + "but usage errors."})
final class ValidateCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    GraphFile graph;

    @Option(names = "--json", description = "Print the result and every diagnostic as one JSON document on stdout.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (json) {
            return graph.required(err) ? json(out) : Main.INVALID;
        }
        return graph.load(err).map(g -> {
            out.println(graph.file + ": valid: " + g.snapshot().size() + " resources, "
                    + g.snapshot().edges().size() + " edges");
            out.flush();
            return Main.OK;
        }).orElse(Main.INVALID);
    }

    private int json(PrintWriter out) {
        ObjectNode root = JSON.createObjectNode();
        root.put("file", graph.file.toString());
        List<Diagnostic> diagnostics;
        LoadedGraph valid;
        try {
            GraphFile.Checked checked = graph.check();
            diagnostics = checked.diagnostics();
            valid = checked.graph().orElse(null);
        } catch (IOException e) {
            diagnostics = List.of(Diagnostic.error(new SourceLocation(graph.file.toString(), 0, 0),
                    "cannot read: " + e.getMessage()));
            valid = null;
        }
        root.put("valid", valid != null);
        if (valid != null) {
            root.put("resources", valid.snapshot().size());
            root.put("edges", valid.snapshot().edges().size());
        }
        ArrayNode list = root.putArray("diagnostics");
        for (Diagnostic d : diagnostics) {
            list.addObject()
                    .put("file", d.where().source())
                    .put("line", d.where().line())
                    .put("column", d.where().column())
                    .put("severity", d.severity().name().toLowerCase(Locale.ROOT))
                    .put("message", d.message());
        }
        out.println(root.toPrettyString());
        out.flush();
        return valid != null ? Main.OK : Main.INVALID;
    }
}
