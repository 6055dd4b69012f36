package dev.converge.agent.cli;

import dev.converge.agent.yaml.LoadedGraph;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code agent validate}: checks a graph and reports every problem; applies nothing. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a graph file and report every problem found. Exit 0 when valid, 2 when not.")
final class ValidateCommand implements Callable<Integer> {

    @Mixin
    GraphFile graph;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        return graph.load(err).map(g -> {
            report(g, spec.commandLine().getOut());
            return Main.OK;
        }).orElse(Main.INVALID);
    }

    private void report(LoadedGraph g, java.io.PrintWriter out) {
        out.println(graph.file + ": valid: " + g.snapshot().size() + " resources, "
                + g.snapshot().edges().size() + " edges");
        out.flush();
    }
}
