package dev.converge.agent.dot;

import static dev.converge.agent.dot.Fixtures.HIDDEN;
import static dev.converge.agent.dot.Fixtures.autoEdge;
import static dev.converge.agent.dot.Fixtures.demo;
import static dev.converge.agent.dot.Fixtures.edge;
import static dev.converge.agent.dot.Fixtures.graph;
import static dev.converge.agent.dot.Fixtures.id;
import static dev.converge.agent.dot.Fixtures.noop;
import static dev.converge.agent.dot.Fixtures.notifyEdge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.EdgeSpec;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.ResourceSpec;
import dev.converge.agent.graph.SourceLocation;
import dev.converge.resources.ResourceId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.NodeList;

class PlanDrawingTest {

    private static final String HEADER = """
            node ["shape"="box","style"="rounded,filled","fillcolor"="#ffffff"]
            edge ["fontsize"="10"]
            """;

    @TempDir
    Path dir;

    @Test
    void planListsNodesInDeclarationOrderAndStylesEdgesByKind() {
        assertThat(PlanDrawing.plan(demo())).isEqualTo("digraph \"demo\" {\n" + HEADER + """
                "noop[install]" ["label"="noop[install]"]
                "noop[motd]" ["label"="noop[motd]"]
                "noop[configure]" ["label"="noop[configure]"]
                "noop[start]" ["label"="noop[start]"]
                "noop[install]" -> "noop[configure]" ["label"="install-configure"]
                "noop[install]" -> "noop[start]" ["label"="install-start","style"="dashed","color"="#757575","fontcolor"="#757575"]
                "noop[configure]" -> "noop[start]" ["label"="configure-start (notify)","style"="bold","color"="#6a1b9a","fontcolor"="#6a1b9a"]
                }
                """);
    }

    @Test
    void planIsAcceptedByDot() throws Exception {
        Path svg = dir.resolve("plan.svg");
        new DotRenderer().render(PlanDrawing.plan(demo()), svg);
        assertThat(svgTexts(svg)).contains("noop[install]", "noop[motd]", "configure-start (notify)");
    }

    @Test
    void notifyingAutomaticEdgeIsBoldAndDashed() {
        GraphSnapshot g = graph("g", List.of(noop("a"), noop("b")),
                List.of(new EdgeSpec("ab", id("a"), id("b"), true, true,
                        SourceLocation.UNKNOWN)));
        assertThat(PlanDrawing.plan(g)).contains(
                "\"noop[a]\" -> \"noop[b]\" [\"label\"=\"ab (notify)\",\"style\"=\"bold,dashed\",\"color\"=\"#6a1b9a\"");
    }

    @Test
    void parallelEdgesAreAllDrawn() {
        GraphSnapshot g = graph("g", List.of(noop("a"), noop("b")),
                List.of(edge("first", "a", "b"), notifyEdge("second", "a", "b")));
        assertThat(PlanDrawing.plan(g)).contains(
                "\"noop[a]\" -> \"noop[b]\" [\"label\"=\"first\"]\n",
                "\"noop[a]\" -> \"noop[b]\" [\"label\"=\"second (notify)\"");
    }

    @Test
    void hiddenResourcesAreLeftOutWithTheirEdges() {
        GraphSnapshot g = graph("h",
                List.of(noop("a"), noop("secret", HIDDEN), noop("b")),
                List.of(edge("a-secret", "a", "secret"), edge("secret-b", "secret", "b"), edge("a-b", "a", "b")));
        assertThat(PlanDrawing.plan(g)).isEqualTo("digraph \"h\" {\n" + HEADER + """
                "noop[a]" ["label"="noop[a]"]
                "noop[b]" ["label"="noop[b]"]
                "noop[a]" -> "noop[b]" ["label"="a-b"]
                }
                """);
        assertThat(PlanDrawing.result(g, Map.of(id("secret"), Status.FAILED))).doesNotContain("secret");
    }

    @Test
    void emptyGraphIsValidDot() throws Exception {
        String dot = PlanDrawing.plan(graph("nothing", List.of(), List.of()));
        assertThat(dot).isEqualTo("digraph \"nothing\" {\n" + HEADER + "}\n");
        new DotRenderer().render(dot, dir.resolve("empty.svg"));
    }

