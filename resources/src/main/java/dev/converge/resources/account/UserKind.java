package dev.converge.resources.account;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code user} kind: a local user that exists, with the declared uid, primary group,
 * supplementary groups, home directory and shell, or is absent; managed with useradd, usermod and
 * userdel. Validation checks syntax and ranges: whether ids and groups are free or exist is the
 * tools' to say when the resource runs. See docs/resources/user.md.
 */
public final class UserKind implements ResourceKind<UserParams> {

    public static final String NAME = "user";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<UserParams> paramsType() {
        return UserParams.class;
    }

    @Override
    public UserParams defaults() {
        return UserParams.DEFAULTS;
    }

    @Override
    public List<Problem> validate(String name, UserParams p) {
        var problems = new ArrayList<Problem>();
        AccountNames.checkName(problems, "name", "user name", name);
        AccountNames.checkState(problems, p.state());
        AccountNames.checkId(problems, "uid", p.uid());
        AccountNames.checkId(problems, "gid", p.gid());
        if (p.group() != null) {
            AccountNames.checkName(problems, "group", "group", p.group());
        }
        if (p.gid() != null && p.group() != null) {
            problems.add(Problem.error("group", "give the primary group as gid or as group, not both"));
        }
        if (p.groups() != null) {
            var seen = new HashSet<String>();
            for (int i = 0; i < p.groups().size(); i++) {
                String g = p.groups().get(i);
                AccountNames.checkName(problems, "groups", "groups[" + i + "]", g);
                if (!seen.add(g)) {
                    problems.add(Problem.error("groups", "groups names '" + g + "' twice"));
                } else if (g.equals(p.group())) {
                    problems.add(Problem.error("groups", "groups lists the primary group '" + g
                            + "'; groups are the supplementary ones"));
                }
            }
        }
        absolute(problems, "homedir", p.homedir());
        absolute(problems, "shell", p.shell());
        if (p.state().equals("absent")) {
            ignoredWhenAbsent(problems, "uid", p.uid() != null);
            ignoredWhenAbsent(problems, "gid", p.gid() != null);
            ignoredWhenAbsent(problems, "homedir", p.homedir() != null);
            ignoredWhenAbsent(problems, "shell", p.shell() != null);
            ignoredWhenAbsent(problems, "system", p.system());
            ignoredWhenAbsent(problems, "allowduplicateuid", p.allowduplicateuid());
        } else if (p.allowduplicateuid() && p.uid() == null) {
            problems.add(Problem.warning("allowduplicateuid", "allowduplicateuid has no effect without uid"));
        }
        return problems;
    }

    @Override
    public Resource create(String name, UserParams params) {
        return new UserResource(ResourceId.of(NAME, name), params);
    }

    /**
     * A user to exist provides itself and needs its {@code group} and {@code groups}. A user to be
     * absent removes itself and releases the groups it names and the group of its own name (the
     * user private group useradd makes), so their removal waits for its own.
     */
    @Override
    public AccountHints accountHints(String name, UserParams p) {
        var groups = new LinkedHashSet<Account>();
        if (p.group() != null) {
            groups.add(Account.group(p.group()));
        }
        if (p.groups() != null) {
            p.groups().forEach(g -> groups.add(Account.group(g)));
        }
        Account self = Account.user(name);
        if (p.state().equals("absent")) {
            groups.add(Account.group(name));
            return new AccountHints(Set.of(), Set.of(), groups, Set.of(self));
        }
        return new AccountHints(Set.of(self), groups, Set.of(), Set.of());
    }

    /**
     * Provides {@code homedir} when the user is to exist, so files declared under it come after
     * the user. Needs nothing: useradd makes missing directories above the home itself, and a
     * need there would make a cycle with a directory above the home that the user owns.
     */
    @Override
    public PathHints pathHints(String name, UserParams p) {
        if (p.homedir() == null || p.state().equals("absent")) {
            return PathHints.NONE;
        }
        return new PathHints(Set.of(Path.of(p.homedir()).normalize()), Set.of());
    }

    private static void ignoredWhenAbsent(List<Problem> problems, String field, boolean set) {
        if (set) {
            problems.add(Problem.warning(field, field + " is ignored with state: absent"));
        }
    }

    private static void absolute(List<Problem> problems, String field, String path) {
        if (path == null) {
            return;
        }
        if (!path.startsWith("/")) {
            problems.add(Problem.error(field, field + " must be an absolute path, got '" + path + "'"));
            return;
        }
        if (path.indexOf(':') >= 0 || path.indexOf(',') >= 0 || path.chars().anyMatch(Character::isISOControl)) {
            problems.add(Problem.error(field, field + " must not contain ':', ',' or control characters"
                    + " (they would break /etc/passwd), got '" + path + "'"));
            return;
        }
        try {
            Path.of(path);
        } catch (InvalidPathException e) {
            problems.add(Problem.error(field, field + " is not a valid path: " + e.getReason()));
        }
    }
}
