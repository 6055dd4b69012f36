package dev.converge.agent.dot;

import static guru.nidi.graphviz.model.Factory.mutGraph;
import static guru.nidi.graphviz.model.Factory.mutNode;
import static guru.nidi.graphviz.model.Factory.to;

import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.resources.ResourceId;
import guru.nidi.graphviz.attribute.Attributes;
import guru.nidi.graphviz.attribute.Color;
import guru.nidi.graphviz.attribute.ForLink;
import guru.nidi.graphviz.attribute.ForNode;
import guru.nidi.graphviz.attribute.Label;
import guru.nidi.graphviz.attribute.Shape;
import guru.nidi.graphviz.attribute.Style;
import guru.nidi.graphviz.model.MutableGraph;
import guru.nidi.graphviz.model.MutableNode;
import guru.nidi.graphviz.model.Serializer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * DOT text of a resource graph: the plan before anything ran, or the same graph with each
 * resource coloured by its outcome.
 *
 * <p>The output is a directed graph named after the snapshot. Each resource is a node with id
 * and label {@code kind[name]}, in declaration order; each edge is labelled with its name, in
 * {@link GraphSnapshot#edges()} order. Notify edges are bold and purple, labelled
 * {@code name (notify)}; automatic edges are dashed and grey. Resources whose {@code meta.hidden}
 * is set are left out together with their edges. The text depends only on its inputs (never on
 * the iteration order of the maps passed in) and ends with a newline.
 */
public final class PlanDrawing {

    /** Colours as {@link Color#rgb(String)} takes them: six hex digits. */
    private static final String NOTIFY_COLOR = "6a1b9a";
    private static final String AUTO_COLOR = "757575";
    private static final String CRITICAL_COLOR = "d32f2f";
    private static final int CRITICAL_WIDTH = 3;

    private final GraphSnapshot graph;
    /** Null when drawing the plan. */
    private final Map<ResourceId, Status> statuses;
    private final Map<ResourceId, Duration> durations;
    private final Set<ResourceId> criticalNodes;
    private final Set<List<ResourceId>> criticalSteps;

    private PlanDrawing(
            GraphSnapshot graph,
            Map<ResourceId, Status> statuses,
            Map<ResourceId, Duration> durations,
            List<ResourceId> criticalPath) {
        this.graph = Objects.requireNonNull(graph, "graph");
        this.statuses = statuses;
        this.durations = Objects.requireNonNull(durations, "durations");
        this.criticalNodes = Set.copyOf(criticalPath);
        var steps = new HashSet<List<ResourceId>>();
        for (int i = 0; i + 1 < criticalPath.size(); i++) {
            steps.add(List.of(criticalPath.get(i), criticalPath.get(i + 1)));
        }
        this.criticalSteps = steps;
    }

    /** The plan: every visible resource and edge, uncoloured. */
    public static String plan(GraphSnapshot graph) {
        return new PlanDrawing(graph, null, Map.of(), List.of()).draw();
    }

    /**
     * The graph after a run: each node filled by its status and labelled with the status name.
     * A resource missing from {@code statuses} is drawn as {@link Status#PENDING}.
     */
    public static String result(GraphSnapshot graph, Map<ResourceId, Status> statuses) {
        return result(graph, statuses, Map.of(), List.of());
    }

    /**
     * Like {@link #result(GraphSnapshot, Map)}, and also labels each node found in
     * {@code durations} with its duration ({@code 340 ms}, {@code 1.23 s}) and draws the nodes of
     * {@code criticalPath}, and the edges between consecutive ones, thick and red. Ids of
     * resources that are hidden or not in the graph are ignored.
     */
    public static String result(
            GraphSnapshot graph,
            Map<ResourceId, Status> statuses,
            Map<ResourceId, Duration> durations,
            List<ResourceId> criticalPath) {
        Objects.requireNonNull(statuses, "statuses");
        Objects.requireNonNull(criticalPath, "criticalPath");
        return new PlanDrawing(graph, statuses, durations, criticalPath).draw();
    }

    private String draw() {
        MutableGraph dot = mutGraph(literal(graph.name())).setDirected(true);
        dot.nodeAttrs().add(Shape.BOX, Style.combine(Style.ROUNDED, Style.FILLED), Color.rgb("ffffff").fill());
        dot.linkAttrs().add(Attributes.attr("fontsize", 10));

        var nodes = new LinkedHashMap<ResourceId, MutableNode>();
        for (ResourceSpec spec : graph.resources().values()) {
            if (!spec.meta().hidden()) {
                MutableNode node = mutNode(literal(spec.id().toString())).add(nodeAttributes(spec.id()));
                dot.add(node);
                nodes.put(spec.id(), node);
            }
        }
        // The serializer lists nodes in the order it first reaches them, following links depth
        // first. So links start from separate nodes of the same name, added after all declared
        // ones: the serializer merges each into its declared node, which keeps declaration order.
        var sources = new LinkedHashMap<ResourceId, MutableNode>();
        for (EdgeSpec edge : graph.edges()) {
            MutableNode from = nodes.get(edge.from());
            MutableNode target = nodes.get(edge.to());
            if (from != null && target != null) {
                sources.computeIfAbsent(edge.from(), id -> mutNode(from.name()))
                        .addLink(to(target).with(edgeAttributes(edge)));
            }
        }
        sources.values().forEach(dot::add);
        return new Serializer().notValidating().serialize(dot) + "\n";
    }

    private Attributes<ForNode> nodeAttributes(ResourceId id) {
        var attributes = new ArrayList<Attributes<? extends ForNode>>();
        if (statuses == null) {
            attributes.add(Label.of(literal(id.toString())));
        } else {
            Status status = statuses.getOrDefault(id, Status.PENDING);
            Duration took = durations.get(id);
            attributes.add(Label.of(literal(id.toString()) + "\n" + status
                    + (took == null ? "" : " (" + format(took) + ")")));
            attributes.add(Color.rgb(fill(status)).fill());
        }
        if (criticalNodes.contains(id)) {
            attributes.add(Color.rgb(CRITICAL_COLOR));
            attributes.add(Attributes.attr("penwidth", CRITICAL_WIDTH));
        }
        return Attributes.attrs(attributes);
    }

    private Attributes<ForLink> edgeAttributes(EdgeSpec edge) {
        var attributes = new ArrayList<Attributes<? extends ForLink>>();
        attributes.add(Label.of(literal(edge.name()) + (edge.notifies() ? " (notify)" : "")));
        Style<? extends ForLink> style = edge.notifies() && edge.auto()
                ? Style.combine(Style.BOLD, Style.DASHED)
                : edge.notifies() ? Style.BOLD : edge.auto() ? Style.DASHED : null;
        if (style != null) {
            attributes.add(style);
        }
        boolean critical = criticalSteps.contains(List.of(edge.from(), edge.to()));
        String color = critical ? CRITICAL_COLOR : edge.notifies() ? NOTIFY_COLOR : edge.auto() ? AUTO_COLOR : null;
        if (color != null) {
            // Line and label text in the same colour.
            attributes.add(Color.rgb(color));
            attributes.add(Color.rgb(color).font());
        }
        if (critical) {
            attributes.add(Attributes.attr("penwidth", CRITICAL_WIDTH));
        }
        return Attributes.attrs(attributes);
    }

    private static String fill(Status status) {
        return switch (status) {
            case OK -> "c8e6c9";
            case CHANGED -> "bbdefb";
            case WOULD_CHANGE -> "e1f5fe";
            case DEFERRED -> "f3e5f5";
            case FAILED -> "ef9a9a";
            case SKIPPED -> "e0e0e0";
            case PENDING -> "ffffff";
            case RUNNING -> "fff59d";
        };
    }

    /** {@code 340 ms} below a second, else seconds to two decimals: {@code 1.23 s}. */
    static String format(Duration duration) {
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return duration.toMillis() + " ms";
        }
        return BigDecimal.valueOf(duration.toMillis(), 3).setScale(2, RoundingMode.HALF_UP) + " s";
    }

    /**
     * Text that DOT shows as written. DOT reads a backslash in a label as an escape, and the
     * serializer escapes quotes but not backslashes, so a {@code \"} inside a name would end the
     * string early; doubling every backslash avoids both.
     */
    private static String literal(String text) {
        return text.replace("\\", "\\\\");
    }
}
