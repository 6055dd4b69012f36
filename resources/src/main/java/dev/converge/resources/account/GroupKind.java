package dev.converge.resources.account;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code group} kind: a local group that exists, with a given gid, or is absent; managed with
 * groupadd, groupmod and groupdel. Validation checks the name's syntax and the gid's range;
 * whether the gid is free is the tools' to say when the resource runs. See
 * docs/resources/group.md.
 */
public final class GroupKind implements ResourceKind<GroupParams> {

    public static final String NAME = "group";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<GroupParams> paramsType() {
        return GroupParams.class;
    }

    @Override
    public GroupParams defaults() {
        return GroupParams.DEFAULTS;
    }

    @Override
    public List<Problem> validate(String name, GroupParams p) {
        var problems = new ArrayList<Problem>();
        AccountNames.checkName(problems, "name", "group name", name);
        AccountNames.checkState(problems, p.state());
        AccountNames.checkId(problems, "gid", p.gid());
        if (p.state().equals("absent")) {
            if (p.gid() != null) {
                problems.add(Problem.warning("gid", "gid is ignored with state: absent"));
            }
            if (p.system()) {
                problems.add(Problem.warning("system", "system is ignored with state: absent"));
            }
        }
        return problems;
    }

    @Override
    public Resource create(String name, GroupParams params) {
        return new GroupResource(ResourceId.of(NAME, name), params);
    }

    /** Provides the group when it is to exist; removes it when absent. */
    @Override
    public AccountHints accountHints(String name, GroupParams p) {
        Account self = Account.group(name);
        return p.state().equals("absent")
                ? new AccountHints(Set.of(), Set.of(), Set.of(), Set.of(self))
                : new AccountHints(Set.of(self), Set.of(), Set.of(), Set.of());
    }
}
