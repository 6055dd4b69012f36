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

/**
 * A local group, read from {@code /etc/group} and changed with groupadd, groupmod and groupdel.
 *
 * <p>checkApply: an absent group that exists is removed; a group that is missing is created with
 * the declared {@code gid} and {@code system}; an existing group whose {@code gid} is declared and
 * differs gets it. {@code system} is not compared once the group exists: it only chooses the range
 * a new gid comes from.
 *
 * <p>watch: every change of {@code /etc/group} is an event.
 *
 * <p>Immutable and thread-safe.
 */
final class GroupResource implements Resource {

    private final ResourceId id;
    private final String name;
    private final GroupParams params;
    private final Path etc;

    GroupResource(ResourceId id, GroupParams params) {
        this(id, params, AccountDatabase.ETC);
    }

    /** A group resource that reads its state under {@code etc} (the tools always change the host's). */
    GroupResource(ResourceId id, GroupParams params, Path etc) {
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
        Optional<AccountDatabase.Group> now = AccountDatabase.readFor(id, etc).group(name);
        if (params.state().equals("absent")) {
            if (now.isEmpty()) {
                return CheckResult.ok();
            }
            if (apply) {
                ShadowTools.run(id, ctx, "groupdel", List.of(name));
            }
            return CheckResult.changed("remove group " + name + " (gid " + now.get().gid() + ")");
        }
        if (now.isEmpty()) {
            var args = new ArrayList<String>();
            if (params.system()) {
                args.add("--system");
            }
            if (params.gid() != null) {
                args.add("--gid");
                args.add(String.valueOf(params.gid()));
            }
            args.add(name);
            Long gid = params.gid();
            if (apply) {
                ShadowTools.run(id, ctx, "groupadd", args);
                gid = AccountDatabase.readFor(id, etc).group(name).map(AccountDatabase.Group::gid).orElse(gid);
            }
            return CheckResult.changed("create group " + name + (gid == null ? "" : " (gid " + gid + ")"));
        }
        if (params.gid() != null && params.gid() != now.get().gid()) {
            if (apply) {
                ShadowTools.run(id, ctx, "groupmod", List.of("--gid", String.valueOf(params.gid()), name));
            }
            return CheckResult.changed("gid " + now.get().gid() + " -> " + params.gid());
        }
        return CheckResult.ok();
    }

    @Override
    public void watch(ResourceContext ctx) throws Exception {
        AccountWatch.watch(ctx, List.of(etc.resolve("group")));
    }
}
