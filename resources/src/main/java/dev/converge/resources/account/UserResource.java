package dev.converge.resources.account;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A local user, read from {@code /etc/passwd} and {@code /etc/group} and changed with useradd,
 * usermod and userdel.
 *
 * <p>checkApply compares only the fields the declaration sets. An absent user that exists is
 * removed with {@code userdel}, its home directory and mail kept. A missing user is created with
 * every field set (one useradd); a non-system user gets its home directory made
 * ({@code --create-home}, from {@code /etc/skel}), a system user none. An existing user that
 * differs gets one usermod with every differing field; a new {@code homedir} is recorded, nothing
 * is moved. {@code system} is not compared once the user exists.
 *
 * <p>watch: every change of {@code /etc/passwd} or {@code /etc/group} (where supplementary
 * groups live) is an event. {@code /etc/shadow} is not watched: it holds passwords and ageing,
 * which this kind does not manage.
 *
 * <p>Immutable and thread-safe.
 */
final class UserResource implements Resource {

    private final ResourceId id;
    private final String name;
    private final UserParams params;
    private final Path etc;

    UserResource(ResourceId id, UserParams params) {
        this(id, params, AccountDatabase.ETC);
    }

    /** A user resource that reads its state under {@code etc} (the tools always change the host's). */
    UserResource(ResourceId id, UserParams params, Path etc) {
        this.id = id;
        this.name = id.name();
        this.params = params;
        this.etc = etc;
    }

    @Override
    public ResourceId id() {
        return id;
    }

    @Override
    public CheckResult checkApply(ResourceContext ctx, boolean apply) throws ResourceException, InterruptedException {
        AccountDatabase db = AccountDatabase.readFor(id, etc);
        Optional<AccountDatabase.User> now = db.user(name);
        if (params.state().equals("absent")) {
            if (now.isEmpty()) {
                return CheckResult.ok();
            }
            if (apply) {
                ShadowTools.run(id, ctx, "userdel", List.of(name));
            }
            return CheckResult.changed("remove user " + name + " (uid " + now.get().uid() + ")");
        }
        if (now.isEmpty()) {
            return create(ctx, apply);
        }
        return modify(ctx, apply, db, now.get());
    }

    private CheckResult create(ResourceContext ctx, boolean apply) throws ResourceException, InterruptedException {
        var args = new ArrayList<String>();
        if (params.system()) {
            args.add("--system");
        }
        if (params.uid() != null) {
            args.add("--uid");
            args.add(String.valueOf(params.uid()));
            if (params.allowduplicateuid()) {
                args.add("--non-unique");
            }
        }
        if (params.gid() != null || params.group() != null) {
            args.add("--gid");
            args.add(params.group() != null ? params.group() : String.valueOf(params.gid()));
        }
        if (params.groups() != null && !params.groups().isEmpty()) {
            args.add("--groups");
            args.add(String.join(",", params.groups()));
        }
        if (params.homedir() != null) {
            args.add("--home-dir");
            args.add(home(params.homedir()));
        }
        args.add(params.system() ? "--no-create-home" : "--create-home");
        if (params.shell() != null) {
            args.add("--shell");
            args.add(params.shell());
        }
        args.add(name);
        Long uid = params.uid();
        if (apply) {
            ShadowTools.run(id, ctx, "useradd", args);
            uid = AccountDatabase.readFor(id, etc).user(name).map(AccountDatabase.User::uid).orElse(uid);
        }
        return CheckResult.changed("create user " + name + (uid == null ? "" : " (uid " + uid + ")"));
    }

    private CheckResult modify(ResourceContext ctx, boolean apply, AccountDatabase db, AccountDatabase.User now)
            throws ResourceException, InterruptedException {
        var changes = new ArrayList<String>();
        var args = new ArrayList<String>();
        if (params.uid() != null && params.uid() != now.uid()) {
            changes.add("uid " + now.uid() + " -> " + params.uid());
            args.add("--uid");
            args.add(String.valueOf(params.uid()));
            if (params.allowduplicateuid()) {
                args.add("--non-unique");
            }
        }
        if (params.gid() != null && params.gid() != now.gid()) {
            changes.add("primary group " + db.describeGroup(now.gid()) + " -> " + db.describeGroup(params.gid()));
            args.add("--gid");
            args.add(String.valueOf(params.gid()));
        }
        if (params.group() != null) {
            Optional<AccountDatabase.Group> wanted = db.group(params.group());
            if (wanted.isEmpty() || wanted.get().gid() != now.gid()) {
                changes.add("primary group " + db.describeGroup(now.gid()) + " -> " + params.group());
                args.add("--gid");
                args.add(params.group());
            }
        }
        if (params.groups() != null) {
            Set<String> current = db.supplementaryGroups(name);
            Set<String> wanted = new TreeSet<>(params.groups());
            if (!current.equals(wanted)) {
                changes.add("groups " + current + " -> " + wanted);
                args.add("--groups");
                args.add(String.join(",", wanted));
            }
        }
        if (params.homedir() != null && !home(params.homedir()).equals(home(now.home()))) {
            changes.add("home " + now.home() + " -> " + home(params.homedir()));
            args.add("--home");
            args.add(home(params.homedir()));
        }
        if (params.shell() != null && !params.shell().equals(now.shell())) {
            changes.add("shell " + (now.shell().isEmpty() ? "(none)" : now.shell()) + " -> " + params.shell());
            args.add("--shell");
            args.add(params.shell());
        }
        if (changes.isEmpty()) {
            return CheckResult.ok();
        }
        if (apply) {
            args.add(name);
            ShadowTools.run(id, ctx, "usermod", args);
        }
        return new CheckResult(changes);
    }

    /** A home directory as passwd holds it: normalized, without a trailing {@code /} (but {@code /} itself). */
    private static String home(String path) {
        return path.isEmpty() ? path : Path.of(path).normalize().toString();
    }

    @Override
    public void watch(ResourceContext ctx) throws Exception {
        AccountWatch.watch(ctx, List.of(etc.resolve("passwd"), etc.resolve("group")));
    }
}
