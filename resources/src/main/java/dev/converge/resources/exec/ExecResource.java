package dev.converge.resources.exec;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;

/** PLACEHOLDER: being written by a helper; replaced before anything lands. */
final class ExecResource implements Resource {
    private final ResourceId id;

    ExecResource(ResourceId id, ExecParams params) {
        this.id = id;
    }

    @Override
    public ResourceId id() {
        return id;
    }

    @Override
    public CheckResult checkApply(ResourceContext ctx, boolean apply) throws ResourceException {
        throw new ResourceException(id, "placeholder");
    }
}
