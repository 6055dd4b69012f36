package dev.converge.agent.yaml;

import com.fasterxml.jackson.core.JsonToken;
import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.agent.graph.SourceLocation;
import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.Kinds;
import dev.converge.resources.MetaParams;
import dev.converge.resources.Problem;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Loads a graph file in mgmt's yamlgraph format into a {@link GraphSnapshot}, strictly: every
 * unknown key, unknown kind, wrong value, mgmt-only feature, conflicting duplicate, missing edge
 * end and cycle is an error with its file, line and column, and one call reports all of them.
 *
 * <p>Resource fields bind onto the kind's parameter record ({@link ResourceKind#paramsType()})
 * by component name, starting from {@link ResourceKind#defaults()}; the {@code meta:} block
 * binds onto {@link MetaParams} from {@link MetaParams#DEFAULTS}. The rules are in
 * {@code docs/yaml-reference.md}.
 *
 * <p>Immutable and thread-safe; every call works on state of its own.
 */
public final class GraphLoader {

    private static final List<String> TOP_LEVEL_KEYS = List.of("graph", "comment", "resources", "edges");
    private static final SortedSet<String> EDGE_KEYS = new TreeSet<>(List.of("name", "from", "to", "notify"));
    private static final SortedSet<String> ENDPOINT_KEYS = new TreeSet<>(List.of("kind", "name"));
    private static final Set<String> RESERVED_RESOURCE_KEYS = Set.of("name", "meta");

    /** Resource kinds mgmt has or had; named specially when converge does not implement them. */
    private static final Set<String> MGMT_KINDS = Set.of(
            "augeas", "aws:ec2", "bmc:power", "config:etcd", "consul:kv", "cron", "deploy:tar",
            "dhcp:host", "dhcp:range", "dhcp:server", "docker:container", "docker:image",
            "docker:network", "exec", "file", "firewalld", "group", "gzip", "hetzner:vm", "hostname",
            "http:file", "http:flag", "http:server", "http:ui", "kv", "mount", "msg", "net", "noop",
            "nspawn", "password", "pippet", "pkg", "print", "svc", "tar", "test", "tftp", "tftp:file",
            "tftp:server", "timer", "user", "value", "virt", "virt:builder");

    private final Kinds kinds;
    private final RecordBinder binder = new RecordBinder();

    public GraphLoader(Kinds kinds) {
        this.kinds = Objects.requireNonNull(kinds, "kinds");
    }

    /**
     * Loads the graph file at {@code file}; diagnostics name it as given. A graph without a
     * {@code graph:} name is named after the file, extension removed.
     *
     * @throws IOException           when the file cannot be read
     * @throws InvalidGraphException carrying every problem found, when there is at least one error
     *                               (including text that is not UTF-8)
     */
    public LoadedGraph load(Path file) throws IOException, InvalidGraphException {
        String source = file.toString();
        return parse(source, decode(source, Files.readAllBytes(file)));
    }

    /**
     * Loads a graph from text; {@code sourceName} names it in diagnostics (a file name, an etcd
     * key) and, without a {@code graph:} key, gives the graph its name (last path segment,
     * extension removed).
     *
     * @throws InvalidGraphException carrying every problem found, when there is at least one error
     */
    public LoadedGraph parse(String sourceName, String yaml) throws InvalidGraphException {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(yaml, "yaml");
        return new Run(sourceName).load(yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml);
    }

    private static String decode(String source, byte[] bytes) throws InvalidGraphException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            out.flip();
            int line = 1;
            int column = 1;
            for (int i = 0; i < out.length(); i++) {
                if (out.charAt(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            throw new InvalidGraphException(List.of(Diagnostic.error(new SourceLocation(source, line, column),
                    String.format("not UTF-8 text: invalid byte 0x%02x", bytes[in.position()] & 0xff))));
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    private String kindProblem(String kind) {
        String implemented = String.join(", ", kinds.names());
        return MGMT_KINDS.contains(kind)
                ? "kind '" + kind + "' is an mgmt kind that converge does not implement (it implements: "
                        + implemented + ")"
                : "unknown kind '" + kind + "' (kinds: " + implemented + ")";
    }

    /** The state of one load: what was found so far. */
    private final class Run {

        private final String source;
        private final List<Diagnostic> diagnostics = new ArrayList<>();
        /**
         * The first declaration of each id, in declaration order. A declaration with errors is
         * held as a placeholder with the kind's defaults, so that edges to it are still checked
         * for missing ends and cycles; a graph holding one is never returned.
         */
        private final Map<ResourceId, ResourceSpec> specs = new LinkedHashMap<>();
        /** The ids of {@link #specs} that are placeholders. */
        private final Set<ResourceId> broken = new HashSet<>();
        private final List<EdgeSpec> edges = new ArrayList<>();
        private final Map<ResourceId, Integer> merged = new LinkedHashMap<>();

        Run(String source) {
            this.source = source;
        }

        LoadedGraph load(String yaml) throws InvalidGraphException {
            YamlNode root;
            try {
                root = YamlTreeReader.read(source, yaml, diagnostics);
            } catch (YamlTreeReader.SyntaxError e) {
                diagnostics.add(e.diagnostic());
                throw failure();
            }
            if (root == null || root instanceof YamlNode.Scalar s && s.isNull()) {
                error(root == null ? new SourceLocation(source, 1, 1) : root.location(),
                        "the file holds no graph: expected a map with keys " + String.join(", ", TOP_LEVEL_KEYS));
                throw failure();
            }
            if (!(root instanceof YamlNode.Mapping top)) {
                error(root.location(), "the top level must be a map with keys " + String.join(", ", TOP_LEVEL_KEYS)
                        + ", got " + YamlNode.describe(root));
                throw failure();
            }
            String name = nameFromSource();
            for (YamlNode.Entry entry : top.entries()) {
                switch (entry.key()) {
                    case "graph" -> name = graphName(entry).orElse(name);
                    case "comment" -> {
                        if (!(entry.value() instanceof YamlNode.Scalar)) {
                            error(entry.value().location(),
                                    "comment: expected text, got " + YamlNode.describe(entry.value()));
                        }
                    }
                    case "resources", "edges" -> {
                        // Read below, resources first, wherever they appear.
                    }
                    case "remote" -> error(entry.keyLocation(),
                            "remote: (mgmt's remote execution over ssh) is not supported by converge");
                    case "collect" -> error(entry.keyLocation(),
                            "collect: (mgmt's exported resources) is not supported");
                    default -> error(entry.keyLocation(), "unknown top-level key '" + entry.key() + "' (keys: "
                            + String.join(", ", TOP_LEVEL_KEYS) + ")");
                }
            }
            top.entry("resources").ifPresent(this::resources);
            top.entry("edges").ifPresent(this::edges);
            samePaths();
            removedAccounts();

            GraphSnapshot snapshot = null;
            try {
                snapshot = GraphSnapshot.of(name, specs.values(), edges);
            } catch (InvalidGraphException e) {
                diagnostics.addAll(e.diagnostics());
            }
            diagnostics.sort(Comparator.comparingInt((Diagnostic d) -> d.where().line())
                    .thenComparingInt(d -> d.where().column()));
            if (snapshot == null || diagnostics.stream().anyMatch(Diagnostic::isError)) {
                throw failure();
            }
            return new LoadedGraph(snapshot, diagnostics, merged);
        }

        private InvalidGraphException failure() {
            return new InvalidGraphException(diagnostics);
        }

        private void error(SourceLocation where, String message) {
            diagnostics.add(Diagnostic.error(where, message));
        }

        private long errorCount() {
            return diagnostics.stream().filter(Diagnostic::isError).count();
        }

        private String nameFromSource() {
            String base = source.substring(Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\')) + 1);
            int dot = base.lastIndexOf('.');
            if (dot > 0) {
                base = base.substring(0, dot);
            }
            return base.isEmpty() ? "graph" : base;
        }

        private Optional<String> graphName(YamlNode.Entry entry) {
            if (entry.value() instanceof YamlNode.Scalar s) {
                if (!printable(s, "graph: the graph's name")) {
                    return Optional.empty();
                }
                return s.text().isBlank() ? Optional.empty() : Optional.of(s.text());
            }
            error(entry.value().location(),
                    "graph: expected the graph's name, got " + YamlNode.describe(entry.value()));
            return Optional.empty();
        }

        // ---- resources ----

        private void resources(YamlNode.Entry entry) {
            YamlNode value = entry.value();
            if (value instanceof YamlNode.Scalar s && s.isNull()) {
                return;
            }
            if (!(value instanceof YamlNode.Mapping byKind)) {
                error(value.location(), "resources: expected a map from kind to a list of resources, got "
                        + YamlNode.describe(value));
                return;
            }
            for (YamlNode.Entry kindEntry : byKind.entries()) {
                ResourceKind<?> kind = kinds.get(kindEntry.key()).orElse(null);
                if (kind == null) {
                    error(kindEntry.keyLocation(), kindProblem(kindEntry.key()));
                    continue;
                }
                YamlNode list = kindEntry.value();
                if (list instanceof YamlNode.Scalar s && s.isNull()) {
                    continue;
                }
                if (!(list instanceof YamlNode.Sequence items)) {
                    error(list.location(),
                            kind.name() + ": expected a list of resources, got " + YamlNode.describe(list));
                    continue;
                }
                for (YamlNode item : items.items()) {
                    resource(kind, item);
                }
            }
        }

        private void resource(ResourceKind<?> kind, YamlNode node) {
            if (!(node instanceof YamlNode.Mapping item)) {
                error(node.location(), kind.name() + ": a resource must be a map with a name and fields, got "
                        + YamlNode.describe(node));
                return;
            }
            long errorsBefore = errorCount();
            String name = resourceName(kind, item);
            String label = name == null ? kind.name() + " resource" : ResourceId.of(kind.name(), name).toString();

            SortedSet<String> fields = binder.fieldNames(kind.paramsType());
            var known = new ArrayList<YamlNode.Entry>();
            for (YamlNode.Entry e : item.entriesExcept(RESERVED_RESOURCE_KEYS)) {
                if (fields.contains(e.key())) {
                    known.add(e);
                } else {
                    var all = new TreeSet<>(fields);
                    all.addAll(RESERVED_RESOURCE_KEYS);
                    error(e.keyLocation(), label + ": unknown field '" + e.key() + "' for " + kind.name()
                            + " (fields: " + String.join(", ", all) + ")");
                }
            }
            Optional<YamlNode.Entry> metaEntry = item.entry("meta");
            MetaParams meta = metaEntry.isPresent() ? meta(label, metaEntry.get()) : MetaParams.DEFAULTS;
            var mismatches = new ArrayList<RecordBinder.Mismatch>();
            Record params = binder.bind(kind.defaults(), known, "", item.location(), mismatches);
            mismatches.forEach(m -> error(m.where(), label + ": " + m.message()));

            if (meta != null) {
                report(label, item, meta.validate());
            }
            if (params != null && name != null) {
                report(label, item, kind.validateRecord(name, params));
            }
            if (name == null) {
                return;
            }
            ResourceId id = ResourceId.of(kind.name(), name);
            if (errorCount() != errorsBefore) {
                if (!specs.containsKey(id)) {
                    specs.put(id, new ResourceSpec(id, kind, kind.defaults(), MetaParams.DEFAULTS, item.location()));
                    broken.add(id);
                }
                return;
            }
            var spec = new ResourceSpec(id, kind, params, meta, item.location());
            ResourceSpec first = specs.get(id);
            if (first == null) {
                specs.put(id, spec);
            } else if (broken.contains(id)) {
                return;
            } else if (first.sameDeclaration(spec)) {
                merged.merge(id, 1, Integer::sum);
                diagnostics.add(new Diagnostic(Problem.Severity.INFO, first.location(),
                        id + " declared again at " + item.location() + " identically; merged"));
            } else {
                error(item.location(), id + " declared again with different "
                        + String.join(", ", differences(first, spec))
                        + " (first declared at " + first.location() + ")");
            }
        }

        /**
         * Reports each resource that manages a path an earlier resource of its kind manages
         * ({@link ResourceKind#managedPath}): one error naming both, at the later one, with the
         * first one's location.
         */
        private void samePaths() {
            var owners = new HashMap<String, ResourceSpec>();
            for (ResourceSpec spec : specs.values()) {
                if (broken.contains(spec.id())) {
                    continue;
                }
                Optional<Path> path = spec.kind().managedPathOf(spec.id().name(), spec.params());
                if (path.isEmpty()) {
                    continue;
                }
                ResourceSpec first = owners.putIfAbsent(spec.kind().name() + " " + path.get(), spec);
                if (first != null) {
                    error(spec.location(), spec.id() + " and " + first.id() + " (at " + first.location()
                            + ") both manage " + path.get() + "; one path takes one " + spec.kind().name()
                            + " resource");
                }
            }
        }

        /**
         * Reports each resource that needs an account ({@link ResourceKind#accountHints}) another
         * resource of the graph removes: a user in a group declared absent, an exec running as a
         * user declared absent. One error at the needing resource, naming the remover and where it
         * is declared.
         */
        private void removedAccounts() {
            var hints = new LinkedHashMap<ResourceSpec, AccountHints>();
            var removers = new HashMap<Account, ResourceSpec>();
            for (ResourceSpec spec : specs.values()) {
                if (broken.contains(spec.id())) {
                    continue;
                }
                AccountHints h = spec.kind().accountHintsOf(spec.id().name(), spec.params());
                hints.put(spec, h);
                h.removes().forEach(a -> removers.putIfAbsent(a, spec));
            }
            hints.forEach((spec, h) -> {
                for (Account need : new TreeSet<>(h.needs())) {
                    ResourceSpec remover = removers.get(need);
                    if (remover != null && !remover.id().equals(spec.id())) {
                        error(spec.location(), spec.id() + " needs " + need + ", which " + remover.id() + " (at "
                                + remover.location() + ") removes with state: absent");
                    }
                }
            });
        }

        /** The resource's name, or null after reporting why there is none usable. */
        private String resourceName(ResourceKind<?> kind, YamlNode.Mapping item) {
            Optional<YamlNode.Entry> entry = item.entry("name");
            if (entry.isEmpty()) {
                error(item.location(), kind.name() + " resource has no name");
                return null;
            }
            YamlNode value = entry.get().value();
            if (!(value instanceof YamlNode.Scalar s)) {
                error(value.location(),
                        kind.name() + " resource: name: expected a string, got " + YamlNode.describe(value));
                return null;
            }
            if (s.text().isBlank()) {
                error(entry.get().keyLocation(), kind.name() + " resource has an empty name");
                return null;
            }
            if (!printable(s, kind.name() + " resource: name")) {
                return null;
            }
            if (s.text().startsWith("@@")) {
                error(entry.get().keyLocation(), ResourceId.of(kind.name(), s.text())
                        + ": a name starting with @@ marks an mgmt exported resource;"
                        + " exported resources are not supported");
                return null;
            }
            return s.text();
        }

        /** The bound meta block, or null after reporting its errors. */
        private MetaParams meta(String label, YamlNode.Entry entry) {
            YamlNode value = entry.value();
            if (value instanceof YamlNode.Scalar s && s.isNull()) {
                return MetaParams.DEFAULTS;
            }
            if (!(value instanceof YamlNode.Mapping block)) {
                error(value.location(),
                        label + ": meta: expected a map of meta fields, got " + YamlNode.describe(value));
                return null;
            }
            SortedSet<String> fields = binder.fieldNames(MetaParams.class);
            var known = new ArrayList<YamlNode.Entry>();
            boolean ok = true;
            for (YamlNode.Entry e : block.entries()) {
                if (fields.contains(e.key())) {
                    known.add(e);
                } else {
                    ok = false;
                    error(e.keyLocation(), label + ": unknown meta field '" + e.key() + "' (meta fields: "
                            + String.join(", ", fields) + ")");
                }
            }
            var mismatches = new ArrayList<RecordBinder.Mismatch>();
            Record meta = binder.bind(MetaParams.DEFAULTS, known, "meta.", entry.keyLocation(), mismatches);
            mismatches.forEach(m -> error(m.where(), label + ": " + m.message()));
            return ok && meta != null ? (MetaParams) meta : null;
        }

        private void report(String label, YamlNode.Mapping item, List<Problem> problems) {
            for (Problem p : problems) {
                diagnostics.add(new Diagnostic(p.severity(), locate(item, p.field()), label + ": " + p.message()));
            }
        }

        /**
         * Where to report a problem with {@code field} ({@code cmd}, {@code meta.sema}): its key
         * in the item, else the nearest enclosing key that is there, else the item.
         */
        private SourceLocation locate(YamlNode.Mapping item, String field) {
            if (field == null) {
                return item.location();
            }
            if (field.startsWith("meta.")) {
                return item.entry("meta").map(meta -> meta.value() instanceof YamlNode.Mapping block
                                ? block.entry(field.substring("meta.".length()))
                                        .map(YamlNode.Entry::keyLocation).orElse(meta.keyLocation())
                                : meta.keyLocation())
                        .orElse(item.location());
            }
            return item.entry(field).map(YamlNode.Entry::keyLocation).orElse(item.location());
        }

        private static List<String> differences(ResourceSpec a, ResourceSpec b) {
            var fields = new ArrayList<String>();
            addDifferences(a.params(), b.params(), "", fields);
            addDifferences(a.meta(), b.meta(), "meta.", fields);
            return fields;
        }

        private static void addDifferences(Record a, Record b, String prefix, List<String> out) {
            for (RecordComponent c : a.getClass().getRecordComponents()) {
                try {
                    if (!Objects.equals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
                        out.add(prefix + c.getName());
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + c.getName(), e);
                }
            }
        }

        // ---- edges ----

        private void edges(YamlNode.Entry entry) {
            YamlNode value = entry.value();
            if (value instanceof YamlNode.Scalar s && s.isNull()) {
                return;
            }
            if (!(value instanceof YamlNode.Sequence list)) {
                error(value.location(), "edges: expected a list of edges, got " + YamlNode.describe(value));
                return;
            }
            for (YamlNode item : list.items()) {
                edge(item);
            }
        }

        private void edge(YamlNode node) {
            if (!(node instanceof YamlNode.Mapping item)) {
                error(node.location(),
                        "edges: an edge must be a map with name, from and to, got " + YamlNode.describe(node));
                return;
            }
            long errorsBefore = errorCount();
            String name = text(item, "name", "edge", item.location());
            String label = name == null ? "edge" : "edge '" + name + "'";
            for (YamlNode.Entry e : item.entries()) {
                if (!EDGE_KEYS.contains(e.key())) {
                    error(e.keyLocation(), label + ": unknown key '" + e.key() + "' (keys: "
                            + String.join(", ", EDGE_KEYS) + ")");
                }
            }
            ResourceId from = endpoint(label, "from", item);
            ResourceId to = endpoint(label, "to", item);
            boolean notifies = false;
            Optional<YamlNode.Entry> notify = item.entry("notify");
            if (notify.isPresent() && notify.get().value() instanceof YamlNode.Scalar s && !s.isNull()
                    && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
                notifies = s.token() == JsonToken.VALUE_TRUE;
            } else if (notify.isPresent() && !(notify.get().value() instanceof YamlNode.Scalar s && s.isNull())) {
                error(notify.get().value().location(), label + ": notify: expected true or false, got "
                        + YamlNode.describe(notify.get().value()));
            }
            if (errorCount() == errorsBefore) {
                edges.add(new EdgeSpec(name, from, to, notifies, false, item.location()));
            }
        }

        /** The resource an edge's {@code from} or {@code to} names, or null after reporting what is wrong. */
        private ResourceId endpoint(String label, String key, YamlNode.Mapping edge) {
            Optional<YamlNode.Entry> entry = edge.entry(key);
            if (entry.isEmpty()) {
                error(edge.location(), label + ": " + key + " is missing");
                return null;
            }
            YamlNode value = entry.get().value();
            if (!(value instanceof YamlNode.Mapping end)) {
                error(value.location(), label + ": " + key + ": expected a map with kind and name, got "
                        + YamlNode.describe(value));
                return null;
            }
            for (YamlNode.Entry e : end.entries()) {
                if (!ENDPOINT_KEYS.contains(e.key())) {
                    error(e.keyLocation(), label + ": " + key + ": unknown key '" + e.key() + "' (keys: "
                            + String.join(", ", ENDPOINT_KEYS) + ")");
                }
            }
            String what = label + ": " + key;
            String kind = text(end, "kind", what, entry.get().keyLocation());
            String name = text(end, "name", what, entry.get().keyLocation());
            if (kind != null && kinds.get(kind).isEmpty()) {
                error(end.entry("kind").orElseThrow().keyLocation(), what + ": " + kindProblem(kind));
                return null;
            }
            if (kind == null || name == null) {
                return null;
            }
            // The declared resource's own id, so that a large graph holds each id once.
            ResourceId id = ResourceId.of(kind, name);
            ResourceSpec declared = specs.get(id);
            return declared == null ? id : declared.id();
        }

        /** The non-blank text under {@code key}, or null after reporting it missing, empty or not a string. */
        private String text(YamlNode.Mapping map, String key, String what, SourceLocation whereMissing) {
            Optional<YamlNode.Entry> entry = map.entry(key);
            if (entry.isEmpty()) {
                error(whereMissing, what + " has no " + key);
                return null;
            }
            YamlNode value = entry.get().value();
            if (!(value instanceof YamlNode.Scalar s)) {
                error(value.location(), what + ": " + key + ": expected a string, got " + YamlNode.describe(value));
                return null;
            }
            if (s.text().isBlank()) {
                error(entry.get().keyLocation(), what + " has an empty " + key);
                return null;
            }
            return printable(s, what + ": " + key) ? s.text() : null;
        }

        /**
         * Whether a name has no control character (C0, NUL included, or DEL), which would let it
         * forge or break log lines; reports the first one at the name's location otherwise,
         * showing the name escaped, never raw.
         */
        private boolean printable(YamlNode.Scalar name, String what) {
            String text = name.text();
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    error(name.location(), what + " contains a control character (" + String.format("U+%04X", (int) c)
                            + " at position " + (i + 1) + " of \"" + escaped(text) + "\"); names must be printable");
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code text} with each control character written as {@code \\uXXXX}, so it prints on one line as it is. */
    static String escaped(String text) {
        var out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
