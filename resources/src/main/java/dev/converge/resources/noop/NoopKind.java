package dev.converge.resources.noop;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.List;

/**
 * The {@code noop} kind: a resource that is always in its desired state. A refresh it receives
 * counts as a change, so it passes the refresh on along its own notify edges (a fan-in point).
 */
public final class NoopKind implements ResourceKind<NoopParams> {

    public static final String NAME = "noop";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<NoopParams> paramsType() {
        return NoopParams.class;
    }

    @Override
    public NoopParams defaults() {
        return NoopParams.DEFAULTS;
    }

    @Override
    public List<Problem> validate(String name, NoopParams params) {
        return List.of();
    }

    @Override
    public Resource create(String name, NoopParams params) {
        ResourceId id = ResourceId.of(NAME, name);
        return new Resource() {
            @Override
            public ResourceId id() {
                return id;
            }

            @Override
            public boolean watches() {
                return false;
            }

            @Override
            public CheckResult checkApply(ResourceContext ctx, boolean apply) {
                return ctx.refreshing() ? CheckResult.changed("refreshed") : CheckResult.ok();
            }
        };
    }
}
