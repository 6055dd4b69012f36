package dev.converge.agent.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.ResourceId;
import dev.converge.resources.noop.NoopKind;
import dev.converge.resources.noop.NoopParams;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphSnapshotTest {

    private final NoopKind noop = new NoopKind();

    private ResourceId id(String name) {
        return ResourceId.of("noop", name);
    }

    @Test
    void topologicalOrderPutsParentsFirstAndKeepsDeclarationOrderForTies() {
        GraphSnapshot g = TestGraphs.of(noop)
                .add("z", NoopParams.DEFAULTS)
                .add("c", NoopParams.DEFAULTS)
                .edges("b->c", "a->b")
                .build();
        assertThat(g.topologicalOrder()).containsExactly(id("z"), id("a"), id("b"), id("c"));
        assertThat(g.parents(id("c"))).containsExactly(id("b"));
        assertThat(g.descendants(id("a"))).containsExactlyInAnyOrder(id("b"), id("c"));
    }

    @Test
    void cycleIsSpelledOutWithTheLocationOfItsFirstEdge() {
        InvalidGraphException e = TestGraphs.of(noop).edges("a->b", "b->a").buildInvalid();
        assertThat(e.errors()).hasSize(1);
        Diagnostic d = e.errors().getFirst();
        assertThat(d.message()).startsWith("cycle: noop[a] -> noop[b] -> noop[a] (edges e1, e2)");
        assertThat(d.where().line()).isEqualTo(100);
    }

    @Test
    void longerCycleAndSelfLoopAreEachReported() {
        InvalidGraphException e = TestGraphs.of(noop)
                .edges("x->y", "y->z", "z->x", "z->w", "s->s")
                .buildInvalid();
        assertThat(e.errors()).extracting(Diagnostic::message).containsExactlyInAnyOrder(
                "cycle: noop[x] -> noop[y] -> noop[z] -> noop[x] (edges e1, e2, e3)",
                "cycle: noop[s] -> noop[s] (edges e5)");
    }

    @Test
    void edgeToUndeclaredResourceIsAnErrorThatSuggestsAKindWithThatName() {
        var spec = new ResourceSpec(id("a"), noop, NoopParams.DEFAULTS, dev.converge.resources.MetaParams.DEFAULTS,
                SourceLocation.UNKNOWN);
        var edge = new EdgeSpec("e1", id("a"), ResourceId.of("exec", "a"), false, false,
                new SourceLocation("g.yaml", 7, 3));
        try {
            GraphSnapshot.of("g", List.of(spec), List.of(edge));
            throw new AssertionError("accepted");
        } catch (InvalidGraphException e) {
            assertThat(e.errors()).singleElement().hasToString(
                    "g.yaml:7:3: error: edge 'e1' refers to exec[a], which is not declared (did you mean noop[a]?)");
        }
    }

    @Test
    void edgesAreListedInDeclarationOrderOfTheirSource() {
        GraphSnapshot g = TestGraphs.of(noop).edges("b->c", "a->c", "a->b").build();
        assertThat(g.edges()).extracting(EdgeSpec::name).containsExactly("e1", "e3", "e2");
    }
}
