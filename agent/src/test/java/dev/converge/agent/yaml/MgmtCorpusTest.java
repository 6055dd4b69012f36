package dev.converge.agent.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.agent.graph.Planner;
import dev.converge.resources.Kinds;
import dev.converge.resources.ResourceId;
import dev.converge.resources.Problem.Severity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * mgmt's own example graphs (read in place from {@code ../shared/mgmt-examples}, never copied):
 * each file converge should support loads with warnings at most; every other file is rejected
 * with errors that name the unsupported kind or feature at its line and column, and nothing else.
 *
 * <p>Which category a file is in is decided here by a plain SnakeYAML scan, independent of the
 * loader, against {@link Kinds#builtIn()}, so the test follows new kinds as they arrive.
 *
 * <p>A user's clone has no corpus beside it: the class is then skipped, saying where the corpus
 * is expected. Under CI (the environment variable {@code CI} set, as {@code .ci/run} is run) a
 * missing corpus fails it instead, so it cannot go unrun there.
 */
class MgmtCorpusTest {

    /** Errors in files mgmt's own validation rejects too: one more error each may give. */
    private static final Map<String, String> ALSO_WRONG_IN_MGMT = Map.of(
            "autoedges3.yaml", "is a directory, so source must be a directory too");

    private static final Set<String> MGMT_ONLY_KEYS = Set.of("remote", "collect");

    static Path corpus() {
        String repo = System.getProperty("converge.repo");
        if (repo == null) {
            throw new AssertionError("system property converge.repo is not set (surefire sets it to the repository)");
        }
        return Path.of(repo).resolve("../shared/mgmt-examples").normalize();
    }

    @BeforeAll
    static void corpusIsThere() {
        Path dir = corpus();
        if (Files.isDirectory(dir)) {
            return;
        }
        String message = "mgmt's example corpus is expected at " + dir
                + " (beside the checkout, as ../shared/mgmt-examples); it is not there";
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty() && !ci.equals("false")) {
            throw new AssertionError(message + ", and CI must run this test");
        }
        Assumptions.abort(message + ": skipped");
    }

    static Stream<String> files() throws IOException {
        try (Stream<Path> list = Files.list(corpus())) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted()
                    .toList().stream();
        }
    }

    @Test
    void corpusHoldsAll68Files() throws IOException {
        assertThat(files()).hasSize(68);
    }

    @Test
    void mgmtsEndToEndExamplesAreInTheSupportedCategory() {
        for (String name : List.of("exec1.yaml", "exec2.yaml", "exec3-sema.yaml", "graph0.yaml", "graph9.yaml",
                "graph10.yaml", "file0.yaml", "file1.yaml", "noop1.yaml", "noop2.yaml", "poll1.yaml", "retry1.yaml")) {
            assertThat(Scan.of(corpus().resolve(name)).supported()).as(name).isTrue();
        }
    }

    /**
     * The number of files in the supported category: 40 with the kinds exec, file, group, noop,
     * pkg, svc and user (34 before them: user and group add user1, group1 and autoedges4; svc adds
     * svc1, svc2 and autoedges3, which is rejected for another reason, see {@link #ALSO_WRONG_IN_MGMT}).
     */
    @Test
    void supportedFilesNumber40() throws IOException {
        assertThat(files().filter(name -> Scan.of(corpus().resolve(name)).supported())).hasSize(40);
    }

    @Test
    void mgmtsAccountExamplesLoadAndPlanWithTheirAutoedges() throws Exception {
        for (String name : List.of("user1.yaml", "group1.yaml", "autoedges4.yaml")) {
            assertThat(Scan.of(corpus().resolve(name)).supported()).as(name).isTrue();
        }
        GraphSnapshot planned = Planner.plan(new GraphLoader(Kinds.builtIn())
                .load(corpus().resolve("autoedges4.yaml")).snapshot());

        assertThat(planned.parents(ResourceId.of("user", "edgeuser2"))).containsExactlyInAnyOrder(
                ResourceId.of("group", "edgegroup"), ResourceId.of("group", "edgegroup2"),
                ResourceId.of("group", "edgegroup3"));
        assertThat(planned.edges()).hasSize(3).allSatisfy(e -> assertThat(e.auto()).isTrue());
    }

    @Test
    void mgmtsSvcExamplesLoadAndAutoedges3IsRejectedOnlyForItsSource() throws Exception {
        for (String name : List.of("svc1.yaml", "svc2.yaml")) {
            assertThat(Scan.of(corpus().resolve(name)).supported()).as(name).isTrue();
            LoadedGraph loaded = new GraphLoader(Kinds.builtIn()).load(corpus().resolve(name));
            assertThat(loaded.snapshot().resources().keySet()).as(name)
                    .anySatisfy(id -> assertThat(id.toString()).isEqualTo("svc[purpleidea]"));
        }
        Path autoedges3 = corpus().resolve("autoedges3.yaml");
        assertThat(Scan.of(autoedges3).unsupportedKinds()).as("pkg, file and svc are all converge's").isEmpty();
        try {
            new GraphLoader(Kinds.builtIn()).load(autoedges3);
            throw new AssertionError("autoedges3.yaml loaded; its file2 has a file source for a directory");
        } catch (InvalidGraphException e) {
            assertThat(e.errors()).extracting(Diagnostic::message).singleElement().asString()
                    .contains(ALSO_WRONG_IN_MGMT.get("autoedges3.yaml"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void loadsOrNamesWhatIsUnsupported(String name) throws IOException {
        Path file = corpus().resolve(name);
        Scan scan = Scan.of(file);
        LoadedGraph loaded = null;
        InvalidGraphException rejection = null;
        try {
            loaded = new GraphLoader(Kinds.builtIn()).load(file);
        } catch (InvalidGraphException e) {
            rejection = e;
        }

        if (rejection != null) {
            assertThat(rejection.errors()).isNotEmpty();
            assertThat(rejection.diagnostics()).allSatisfy(d -> {
                assertThat(d.where().source()).isEqualTo(file.toString());
                assertThat(d.where().line()).isPositive();
                assertThat(d.where().column()).isPositive();
            });
        }
        if (scan.supported() && ALSO_WRONG_IN_MGMT.containsKey(name)) {
            // Every kind it uses is converge's, but mgmt's validation rejects the file too.
            assertThat(rejection).as("%s is wrong in mgmt too and must be rejected", name).isNotNull();
            assertThat(rejection.errors()).extracting(Diagnostic::message)
                    .allSatisfy(m -> assertThat(m).contains(ALSO_WRONG_IN_MGMT.get(name)));
            return;
        }
        if (scan.supported()) {
            assertThat(rejection).as("%s should load, got %s", name,
                    rejection == null ? "" : rejection.diagnostics()).isNull();
            assertThat(loaded.diagnostics()).extracting(Diagnostic::severity)
                    .allMatch(s -> s == Severity.WARNING || s == Severity.INFO);
            assertThat(loaded.snapshot().size()).isEqualTo(scan.resources().size());
            GraphSnapshot declared = loaded.snapshot();
            assertThatCode(() -> Planner.plan(declared)).as("%s plans", name).doesNotThrowAnyException();
            assertThat(loaded.snapshot().edges()).hasSize(scan.edgeCount());
            return;
        }
        assertThat(rejection).as("%s uses %s and must be rejected", name, scan.unsupported()).isNotNull();
        for (String kind : scan.unsupportedKinds()) {
            int[] at = scan.kindKey(kind);
            assertThat(rejection.errors()).as("error for kind %s", kind).anySatisfy(d -> {
                assertThat(d.message()).startsWith("kind '" + kind + "'");
                assertThat(new int[] {d.where().line(), d.where().column()}).containsExactly(at);
            });
        }
        for (String key : scan.mgmtOnlyKeys()) {
            int line = scan.topLevelKeyLine(key);
            assertThat(rejection.errors()).as("error for %s:", key).anySatisfy(d -> {
                assertThat(d.message()).startsWith(key + ": (mgmt's");
                assertThat(new int[] {d.where().line(), d.where().column()}).containsExactly(line, 1);
            });
        }
        for (String exported : scan.exportedNames()) {
            int[] at = scan.nameKey(exported);
            assertThat(rejection.errors()).as("error for %s", exported).anySatisfy(d -> {
                assertThat(d.message()).contains("[" + exported + "]").contains("exported resources are not supported");
                assertThat(new int[] {d.where().line(), d.where().column()}).containsExactly(at);
            });
        }
        // Nothing else is wrong with these files: every error is about what converge lacks.
        assertThat(rejection.errors()).extracting(Diagnostic::message).allSatisfy(m -> assertThat(
                scan.unsupportedKinds().stream().anyMatch(k -> m.contains("kind '" + k + "'"))
                        || scan.mgmtOnlyKeys().stream().anyMatch(k -> m.startsWith(k + ":"))
                        || m.contains("[@@")
                        || m.contains(ALSO_WRONG_IN_MGMT.getOrDefault(name, "\0")))
                .as("unexplained error: %s", m).isTrue());
    }

    /** What a plain YAML tree of one file shows, and where its keys are in the text. */
    private record Scan(
            List<String> lines,
            Set<String> kinds,
            Set<String> resources,
            Set<String> exportedNames,
            Set<String> mgmtOnlyKeys,
            int edgeCount) {

        /** Reads the file with SnakeYAML's own loader (Jackson's tree reader rejects {@code .inf}). */
        static Scan of(Path file) {
            try {
                String text = Files.readString(file);
                Map<?, ?> root = (Map<?, ?>) new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
                var kinds = new LinkedHashSet<String>();
                var resources = new LinkedHashSet<String>();
                var exported = new LinkedHashSet<String>();
                if (root.get("resources") instanceof Map<?, ?> byKind) {
                    byKind.forEach((kind, list) -> {
                        kinds.add(kind.toString());
                        for (Object res : (List<?>) list) {
                            String name = String.valueOf(((Map<?, ?>) res).get("name"));
                            resources.add(kind + "[" + name + "]");
                            if (name.startsWith("@@")) {
                                exported.add(name);
                            }
                        }
                    });
                }
                var mgmtOnly = new LinkedHashSet<String>();
                for (Object key : root.keySet()) {
                    if (MGMT_ONLY_KEYS.contains(key.toString())) {
                        mgmtOnly.add(key.toString());
                    }
                }
                int edges = root.get("edges") instanceof List<?> list ? list.size() : 0;
                return new Scan(text.lines().toList(), kinds, resources, exported, mgmtOnly, edges);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<String> unsupportedKinds() {
            var missing = new ArrayList<>(kinds);
            missing.removeAll(Kinds.builtIn().names());
            return missing;
        }

        boolean supported() {
            return unsupportedKinds().isEmpty() && exportedNames.isEmpty() && mgmtOnlyKeys.isEmpty();
        }

        String unsupported() {
            return unsupportedKinds() + " " + mgmtOnlyKeys + " " + exportedNames;
        }

        /** Line and column of {@code kind:} under {@code resources:}. */
        int[] kindKey(String kind) {
            Pattern key = Pattern.compile("^(\\s+)" + Pattern.quote(kind) + ":\\s*$");
            for (int i = lines.indexOf("resources:"); i < lines.size(); i++) {
                Matcher m = key.matcher(lines.get(i));
                if (m.matches()) {
                    return new int[] {i + 1, m.group(1).length() + 1};
                }
            }
            throw new AssertionError("no line for kind " + kind);
        }

        int topLevelKeyLine(String key) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(key + ":")) {
                    return i + 1;
                }
            }
            throw new AssertionError("no line for " + key);
        }

        /** Line and column of the {@code name:} key that gives {@code name}. */
        int[] nameKey(String name) {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int at = line.indexOf("name:");
                if (at >= 0 && line.substring(at).contains(name)) {
                    return new int[] {i + 1, at + 1};
                }
            }
            throw new AssertionError("no line for name " + name);
        }
    }
}
