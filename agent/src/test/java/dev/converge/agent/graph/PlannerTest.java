package dev.converge.agent.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {

    private final FakeKind fake = new FakeKind();

    private static ResourceId id(String name) {
        return ResourceId.of(FakeKind.NAME, name);
    }

    private static FakeParams paths(List<String> provides, List<String> needs) {
        return FakeParams.DEFAULTS.withPaths(provides, needs);
    }

    private static MetaParams meta(boolean autoedge, boolean autogroup, List<String> sema) {
        MetaParams d = MetaParams.DEFAULTS;
        return new MetaParams(d.noop(), d.retry(), d.retryreset(), d.delay(), d.timeout(), d.poll(), d.limit(),
                d.burst(), sema, autoedge, autogroup, d.hidden());
    }

    @Test
    void aNeedComesAfterTheNearestProvidedAncestor() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("etc", paths(List.of("/etc"), List.of("/etc")))
                .add("nginx-dir", paths(List.of("/etc/nginx"), List.of("/etc/nginx")))
                .add("conf", paths(List.of("/etc/nginx/conf.d/site.conf"), List.of("/etc/nginx/conf.d/site.conf")))
                .build();

        GraphSnapshot planned = Planner.plan(g);

        assertThat(planned.parents(id("conf"))).containsExactly(id("nginx-dir"));
        assertThat(planned.parents(id("nginx-dir"))).containsExactly(id("etc"));
        assertThat(planned.parents(id("etc"))).isEmpty();
        assertThat(planned.edges()).allSatisfy(e -> assertThat(e.auto()).isTrue());
    }

    @Test
    void anExactProviderWinsOverTheAncestor() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("dir", paths(List.of("/etc/nginx"), List.of()))
                .add("package", paths(List.of("/etc/nginx/nginx.conf", "/usr/sbin/nginx"), List.of()))
                .add("conf", paths(List.of("/etc/nginx/nginx.conf"), List.of("/etc/nginx/nginx.conf")))
                .add("check", paths(List.of(), List.of("/usr/sbin/nginx")))
                .build();

        GraphSnapshot planned = Planner.plan(g);

        assertThat(planned.parents(id("conf"))).containsExactly(id("package"));
        assertThat(planned.parents(id("check"))).containsExactly(id("package"));
    }

    @Test
    void autoedgeFalseOnEitherEndAddsNothing() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("dir", paths(List.of("/srv"), List.of()), meta(false, true, List.of()))
                .add("file", paths(List.of("/srv/a"), List.of("/srv/a")))
                .build();

        assertThat(Planner.plan(g).edges()).isEmpty();
    }

    @Test
    void aUserEdgeIsNotDoubledByAnAutoedge() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("dir", paths(List.of("/srv"), List.of()))
                .add("file", paths(List.of("/srv/a"), List.of("/srv/a")))
                .edges("dir->file")
                .build();

        assertThat(Planner.plan(g).edges()).singleElement().satisfies(e -> assertThat(e.auto()).isFalse());
    }

    @Test
    void aCycleMadeByAutoedgesIsSpelledOut() {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("dir", paths(List.of("/srv"), List.of()))
                .add("file", paths(List.of("/srv/a"), List.of("/srv/a")))
                .edges("file->dir")
                .build();

        assertThatThrownBy(() -> Planner.plan(g)).isInstanceOf(InvalidGraphException.class)
                .hasMessageContaining("fake[dir] -> fake[file] -> fake[dir]");
    }

    @Test
    void independentResourcesWithOneKeyMergeAndTakeTheirEdgesAlong() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("a", FakeParams.DEFAULTS.withGroup("installed"))
                .add("b", FakeParams.DEFAULTS.withGroup("installed"))
                .add("c", FakeParams.DEFAULTS.withGroup("installed"))
                .add("other", FakeParams.DEFAULTS.withGroup("removed"))
                .edges("before->a", "b->after")
                .build();

        GraphSnapshot planned = Planner.plan(g);

        ResourceId group = id("autogroup:(a,b,c)");
        assertThat(planned.resources()).containsKeys(group, id("other"), id("before"), id("after"))
                .doesNotContainKeys(id("a"), id("b"), id("c"));
        assertThat(planned.resource(group).members()).extracting(ResourceSpec::id)
                .containsExactly(id("a"), id("b"), id("c"));
        assertThat(planned.parents(group)).containsExactly(id("before"));
        assertThat(planned.children(group)).containsExactly(id("after"));
    }

    @Test
    void anEdgeMovedToAGroupRemembersTheMembersItWasDeclaredFrom() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("a", FakeParams.DEFAULTS.withGroup("k"))
                .add("b", FakeParams.DEFAULTS.withGroup("k"))
                .add("c", FakeParams.DEFAULTS.withGroup("k"))
                .edges("before->a", "a->afterA", "b->both", "c->both")
                .build();

        GraphSnapshot planned = Planner.plan(g);

        ResourceId group = id("autogroup:(a,b,c)");
        assertThat(planned.edgesConnecting(group, id("afterA"))).singleElement()
                .satisfies(e -> assertThat(e.fromMembers()).containsExactly(id("a")));
        assertThat(planned.edgesConnecting(group, id("both"))).singleElement()
                .satisfies(e -> assertThat(e.fromMembers()).containsExactlyInAnyOrder(id("b"), id("c")));
        assertThat(planned.edgesConnecting(id("before"), group)).singleElement()
                .satisfies(e -> assertThat(e.fromMembers()).isEmpty());
    }

    @Test
    void resourcesJoinedByAPathAreNotMerged() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("a", FakeParams.DEFAULTS.withGroup("k"))
                .add("b", FakeParams.DEFAULTS.withGroup("k"))
                .add("c", FakeParams.DEFAULTS.withGroup("k"))
                .edges("a->middle", "middle->b")
                .build();

        GraphSnapshot planned = Planner.plan(g);

        assertThat(planned.resources()).containsKeys(id("autogroup:(a,c)"), id("b"), id("middle"));
        assertThat(planned.topologicalOrder()).containsSubsequence(id("autogroup:(a,c)"), id("middle"), id("b"));
    }

    @Test
    void mergingTwoGroupsNeverMakesACycle() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("x1", FakeParams.DEFAULTS.withGroup("x"))
                .add("x2", FakeParams.DEFAULTS.withGroup("x"))
                .add("y1", FakeParams.DEFAULTS.withGroup("y"))
                .add("y2", FakeParams.DEFAULTS.withGroup("y"))
                .edges("y1->x1", "x2->y2")
                .build();

        GraphSnapshot planned = Planner.plan(g);

        assertThat(planned.resources()).containsKey(id("autogroup:(x1,x2)"));
        assertThat(planned.resources()).containsKeys(id("y1"), id("y2"));
    }

    @Test
    void differentMetaOrAutogroupFalseKeepsResourcesApart() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("a", FakeParams.DEFAULTS.withGroup("k"))
                .add("b", FakeParams.DEFAULTS.withGroup("k"), meta(true, true, List.of("lock")))
                .add("c", FakeParams.DEFAULTS.withGroup("k"), meta(true, false, List.of()))
                .build();

        assertThat(Planner.plan(g).resources()).containsOnlyKeys(id("a"), id("b"), id("c"));
    }

    @Test
    void aGroupHoldsItsMembersSemaphoresAndItsKindsImplicitOnes() throws Exception {
        var pkgLike = new FakeKind(List.of("pkg"));
        GraphSnapshot g = TestGraphs.of(pkgLike)
                .add("a", FakeParams.DEFAULTS.withGroup("k"), meta(true, true, List.of("net:2")))
                .add("b", FakeParams.DEFAULTS.withGroup("k"), meta(true, true, List.of("net:2")))
                .build();

        ResourceSpec group = Planner.plan(g).resource(id("autogroup:(a,b)"));

        assertThat(group.semaphores()).extracting(MetaParams.Semaphore::name).containsExactly("net", "pkg");
    }
}
