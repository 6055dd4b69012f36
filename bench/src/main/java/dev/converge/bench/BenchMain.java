package dev.converge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The whole-process benchmark driver behind {@code make bench}.
 *
 * <p>For each selected workload it writes the graph as converge YAML, a Makefile and a build.ninja
 * into {@code <out>/work/<workload>/}, then runs each tool {@code --warmup} times untimed and
 * {@code --runs} times timed, one process at a time, under {@code /usr/bin/time -f '%e %M'}.
 * A converge run is {@code agent/bin/agent run --file G --converged-timeout=0 --no-watch}, so
 * its time is everything from the launcher script (bash, find-jdk) through JVM start, YAML load,
 * planning and applying the graph, to JVM exit; with a converged timeout of 0 the agent exits as
 * soon as every resource is applied and idle, so that option adds no wait. On the files workloads
 * cfengine 3 runs too, as {@code cf-agent -K -f G.cf} on a policy that makes the same files, when
 * cf-agent is installed; after each tool's runs on a graph of files the driver checks every file's
 * content and mode. A workload that differs from another only by converge flags ({@code
 * noop-dag-N-http}) is timed in alternation with it, run by run, rather than after it.
 *
 * <p>It prints the table and writes {@code results.md} and {@code results.csv} into {@code --out}.
 */
public final class BenchMain {

    private static final String USAGE = """
            usage: BenchMain [--runs N] [--warmup N] [--only W[,W...]] [--out DIR] [--agent PATH]
                             [--noop-sizes N[,N...]] [--files N] [--time PATH]
                             [--timeout SECONDS] [--cf-agent PATH]
              --runs        timed runs per tool and workload (default 5, at least 1)
              --warmup      untimed runs before them (default 1)
              --only        workloads to run: a name or a prefix up to a '-' (noop-dag, files);
                            default all: seed chains diamond many-true chain-true noop-dag-N files-N
                            files-N-converged startup
              --out         where results and the generated graphs go (default agent/target/bench)
              --agent       the converge launcher (default agent/bin/agent)
              --noop-sizes  node counts of the noop-dag workloads (default 10000)
              --files       file count of the files workloads (default 10000)
              --time        GNU time (default /usr/bin/time)
              --timeout     a run still going after this long is killed and ends the benchmark,
                            which still reports the rows finished so far (default 600)
              --cf-agent    cfengine's agent for the files workloads (default: cf-agent on the
                            PATH, else /var/cfengine/bin/cf-agent; without one those rows run
                            converge alone)""";

    private BenchMain() {
    }

