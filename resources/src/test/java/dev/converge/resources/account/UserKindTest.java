package dev.converge.resources.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Validation and hints of the user kind. */
class UserKindTest {

    private final UserKind kind = new UserKind();

    private static UserParams user(String state, Long uid, Long gid, String group, List<String> groups, String homedir,
            String shell, boolean system, boolean allowduplicateuid) {
        return new UserParams(state, uid, gid, group, groups, homedir, shell, system, allowduplicateuid);
    }

    private static UserParams withUid(long uid) {
        return user("exists", uid, null, null, null, null, null, false, false);
    }

    private List<String> errors(String name, UserParams p) {
        return kind.validate(name, p).stream().filter(Problem::isError).map(e -> e.field() + ": " + e.message())
                .toList();
    }

    private List<String> warnings(String name, UserParams p) {
        return kind.validate(name, p).stream().filter(e -> !e.isError()).map(e -> e.field() + ": " + e.message())
                .toList();
    }

    @Test
    void theDefaultsAreAValidUserThatExists() {
        assertThat(kind.validate("alice", UserParams.DEFAULTS)).isEmpty();
        assertThat(UserParams.DEFAULTS.state()).isEqualTo("exists");
        assertThat(kind.validate("_svc-1", UserParams.DEFAULTS)).isEmpty();
        assertThat(kind.validate("host$", UserParams.DEFAULTS)).isEmpty();
        assertThat(kind.validate("a".repeat(32), UserParams.DEFAULTS)).isEmpty();
    }

    @Test
    void namesFollowDebiansNameRegexAndAre32CharactersAtMost() {
        for (String bad : List.of("Alice", "1alice", "-alice", "al ice", "al:ice", "alice$x", "al.ice", "élise")) {
            assertThat(errors(bad, UserParams.DEFAULTS)).as(bad).containsExactly("name: user name '" + bad
                    + "' is not a valid name: a lowercase letter or _, then lowercase letters, digits, - and _,"
                    + " optionally ending in $");
        }
        assertThat(errors("a".repeat(33), UserParams.DEFAULTS))
                .containsExactly("name: user name '" + "a".repeat(33) + "' is longer than 32 characters");
    }

    @Test
    void idsRunFrom0To4294967294() {
        assertThat(errors("a", withUid(0))).isEmpty();
        assertThat(errors("a", withUid(4_294_967_294L))).isEmpty();
        assertThat(errors("a", withUid(4_294_967_295L))).containsExactly("uid: uid must be from 0 to 4294967294,"
                + " got 4294967295 (4294967295 is (uid_t) -1, which the system reads as 'no id')");
        assertThat(errors("a", withUid(-1))).containsExactly("uid: uid must be from 0 to 4294967294, got -1");
        assertThat(errors("a", user("exists", null, 1L << 32, null, null, null, null, false, false)))
                .containsExactly("gid: gid must be from 0 to 4294967294, got 4294967296");
    }

    @Test
    void stateIsExistsOrAbsent() {
        assertThat(errors("a", user("present", null, null, null, null, null, null, false, false)))
                .containsExactly("state: state must be 'exists' or 'absent', got 'present'");
    }

    @Test
    void groupsMustBeValidDistinctNamesWithoutThePrimaryGroup() {
        assertThat(errors("a", user("exists", null, null, "Web", List.of("ok", "Bad", "ok", "web"), null, null, false,
                false))).containsExactly(
                "group: group 'Web' is not a valid name: a lowercase letter or _, then lowercase letters, digits,"
                        + " - and _, optionally ending in $",
                "groups: groups[1] 'Bad' is not a valid name: a lowercase letter or _, then lowercase letters,"
                        + " digits, - and _, optionally ending in $",
                "groups: groups names 'ok' twice");
        assertThat(errors("a", user("exists", null, null, "web", List.of("web"), null, null, false, false)))
                .containsExactly("groups: groups lists the primary group 'web'; groups are the supplementary ones");
        assertThat(errors("a", user("exists", null, 100L, "users", null, null, null, false, false)))
                .containsExactly("group: give the primary group as gid or as group, not both");
        assertThat(errors("a", user("exists", null, null, null, List.of(), null, null, false, false))).isEmpty();
    }

    @Test
    void homedirAndShellAreAbsolutePathsThatFitInPasswd() {
        assertThat(errors("a", user("exists", null, null, null, null, "home/a", "bash", false, false))).containsExactly(
                "homedir: homedir must be an absolute path, got 'home/a'",
                "shell: shell must be an absolute path, got 'bash'");
        assertThat(errors("a", user("exists", null, null, null, null, "/home/a:b", null, false, false)))
                .containsExactly("homedir: homedir must not contain ':', ',' or control characters (they would"
                        + " break /etc/passwd), got '/home/a:b'");
        assertThat(errors("a", user("exists", null, null, null, null, "/home/a/", "/bin/bash", false, false))).isEmpty();
    }

    @Test
    void fieldsThatMeanNothingForAnAbsentUserAreWarnedAboutAndTheUserStillLoads() {
        UserParams absent = user("absent", 1002L, 10000L, null, null, "/home/a", "/bin/sh", true, true);

        assertThat(errors("a", absent)).isEmpty();
        assertThat(warnings("a", absent)).containsExactly(
                "uid: uid is ignored with state: absent",
                "gid: gid is ignored with state: absent",
                "homedir: homedir is ignored with state: absent",
                "shell: shell is ignored with state: absent",
                "system: system is ignored with state: absent",
                "allowduplicateuid: allowduplicateuid is ignored with state: absent");
        assertThat(warnings("a", user("absent", null, null, "web", List.of("x"), null, null, false, false))).isEmpty();
        assertThat(warnings("a", user("exists", null, null, null, null, null, null, false, true)))
                .containsExactly("allowduplicateuid: allowduplicateuid has no effect without uid");
    }

    @Test
    void aUserToExistProvidesItselfAndNeedsItsGroups() {
        AccountHints h = kind.accountHints("alice",
                user("exists", null, null, "web", List.of("a", "b"), null, null, false, false));

        assertThat(h.provides()).containsExactly(Account.user("alice"));
        assertThat(h.needs()).containsExactlyInAnyOrder(Account.group("web"), Account.group("a"), Account.group("b"));
        assertThat(h.releases()).isEmpty();
        assertThat(h.removes()).isEmpty();
    }

    @Test
    void anAbsentUserRemovesItselfAndReleasesItsGroupsAndItsPrivateGroup() {
        AccountHints h = kind.accountHints("alice", user("absent", null, null, "web", List.of("a"), null, null, false,
                false));

        assertThat(h.provides()).isEmpty();
        assertThat(h.needs()).isEmpty();
        assertThat(h.releases()).containsExactlyInAnyOrder(Account.group("web"), Account.group("a"),
                Account.group("alice"));
        assertThat(h.removes()).containsExactly(Account.user("alice"));
    }

    @Test
    void theHomeDirectoryIsProvidedWhenTheUserIsToExist() {
        assertThat(kind.pathHints("a", user("exists", null, null, null, null, "/srv/a/", null, false, false)))
                .isEqualTo(new PathHints(Set.of(Path.of("/srv/a")), Set.of()));
        assertThat(kind.pathHints("a", user("absent", null, null, null, null, "/srv/a", null, false, false)))
                .isEqualTo(PathHints.NONE);
        assertThat(kind.pathHints("a", UserParams.DEFAULTS)).isEqualTo(PathHints.NONE);
    }
}