    @Test
    void namesWithQuotesSpacesSlashesAndBackslashesSurviveDot() throws Exception {
        List<String> names = List.of(
                "with space", "/etc/nginx/nginx.conf", "say \"hi\"", "back\\slash", "quote after backslash \\\"",
                "ends in backslash\\", "\\N is not the node name", "ünïcödé ✓", "<b>not html</b> & more");
        var resources = names.stream().map(Fixtures::noop).toList();
        var edges = new ArrayList<EdgeSpec>();
        for (int i = 0; i + 1 < names.size(); i++) {
            edges.add(edge("edge \"" + i + "\" \\", names.get(i), names.get(i + 1)));
        }
        GraphSnapshot g = graph("graph \"quoted\" \\ name", resources, edges);

        Path svg = dir.resolve("names.svg");
        new DotRenderer().render(PlanDrawing.plan(g), svg);

        List<String> texts = svgTexts(svg);
        for (String name : names) {
            assertThat(texts).contains("noop[" + name + "]");
        }
        assertThat(texts).contains("edge \"0\" \\", "edge \"7\" \\");
        assertThat(texts).hasSize(names.size() + edges.size());

        Path png = dir.resolve("names.png");
        new DotRenderer().render(PlanDrawing.result(g, Map.of(id(names.get(2)), Status.FAILED)), png);
        assertThat(Files.size(png)).isPositive();
    }

    @Test
    void resultFillsEachNodeByStatusAndNamesIt() throws Exception {
        var statuses = new LinkedHashMap<ResourceId, Status>();
        var specs = new ArrayList<ResourceSpec>();
        for (Status status : Status.values()) {
            String name = status.name().toLowerCase(Locale.ROOT);
            specs.add(noop(name));
            statuses.put(id(name), status);
        }
        GraphSnapshot g = graph("statuses", specs, List.of(edge("e", "ok", "changed")));

        String dot = PlanDrawing.result(g, statuses);

        assertThat(dot).isEqualTo("digraph \"statuses\" {\n" + HEADER + """
                "noop[pending]" ["label"="noop[pending]\\nPENDING","fillcolor"="#ffffff"]
                "noop[running]" ["label"="noop[running]\\nRUNNING","fillcolor"="#fff59d"]
                "noop[ok]" ["label"="noop[ok]\\nOK","fillcolor"="#c8e6c9"]
                "noop[changed]" ["label"="noop[changed]\\nCHANGED","fillcolor"="#bbdefb"]
                "noop[would_change]" ["label"="noop[would_change]\\nWOULD-CHANGE","fillcolor"="#e1f5fe"]
                "noop[deferred]" ["label"="noop[deferred]\\nDEFERRED","fillcolor"="#f3e5f5"]
                "noop[failed]" ["label"="noop[failed]\\nFAILED","fillcolor"="#ef9a9a"]
                "noop[skipped]" ["label"="noop[skipped]\\nSKIPPED","fillcolor"="#e0e0e0"]
                "noop[ok]" -> "noop[changed]" ["label"="e"]
                }
                """);
        Path svg = dir.resolve("result.svg");
        new DotRenderer().render(dot, svg);
        assertThat(svgTexts(svg)).contains("FAILED", "SKIPPED", "noop[failed]");
    }

    @Test
    void resourceWithoutStatusIsDrawnPending() {
        String dot = PlanDrawing.result(demo(), Map.of(id("install"), Status.OK));
        assertThat(dot)
                .contains("\"noop[install]\" [\"label\"=\"noop[install]\\nOK\",\"fillcolor\"=\"#c8e6c9\"]")
                .contains("\"noop[motd]\" [\"label\"=\"noop[motd]\\nPENDING\",\"fillcolor\"=\"#ffffff\"]");
    }

    @Test
    void durationsAndCriticalPathAreDrawn() throws Exception {
        var statuses = Map.of(id("install"), Status.CHANGED, id("motd"), Status.OK,
                id("configure"), Status.CHANGED, id("start"), Status.FAILED);
        var durations = Map.of(id("install"), Duration.ofMillis(1234), id("configure"), Duration.ofMillis(40),
                id("start"), Duration.ofSeconds(75));
        List<ResourceId> critical = List.of(id("install"), id("configure"), id("start"));

        String dot = PlanDrawing.result(demo(), statuses, durations, critical);

        assertThat(dot).isEqualTo("digraph \"demo\" {\n" + HEADER + """
                "noop[install]" ["label"="noop[install]\\nCHANGED (1.23 s)","fillcolor"="#bbdefb","color"="#d32f2f","penwidth"="3"]
                "noop[motd]" ["label"="noop[motd]\\nOK","fillcolor"="#c8e6c9"]
                "noop[configure]" ["label"="noop[configure]\\nCHANGED (40 ms)","fillcolor"="#bbdefb","color"="#d32f2f","penwidth"="3"]
                "noop[start]" ["label"="noop[start]\\nFAILED (75.00 s)","fillcolor"="#ef9a9a","color"="#d32f2f","penwidth"="3"]
                "noop[install]" -> "noop[configure]" ["label"="install-configure","color"="#d32f2f","fontcolor"="#d32f2f","penwidth"="3"]
                "noop[install]" -> "noop[start]" ["label"="install-start","style"="dashed","color"="#757575","fontcolor"="#757575"]
                "noop[configure]" -> "noop[start]" ["label"="configure-start (notify)","style"="bold","color"="#d32f2f","fontcolor"="#d32f2f","penwidth"="3"]
                }
                """);
        new DotRenderer().render(dot, dir.resolve("critical.svg"));
    }

