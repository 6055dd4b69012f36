package dev.converge.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A whole-process tool that runs a DAG, and the command line that makes it run one. */
public enum Tool {
    /** {@code agent run --file G.yaml --converged-timeout=0 --no-watch}. */
    CONVERGE("converge"),
    /** {@code make -f G.mk -jN all}, N = the node count, so nothing waits for a job slot. */
    MAKE("make"),
    /** {@code ninja -f G.ninja -jN}, N = the node count. */
    NINJA("ninja");

    private final String label;

    Tool(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The file this tool reads, for graph {@code dag}, in directory {@code dir}. */
    public Path graphFile(Path dir, Dag dag) {
        return dir.resolve(dag.name() + switch (this) {
            case CONVERGE -> ".yaml";
            case MAKE -> ".mk";
            case NINJA -> ".ninja";
        });
    }

    /** The command line, run with {@code dir} as the working directory. */
    public List<String> command(Path agent, Path dir, Dag dag) {
        String file = graphFile(dir, dag).toString();
        String jobs = Integer.toString(Math.max(1, dag.nodes().size()));
        List<String> command = new ArrayList<>();
        switch (this) {
            case CONVERGE -> command.addAll(List.of(agent.toString(), "run", "--file", file,
                    "--converged-timeout=0", "--no-watch"));
            case MAKE -> command.addAll(List.of("make", "-f", file, "-j" + jobs, "all"));
            case NINJA -> command.addAll(List.of("ninja", "-f", file, "-j" + jobs));
        }
        return command;
    }
}
