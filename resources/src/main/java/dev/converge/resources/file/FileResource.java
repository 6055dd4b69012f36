package dev.converge.resources.file;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;

/** PLACEHOLDER: being written by a helper; replaced before anything lands. */
final class FileResource implements Resource {
    private final ResourceId id;

    FileResource(ResourceId id, String path, FileParams params) {
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
