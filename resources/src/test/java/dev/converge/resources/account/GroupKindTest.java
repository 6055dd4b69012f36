package dev.converge.resources.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.Problem;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Validation and hints of the group kind. */
class GroupKindTest {

    private final GroupKind kind = new GroupKind();

    private List<String> problems(String name, GroupParams p) {
        return kind.validate(name, p).stream().map(e -> e.severity() + " " + e.field() + ": " + e.message()).toList();
    }

    @Test
    void aValidGroup() {
        assertThat(kind.validate("web", GroupParams.DEFAULTS)).isEmpty();
        assertThat(kind.validate("web", new GroupParams("exists", 10000L, true))).isEmpty();
        assertThat(kind.validate("web", new GroupParams("absent", null, false))).isEmpty();
    }

    @Test
    void nameStateAndGidAreChecked() {
        assertThat(problems("Web", new GroupParams("gone", 4_294_967_295L, false))).containsExactly(
                "ERROR name: group name 'Web' is not a valid name: a lowercase letter or _, then lowercase letters,"
                        + " digits, - and _, optionally ending in $",
                "ERROR state: state must be 'exists' or 'absent', got 'gone'",
                "ERROR gid: gid must be from 0 to 4294967294, got 4294967295 (4294967295 is (uid_t) -1, which the"
                        + " system reads as 'no id')");
        assertThat(problems("g".repeat(33), GroupParams.DEFAULTS))
                .containsExactly("ERROR name: group name '" + "g".repeat(33) + "' is longer than 32 characters");
    }

    @Test
    void gidAndSystemOfAnAbsentGroupAreWarnedAbout() {
        assertThat(kind.validate("web", new GroupParams("absent", 10L, true))).extracting(Problem::message)
                .containsExactly("gid is ignored with state: absent", "system is ignored with state: absent");
        assertThat(kind.validate("web", new GroupParams("absent", 10L, true))).noneMatch(Problem::isError);
    }

    @Test
    void aGroupProvidesOrRemovesItself() {
        assertThat(kind.accountHints("web", GroupParams.DEFAULTS))
                .isEqualTo(new AccountHints(Set.of(Account.group("web")), Set.of(), Set.of(), Set.of()));
        assertThat(kind.accountHints("web", new GroupParams("absent", null, false)))
                .isEqualTo(new AccountHints(Set.of(), Set.of(), Set.of(), Set.of(Account.group("web"))));
    }
}
