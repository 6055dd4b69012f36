package dev.converge.agent.cli;

import dev.converge.agent.dot.DotRenderer;
import dev.converge.agent.dot.PlanDrawing;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code agent graph}: the plan as DOT on stdout, or rendered to a file. */
@Command(name = "graph", mixinStandardHelpOptions = true,
        description = "Draw the plan of a graph: DOT on stdout, or rendered with graphviz's dot to --output.")
final class GraphCommand implements Callable<Integer> {

    @Mixin
    GraphFile graph;

    @Option(names = {"-o", "--output"}, paramLabel = "PATH",
            description = "Write the plan here instead of stdout; .svg, .png and .pdf are rendered with dot, .dot is DOT text.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        var loaded = graph.load(err);
        if (loaded.isEmpty()) {
            return Main.INVALID;
        }
        String dot = PlanDrawing.plan(loaded.get().snapshot());
        if (output == null) {
            var out = spec.commandLine().getOut();
            out.print(dot);
            out.flush();
            return Main.OK;
        }
        try {
            new DotRenderer().render(dot, output);
        } catch (DotRenderer.RenderException e) {
            err.println("agent graph: " + e.getMessage());
            err.flush();
            return Main.FAILED;
        }
        return Main.OK;
    }
}