    /** The command-line settings; {@code cfAgent} is empty when cfengine is not installed. */
    record Options(int runs, int warmup, List<String> only, Path out, Path agent, List<Integer> noopSizes,
                   int files, Path time, long timeoutSeconds, Optional<Path> cfAgent) {

        Options {
            only = List.copyOf(only);
            noopSizes = List.copyOf(noopSizes);
            Objects.requireNonNull(cfAgent, "cfAgent");
            if (runs < 1 || warmup < 0 || files < 1 || timeoutSeconds < 1
                    || noopSizes.stream().anyMatch(n -> n < 1)) {
                throw new IllegalArgumentException("runs, files, noop sizes and timeout must be >= 1, warmup >= 0");
            }
        }

        static Options parse(String[] args) {
            int runs = 5;
            int warmup = 1;
            List<String> only = List.of();
            Path out = Path.of("agent/target/bench");
            Path agent = Path.of("agent/bin/agent");
            List<Integer> noopSizes = List.of(10_000);
            int files = 10_000;
            Path time = Path.of("/usr/bin/time");
            long timeout = 600;
            Optional<Path> cfAgent = Tool.findCfAgent();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("-h") || flag.equals("--help")) {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
                }
                String value = args[++i];
                switch (flag) {
                    case "--runs" -> runs = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--only" -> only = split(value);
                    case "--out" -> out = Path.of(value);
                    case "--agent" -> agent = Path.of(value);
                    case "--noop-sizes" -> noopSizes = split(value).stream().map(Integer::parseInt).toList();
                    case "--files" -> files = Integer.parseInt(value);
                    case "--time" -> time = Path.of(value);
                    case "--timeout" -> timeout = Long.parseLong(value);
                    case "--cf-agent" -> cfAgent = Optional.of(Path.of(value).toAbsolutePath());
                    default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
                }
            }
            return new Options(runs, warmup, only, out.toAbsolutePath(), agent.toAbsolutePath(), noopSizes, files,
                    time, timeout, cfAgent);
        }

        private static List<String> split(String value) {
            return Arrays.stream(value.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<Workload> workloads = workloads(options).stream()
                .filter(w -> options.only().isEmpty() || options.only().stream().anyMatch(w::matches)).toList();
        if (workloads.isEmpty()) {
            System.err.println("bench: --only " + options.only() + " selects no workload\n" + USAGE);
            System.exit(2);
        }
        List<Path> programs = new ArrayList<>(List.of(options.time(), options.agent()));
        options.cfAgent().ifPresent(programs::add);
        for (Path tool : programs) {
            if (!Files.isExecutable(tool)) {
                System.err.println("bench: " + tool + " is missing (make bench installs GNU time and cfengine,"
                        + " and builds the agent)");
                System.exit(2);
            }
        }
        if (options.cfAgent().isEmpty() && workloads.stream().anyMatch(w -> isFiles(w.dag()))) {
            System.err.println("bench: cf-agent is not on the PATH nor in " + Tool.CFENGINE_BIN
                    + ": the files workloads run without cfengine (make bench-deps installs Debian's cfengine3)");
        }
        List<Result> results = new ArrayList<>();
        String failure = null;
        try {
            for (Workload workload : workloads) {
                if (workload.baseline().isPresent()
                        && workloads.stream().anyMatch(w -> w.name().equals(workload.baseline().get()))) {
                    continue;
                }
                Optional<Workload> variant = workloads.stream()
                        .filter(w -> w.baseline().equals(Optional.of(workload.name()))).findFirst();
                Path dir = directory(options, workload);
                if (variant.isPresent()) {
                    results.addAll(measurePaired(options, workload, dir, variant.get(), directory(options, variant.get())));
                    continue;
                }
                for (Tool tool : workload.tools()) {
                    results.add(measure(options, workload, tool, dir));
                    if (isFiles(workload.dag())) {
                        checkFiles(workload.dag(), workload.name() + "/" + tool.label());
                    }
                }
            }
        } catch (RunFailedException e) {
            failure = e.getMessage();
            System.out.println();
            System.err.println("bench: " + failure);
        }
        if (results.isEmpty()) {
            System.exit(1);
        }
        String targets = Targets.markdown(results);
        String table = Report.markdown(results) + (targets.isEmpty() ? "" : "\nTargets:\n\n" + targets);
        System.out.print("\n" + table);
        Files.writeString(options.out().resolve("results.md"), markdownDocument(options, table));
        Files.writeString(options.out().resolve("results.csv"), Report.csv(results));
        System.out.println("\nwrote " + options.out().resolve("results.md") + " and results.csv");
        if (failure != null) {
            System.err.println("bench: stopped early: " + failure);
            System.exit(1);
        }
    }

    /** A tool run that failed or timed out; ends the benchmark after the finished rows are reported. */
    static final class RunFailedException extends RuntimeException {
        RunFailedException(String message) {
            super(message);
        }
    }

    /**
     * The size of the spawn workloads: {@code many-true} has this many independent {@code true}
     * commands, {@code chain-true} a chain with this many edges (one more command).
     */
    static final int SPAWNS = 2_000;

    /** Every workload, in table order; cfengine runs the files workloads when it is installed. */
    static List<Workload> workloads(Options options) {
        List<Tool> all = List.of(Tool.CONVERGE, Tool.MAKE, Tool.NINJA);
        List<Tool> converge = List.of(Tool.CONVERGE);
        List<Tool> fileTools = options.cfAgent().isPresent() ? List.of(Tool.CONVERGE, Tool.CFENGINE) : converge;
        Workload.Step nothing = () -> { };
        List<Workload> workloads = new ArrayList<>();
        workloads.add(new Workload("seed", DagGenerator.seed(), OptionalDouble.of(3.0), all, nothing, false, false));
        workloads.add(new Workload("chains", DagGenerator.chains(20, 5, "sleep 0.2"), OptionalDouble.of(1.0), all,
                nothing, false, false));
        workloads.add(new Workload("diamond", DagGenerator.diamond(100, "sleep 0.1"), OptionalDouble.of(0.3), all,
                nothing, false, false));
        workloads.add(new Workload("many-true", DagGenerator.independent("many-true", SPAWNS, "true"),
                OptionalDouble.empty(), all, nothing, false, false));
        workloads.add(new Workload("chain-true", DagGenerator.chain("chain-true", SPAWNS, "true"),
                OptionalDouble.empty(), all, nothing, false, true));
        for (int n : options.noopSizes()) {
            workloads.add(new Workload("noop-dag-" + n, DagGenerator.noopDag(n, 3), OptionalDouble.empty(), converge,
                    nothing, false, false));
            // The same with the live page served (nobody looking): what following the engine costs it.
            workloads.add(new Workload("noop-dag-" + n + "-http", DagGenerator.noopDag(n, 3), OptionalDouble.empty(),
                    converge, nothing, false, false, List.of("--http", "0")));
        }
        String files = "files-" + options.files();
        Path tree = options.out().resolve("work").resolve(files).resolve("tree");
        Dag filesDag = DagGenerator.files(options.files(), tree);
        workloads.add(new Workload(files, filesDag, OptionalDouble.empty(), fileTools, () -> emptyDirectory(tree),
                false, false));
        workloads.add(new Workload(files + "-converged", filesDag, OptionalDouble.empty(), fileTools,
                () -> Files.createDirectories(tree), true, false));
        workloads.add(new Workload("startup", DagGenerator.startup(), OptionalDouble.empty(), all, nothing, false,
                false));
        return workloads;
    }

    private static void emptyDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(dir);
    }

    private static void writeGraphs(Options options, Workload workload, Path dir)
            throws IOException, InterruptedException {
        Dag dag = workload.dag();
        for (Tool tool : workload.tools()) {
            String text = switch (tool) {
                case CONVERGE -> Emitters.yaml(dag);
                case MAKE -> Emitters.makefile(dag);
                case NINJA -> Emitters.ninja(dag);
                case CFENGINE -> Emitters.cfengine(dag);
            };
            Path file = tool.graphFile(dir, dag);
            Files.writeString(file, text);
            if (tool == Tool.CFENGINE) {
                checkPolicy(options.cfAgent().orElseThrow(), file, options.timeoutSeconds());
            }
        }
    }

    /**
     * Runs {@code cf-promises -f POLICY} beside {@code cfAgent}: cf-agent, not run from a terminal,
     * answers a policy that does not validate with its failsafe policy, which starts cf-serverd, so
     * the policy is checked before cf-agent ever sees it.
     */
    static void checkPolicy(Path cfAgent, Path policy, long timeoutSeconds) throws IOException, InterruptedException {
        Path promises = cfAgent.resolveSibling("cf-promises");
        Path log = policy.resolveSibling("cf-promises.log");
        Process process = new ProcessBuilder(promises.toString(), "-f", policy.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new RunFailedException(promises + " -f " + policy + " still running after " + timeoutSeconds + " s");
        }
        if (process.exitValue() != 0) {
            throw new RunFailedException(promises + " -f " + policy + " exited " + process.exitValue() + ": "
                    + Files.readString(log).strip());
        }
    }

    /** Whether {@code dag} is a graph of files, which the driver checks after each tool's runs. */
    static boolean isFiles(Dag dag) {
        return dag.nodes().stream().allMatch(node -> node.kind() == Node.Kind.FILE);
    }

    /** Checks that each file of {@code dag} is a regular file with its node's content and mode 0644. */
    static void checkFiles(Dag dag, String who) throws IOException {
        for (Node node : dag.nodes()) {
            Path path = Path.of(node.path());
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new RunFailedException(who + ": " + path + " is not a regular file");
            }
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
            if (!mode.equals("rw-r--r--")) {
                throw new RunFailedException(who + ": " + path + " has mode " + mode + ", not rw-r--r--");
            }
            if (!Files.readString(path).equals(node.content())) {
                throw new RunFailedException(who + ": " + path + " does not have its node's content");
            }
        }
    }

    /** The work directory of {@code workload}, with its graphs written. */
    private static Path directory(Options options, Workload workload) throws IOException, InterruptedException {
        Path dir = options.out().resolve("work").resolve(workload.name());
        Files.createDirectories(dir);
        writeGraphs(options, workload, dir);
        return dir;
    }

    /**
     * Times converge on {@code base} and on {@code variant} (the same graph with flags) in
     * alternation, in the order {@link #pairedOrder} gives, so that a slow minute of the machine
     * weighs on both rows alike.
     */
    private static List<Result> measurePaired(Options options, Workload base, Path baseDir, Workload variant,
            Path variantDir) throws IOException, InterruptedException {
        Workload[] both = {base, variant};
        Path[] dirs = {baseDir, variantDir};
        List<List<Sample>> samples = List.of(new ArrayList<>(), new ArrayList<>());
        int untimed = Math.max(options.warmup(), base.prime() || variant.prime() ? 1 : 0);
        System.out.printf(Locale.ROOT, "%s and %s, in alternation:", base.name(), variant.name());
        List<Integer> order = pairedOrder(untimed + options.runs());
        for (int i = 0; i < order.size(); i++) {
            int which = order.get(i);
            both[which].beforeEach().run();
            Sample sample = runOnce(options, both[which], Tool.CONVERGE, dirs[which]);
            if (i >= 2 * untimed) {
                samples.get(which).add(sample);
            }
            System.out.print(".");
        }
        System.out.println();
        List<Result> results = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            System.out.printf(Locale.ROOT, "%-24s %-8s", both[k].name(), Tool.CONVERGE.label());
            samples.get(k).forEach(s -> System.out.printf(Locale.ROOT, " %.3f", s.wallSeconds()));
            System.out.println();
            results.add(new Result(both[k].name(), Tool.CONVERGE, samples.get(k), both[k].idealSeconds(),
                    both[k].spawns()));
        }
        return results;
    }

    /**
     * Which of two rows runs when, for {@code rounds} runs of each: 0 1, 1 0, 0 1, ... — each round
     * runs both, and who goes first alternates, so neither row always follows the other.
     */
    static List<Integer> pairedOrder(int rounds) {
        List<Integer> order = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            order.add(r % 2);
            order.add(1 - r % 2);
        }
        return order;
    }

    private static Result measure(Options options, Workload workload, Tool tool, Path dir)
            throws IOException, InterruptedException {
        int untimed = Math.max(options.warmup(), workload.prime() ? 1 : 0);
        List<Sample> samples = new ArrayList<>();
        System.out.printf(Locale.ROOT, "%-24s %-8s", workload.name(), tool.label());
        for (int i = 0; i < untimed + options.runs(); i++) {
            workload.beforeEach().run();
            Sample sample = runOnce(options, workload, tool, dir);
            if (i >= untimed) {
                samples.add(sample);
                System.out.printf(Locale.ROOT, " %.3f", sample.wallSeconds());
            }
        }
        System.out.println();
        return new Result(workload.name(), tool, samples, workload.idealSeconds(), workload.spawns());
    }

    /** One run of the tool under GNU time; the tool's output goes to {@code <tool>.log} in {@code dir}. */
    private static Sample runOnce(Options options, Workload workload, Tool tool, Path dir)
            throws IOException, InterruptedException {
        Path timeFile = dir.resolve(tool.label() + ".time");
        Path log = dir.resolve(tool.label() + ".log");
        List<String> command = new ArrayList<>(List.of(options.time().toString(), "-f", "%e %M", "-o",
                timeFile.toString()));
        Path program = tool == Tool.CFENGINE ? options.cfAgent().orElseThrow() : options.agent();
        command.addAll(tool.command(program, dir, workload.dag(), workload.convergeFlags()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(options.timeoutSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            throw new RunFailedException(workload.name() + "/" + tool.label() + " still running after "
                    + options.timeoutSeconds() + " s: " + String.join(" ", command) + "; see " + log);
        }
        int exit = process.exitValue();
        double wall = (System.nanoTime() - start) / 1e9;
        if (exit != 0) {
            throw new RunFailedException(workload.name() + "/" + tool.label() + " exited " + exit + ": "
                    + String.join(" ", command) + "; see " + log);
        }
        List<String> lines = Files.readAllLines(timeFile);
        String[] fields = lines.get(lines.size() - 1).trim().split("\\s+");
        long rss;
        try {
            rss = Long.parseLong(fields[1]);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("unexpected GNU time output in " + timeFile + ": " + lines));
        }
        return new Sample(wall, rss, tool == Tool.CONVERGE ? inProcessSeconds(log) : Double.NaN);
    }

    private static final Pattern LOADED = Pattern.compile("loaded and planned in (\\d+\\.\\d+) s");
    private static final Pattern SUMMARY = Pattern.compile(" summary: .* in (\\d+\\.\\d+) s$");

    /**
     * The agent's own time from its log: "loaded and planned in X s" on the "running" line plus the
     * "summary: ... in Y s" of the run (which counts from just after loading).
     */
    static double inProcessSeconds(Path log) throws IOException {
        double loaded = Double.NaN;
        double run = Double.NaN;
        try (Stream<String> lines = Files.lines(log)) {
            for (String line : (Iterable<String>) lines::iterator) {
                Matcher m = LOADED.matcher(line);
                if (Double.isNaN(loaded) && m.find()) {
                    loaded = Double.parseDouble(m.group(1));
                }
                m = SUMMARY.matcher(line);
                if (m.find()) {
                    run = Double.parseDouble(m.group(1));
                }
            }
        }
        if (Double.isNaN(loaded) || Double.isNaN(run)) {
            throw new UncheckedIOException(new IOException("no load time or summary line in " + log));
        }
        return loaded + run;
    }

    private static String markdownDocument(Options options, String table) {
        return String.format(Locale.ROOT, """
                # converge benchmark

                %d timed runs per row after %d untimed, one process at a time, on %d CPUs (JDK of the driver: %s).
                A row with converge flags (`noop-dag-N-http`) and the row without them are timed in alternation,
                run by run, the first of each pair alternating too.

                %s
                - **median s / min s / max s**: wall time of the whole process, from start to reaped.
                  converge is `agent/bin/agent run --file G --converged-timeout=0 --no-watch`: launcher script,
                  JVM start, YAML load, planning, applying, JVM exit. make is `make -jN all`, ninja `ninja -jN`,
                  N = the node count, over the same DAG of the same commands (graphs in `work/<workload>/`).
                  cfengine (files workloads only) is `cf-agent -K -f G.cf`, a policy with one files promise per
                  file resource (same path, content and mode 0644); `-K` ignores the locks that would skip a
                  promise repeated within a minute.
                - **peak RSS MiB**: GNU time's `%%M` (wait4 `ru_maxrss`), the largest single process of the tree,
                  maximum over the runs.
                - **in-process s**: converge only, the median of the agent's own times: graph file read,
                  validated and planned ("loaded and planned in") plus the run to its summary ("summary: ... in"):
                  everything but JVM start and exit. **in-process best s**: the smallest of them.
                - **ratio**: median / ideal, where the ideal is the critical path of the commands' sleeps;
                  without one, median / the fastest tool's median on that workload.
                - **in-process best / ninja best**: converge rows only, converge's best in-process time over
                  ninja's best wall time on the same workload (JVM start and exit left out of converge's side
                  only); `-` where ninja did not run.
                - **in-process best / cfengine best**: the same against cfengine's best wall time (the whole
                  cf-agent process, its policy check by cf-promises included); files workloads only.
                - **best µs/spawn**: `chain-true` only, the best run's time divided by its %,d commands, which
                  run one after the other, one process each: converge's best in-process time (load and plan,
                  starting, waiting for and reaping each command, its log lines and summary; not JVM start and
                  exit), make's and ninja's best wall time (the whole process).
                - `many-true` is %,d independent `true` commands (no edge, run with `-j%d` by make and
                  ninja); `chain-true` a chain of %,d `true` commands, each depending on the one before.
                  converge and make run `true` without a shell, ninja runs `/bin/sh -c true` (one process
                  too: the shell runs its builtin `true`).
                - `files-N` applies N file resources to an empty directory; `files-N-converged` applies the same
                  graph again to the converged tree; after each tool's runs every file's content and mode are
                  checked. `startup` is a one-noop graph.
                - **Targets**: the speed targets the issues set, on this run's best figures; a target whose rows
                  did not run is not listed. The files targets are for 10,000 files.
                """, options.runs(), options.warmup(), Runtime.getRuntime().availableProcessors(),
                Runtime.version(), table, SPAWNS + 1, SPAWNS, SPAWNS, SPAWNS + 1);
    }
}
