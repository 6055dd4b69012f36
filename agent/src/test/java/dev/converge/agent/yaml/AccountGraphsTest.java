package dev.converge.agent.yaml;

import static dev.converge.agent.yaml.LoaderSupport.load;
import static dev.converge.agent.yaml.LoaderSupport.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.graph.Diagnostic;
import org.junit.jupiter.api.Test;

/** Graphs with user and group resources: their errors and warnings, at their lines and columns. */
class AccountGraphsTest {

    @Test
    void invalidNamesAndIdsAreErrorsAtTheirKeys() {
        assertThat(problems("""
                resources:
                  user:
                  - name: Alice
                    uid: 4294967295
                    groups: [ok, Not-ok]
                  group:
                  - name: web
                    gid: -1
                """)).containsExactly(
                "g.yaml:3:5: error: user[Alice]: user name 'Alice' is not a valid name: a lowercase letter or _,"
                        + " then lowercase letters, digits, - and _, optionally ending in $",
                "g.yaml:4:5: error: user[Alice]: uid must be from 0 to 4294967294, got 4294967295"
                        + " (4294967295 is (uid_t) -1, which the system reads as 'no id')",
                "g.yaml:5:5: error: user[Alice]: groups[1] 'Not-ok' is not a valid name: a lowercase letter or _,"
                        + " then lowercase letters, digits, - and _, optionally ending in $",
                "g.yaml:8:5: error: group[web]: gid must be from 0 to 4294967294, got -1");
    }

    @Test
    void aUserInAGroupTheGraphRemovesIsAnErrorAtTheUser() {
        assertThat(problems("""
                resources:
                  group:
                  - name: web
                    state: absent
                  - name: db
                  user:
                  - name: alice
                    group: db
                    groups: [web]
                  exec:
                  - name: backup
                    cmd: /bin/true
                    group: web
                """)).containsExactly(
                "g.yaml:7:5: error: user[alice] needs group web, which group[web] (at g.yaml:3:5) removes with"
                        + " state: absent",
                "g.yaml:11:5: error: exec[backup] needs group web, which group[web] (at g.yaml:3:5) removes with"
                        + " state: absent");
    }

    @Test
    void runningAsOrOwningAFileOfAUserTheGraphRemovesIsAnError() {
        assertThat(problems("""
                resources:
                  user:
                  - name: old
                    state: absent
                  file:
                  - name: /srv/f
                    content: x
                    owner: old
                  - name: /srv/gone
                    state: absent
                    owner: old
                """)).containsExactly(
                "g.yaml:6:5: error: file[/srv/f] needs user old, which user[old] (at g.yaml:3:5) removes with"
                        + " state: absent",
                "g.yaml:11:5: warning: file[/srv/gone]: owner is ignored with state: absent");
    }

    @Test
    void mgmtsAbsentUserWithAGidLoadsWithAWarning() throws Exception {
        LoadedGraph loaded = load("""
                resources:
                  user:
                  - name: edgeuser
                    state: absent
                    gid: 10000
                  - name: edgeuser2
                    group: edgegroup
                    groups: [edgegroup2]
                  group:
                  - name: edgegroup
                    gid: 10000
                  - name: edgegroup2
                """);

        assertThat(loaded.diagnostics()).extracting(Diagnostic::toString)
                .containsExactly("g.yaml:5:5: warning: user[edgeuser]: gid is ignored with state: absent");
        assertThat(loaded.snapshot().size()).isEqualTo(4);
    }

    @Test
    void aWrongTypeIsABindingErrorAtTheValue() {
        assertThat(problems("""
                resources:
                  user:
                  - name: alice
                    uid: many
                    groups: web
                """)).containsExactly(
                "g.yaml:4:10: error: user[alice]: uid: expected a whole number, got 'many'",
                "g.yaml:5:13: error: user[alice]: groups: expected a list of strings, got 'web'");
    }
}
