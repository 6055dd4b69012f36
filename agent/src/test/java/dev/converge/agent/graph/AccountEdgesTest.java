package dev.converge.agent.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.yaml.GraphLoader;
import dev.converge.resources.Kinds;
import dev.converge.resources.ResourceId;
import org.junit.jupiter.api.Test;

/** Autoedges from account hints: who comes before whom among users, groups, execs and files. */
class AccountEdgesTest {

    private static GraphSnapshot plan(String yaml) throws Exception {
        return Planner.plan(new GraphLoader(Kinds.builtIn()).parse("g.yaml", yaml).snapshot());
    }

    private static ResourceId id(String kind, String name) {
        return ResourceId.of(kind, name);
    }

    @Test
    void groupsComeBeforeTheirUserAndTheUserBeforeWhatRunsAsItOrOwnsAFile() throws Exception {
        GraphSnapshot g = plan("""
                resources:
                  exec:
                  - name: build
                    cmd: /bin/true
                    user: alice
                  - name: by-number
                    cmd: /bin/true
                    user: "1000"
                  file:
                  - name: /srv/app.conf
                    content: x
                    owner: alice
                    group: web
                  user:
                  - name: alice
                    group: web
                    groups: [ops]
                  group:
                  - name: web
                  - name: ops
                """);

        assertThat(g.parents(id("user", "alice"))).containsExactlyInAnyOrder(id("group", "web"), id("group", "ops"));
        assertThat(g.parents(id("exec", "build"))).containsExactly(id("user", "alice"));
        assertThat(g.parents(id("exec", "by-number"))).isEmpty();
        assertThat(g.parents(id("file", "/srv/app.conf")))
                .containsExactlyInAnyOrder(id("user", "alice"), id("group", "web"));
        assertThat(g.edges()).filteredOn(e -> e.to().equals(id("exec", "build"))).singleElement()
                .satisfies(e -> {
                    assertThat(e.auto()).isTrue();
                    assertThat(e.name()).isEqualTo("auto: user alice");
                });
    }

    @Test
    void aUserIsRemovedBeforeTheGroupsItNamesAndItsPrivateGroup() throws Exception {
        GraphSnapshot g = plan("""
                resources:
                  group:
                  - name: web
                    state: absent
                  - name: alice
                    state: absent
                  user:
                  - name: alice
                    state: absent
                    groups: [web]
                """);

        assertThat(g.parents(id("group", "web"))).containsExactly(id("user", "alice"));
        assertThat(g.parents(id("group", "alice"))).containsExactly(id("user", "alice"));
        assertThat(g.parents(id("user", "alice"))).isEmpty();
    }

    @Test
    void autoedgeFalseKeepsAnAccountApart() throws Exception {
        GraphSnapshot g = plan("""
                resources:
                  exec:
                  - name: build
                    cmd: /bin/true
                    user: alice
                  user:
                  - name: alice
                    meta: {autoedge: false}
                """);

        assertThat(g.edges()).isEmpty();
    }

    @Test
    void theHomeDirectoryOrdersFilesBelowIt() throws Exception {
        GraphSnapshot g = plan("""
                resources:
                  file:
                  - name: /srv/alice/.profile
                    content: x
                  user:
                  - name: alice
                    homedir: /srv/alice/
                """);

        assertThat(g.parents(id("file", "/srv/alice/.profile"))).containsExactly(id("user", "alice"));
    }
}
