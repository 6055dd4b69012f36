package dev.converge.resources.testing;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scriptable kind for engine tests, named {@code fake}: each resource sleeps, fails a number
 * of times, or changes as its {@link FakeParams} say, and records every call in {@link #log()}.
 *
 * <p>After its first successful apply a resource is converged: later checks return ok.
 */
public final class FakeKind implements ResourceKind<FakeParams> {

    public static final String NAME = "fake";

    private final CallLog log = new CallLog();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

    public CallLog log() {
        return log;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<FakeParams> paramsType() {
        return FakeParams.class;
    }

    @Override
    public FakeParams defaults() {
        return FakeParams.DEFAULTS;
    }

    @Override
    public List<Problem> validate(String name, FakeParams params) {
        return params.sleepMillis() < 0 ? List.of(Problem.error("sleepMillis", "must be >= 0")) : List.of();
    }

    @Override
    public Resource create(String name, FakeParams params) {
        ResourceId id = ResourceId.of(NAME, name);
        AtomicInteger failed = failures.computeIfAbsent(name, n -> new AtomicInteger());
        return new Resource() {
            private volatile boolean converged;

            @Override
            public ResourceId id() {
                return id;
            }

            @Override
            public CheckResult checkApply(ResourceContext ctx, boolean apply)
                    throws ResourceException, InterruptedException {
                int call = log.begin(id, apply);
                boolean ok = false;
                try {
                    Thread.sleep(params.sleepMillis());
                    if (params.failTimes() < 0 || failed.get() < params.failTimes()) {
                        failed.incrementAndGet();
                        throw new ResourceException(id, "scripted failure " + failed.get());
                    }
                    ok = true;
                    if (converged || !params.changes()) {
                        return CheckResult.ok();
                    }
                    if (apply) {
                        converged = true;
                    }
                    return CheckResult.changed(apply ? "applied" : "would apply");
                } finally {
                    log.end(call, !ok);
                }
            }
        };
    }
}
