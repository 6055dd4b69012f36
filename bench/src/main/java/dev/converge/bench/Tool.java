package dev.converge.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A whole-process tool that runs a DAG, and the command line that makes it run one. */
public enum Tool {
    /** {@code agent run --file G.yaml --converged-timeout=0 --no-watch}. */
    CONVERGE("converge"),
    /** {@code make -f G.mk -jN all}, N = the node count, so nothing waits for a job slot. */
    MAKE("make"),
    /** {@code ninja -f G.ninja -jN}, N = the node count. */
    NINJA("ninja"),
    /** {@code cf-agent -K -f G.cf}: cfengine 3's agent with its locks ignored; file graphs only. */
    CFENGINE("cfengine");

    /** Where cfengine.com's own packages put cf-agent; Debian's cfengine3 puts it in /usr/bin. */
    static final Path CFENGINE_BIN = Path.of("/var/cfengine/bin");

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
            case CFENGINE -> ".cf";
        });
    }

    /**
     * The command line, run with {@code dir} as the working directory. {@code program} is the
     * executable of converge (its launcher) or of cfengine (cf-agent); make and ninja are run by
     * name from the PATH and ignore it. {@code convergeFlags} are added to converge's command line.
     */
    public List<String> command(Path program, Path dir, Dag dag, List<String> convergeFlags) {
        String file = graphFile(dir, dag).toString();
        String jobs = Integer.toString(Math.max(1, dag.nodes().size()));
        List<String> command = new ArrayList<>();
        switch (this) {
            case CONVERGE -> {
                command.addAll(List.of(program.toString(), "run", "--file", file, "--converged-timeout=0", "--no-watch"));
                command.addAll(convergeFlags);
            }
            case MAKE -> command.addAll(List.of("make", "-f", file, "-j" + jobs, "all"));
            case NINJA -> command.addAll(List.of("ninja", "-f", file, "-j" + jobs));
            // cf-agent looks for a relative -f under its own inputs directory and, not finding it
            // there, runs its failsafe policy instead (which starts cf-serverd): the path is absolute.
            case CFENGINE -> command.addAll(List.of(program.toString(), "-K", "-f",
                    graphFile(dir, dag).toAbsolutePath().toString()));
        }
        return command;
    }

    /** cf-agent: the first on the PATH, else the one in {@link #CFENGINE_BIN}; empty when neither exists. */
    public static Optional<Path> findCfAgent() {
        return findCfAgent(System.getenv().getOrDefault("PATH", ""), CFENGINE_BIN);
    }

    /** cf-agent in one of the directories of {@code pathVariable}, else in {@code fallback}. */
    static Optional<Path> findCfAgent(String pathVariable, Path fallback) {
        List<Path> dirs = new ArrayList<>();
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                dirs.add(Path.of(dir));
            }
        }
        dirs.add(fallback);
        return dirs.stream().map(dir -> dir.resolve("cf-agent"))
                .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .map(Path::toAbsolutePath).findFirst();
    }
}