    @Test
    void criticalPathIgnoresIdsNotDrawn() {
        GraphSnapshot g = graph("g", List.of(noop("a"), noop("h", HIDDEN)), List.of(edge("a-h", "a", "h")));
        String dot = PlanDrawing.result(g, Map.of(), Map.of(), List.of(id("nowhere"), id("a"), id("h")));
        assertThat(dot).contains("\"noop[a]\" [\"label\"=\"noop[a]\\nPENDING\",\"fillcolor\"=\"#ffffff\","
                + "\"color\"=\"#d32f2f\",\"penwidth\"=\"3\"]").doesNotContain("noop[h]", "nowhere");
    }

    @Test
    void outputIsDeterministicAndIndependentOfMapOrder() {
        var names = List.of("k", "c", "x", "a", "q", "b", "m", "z", "d", "p", "e", "y", "f");
        var specs = names.stream().map(Fixtures::noop).toList();
        var edges = List.of(edge("k-c", "k", "c"), notifyEdge("k-x", "k", "x"), autoEdge("a-q", "a", "q"),
                edge("q-z", "q", "z"), notifyEdge("c-z", "c", "z"), edge("d-e", "d", "e"));
        var statuses = new HashMap<ResourceId, Status>();
        var durations = new HashMap<ResourceId, Duration>();
        for (int i = 0; i < names.size(); i++) {
            statuses.put(id(names.get(i)), Status.values()[i % Status.values().length]);
            durations.put(id(names.get(i)), Duration.ofMillis(137L * i));
        }
        var reversedStatuses = new LinkedHashMap<ResourceId, Status>();
        var reversedDurations = new LinkedHashMap<ResourceId, Duration>();
        for (String name : names.reversed()) {
            reversedStatuses.put(id(name), statuses.get(id(name)));
            reversedDurations.put(id(name), durations.get(id(name)));
        }
        var path = List.of(id("a"), id("q"), id("z"));

        String first = PlanDrawing.result(graph("d", specs, edges), statuses, durations, path);
        String second = PlanDrawing.result(graph("d", specs, edges.reversed()),
                reversedStatuses, reversedDurations, path);
        String third = PlanDrawing.result(graph("d", specs, edges),
                new TreeMap<>(statuses), new TreeMap<>(durations), path);

        assertThat(second).isEqualTo(first);
        assertThat(third).isEqualTo(first);
        assertThat(PlanDrawing.plan(graph("d", specs, edges))).isEqualTo(PlanDrawing.plan(graph("d", specs, edges)));
        assertThat(first).endsWith("}\n");
    }

    @Test
    void durationsAreMillisecondsBelowOneSecondElseSeconds() {
        assertThat(PlanDrawing.format(Duration.ZERO)).isEqualTo("0 ms");
        assertThat(PlanDrawing.format(Duration.ofNanos(999_999_999))).isEqualTo("999 ms");
        assertThat(PlanDrawing.format(Duration.ofSeconds(1))).isEqualTo("1.00 s");
        assertThat(PlanDrawing.format(Duration.ofMillis(1234))).isEqualTo("1.23 s");
        assertThat(PlanDrawing.format(Duration.ofMillis(1235))).isEqualTo("1.24 s");
        assertThat(PlanDrawing.format(Duration.ofMinutes(2))).isEqualTo("120.00 s");
    }

    /** The text of every {@code <text>} element of an SVG file, entities decoded, in document order. */
    static List<String> svgTexts(Path svg) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        NodeList nodes = factory.newDocumentBuilder().parse(svg.toFile()).getElementsByTagName("text");
        var texts = new ArrayList<String>();
        for (int i = 0; i < nodes.getLength(); i++) {
            texts.add(nodes.item(i).getTextContent());
        }
        return texts;
    }
}
