package dev.converge.resources.testing;

import dev.converge.resources.CheckResult;
import dev.converge.resources.MembersFailedException;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A scriptable kind for engine tests, named {@code fake}: each resource sleeps, fails a number
 * of times, or changes as its {@link FakeParams} say, and records every call in {@link #log()}.
 * A test can make a running resource {@linkplain #drift drift}, its next checks {@linkplain
 * #failNext fail}, or its watch {@linkplain #failWatch fail}, and run a {@linkplain #onCheck hook}
 * (a latch, a barrier) inside its checkApply to force an interleaving.
 *
 * <p>After its first successful apply a resource is converged: later checks return ok until it
 * drifts. Fakes with the same {@link FakeParams#group} group into one resource named
 * {@code autogroup:(a,b)} that records one call.
 */
public final class FakeKind implements ResourceKind<FakeParams> {

    public static final String NAME = "fake";

    private final CallLog log = new CallLog();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<String>> watchScripts = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> converged = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> scriptedFailures = new ConcurrentHashMap<>();
    private final Map<String, Hook> hooks = new ConcurrentHashMap<>();
    private final Map<String, Throwable> watchesFailingAtStart = new ConcurrentHashMap<>();
    private final Set<String> failingMembers = ConcurrentHashMap.newKeySet();
    private final List<String> implicitSemaphores;

    /**
     * What a test runs inside a fake's checkApply, after the call is logged and before it sleeps
     * or decides its result: wait on a latch, meet at a barrier, count down. Runs on the thread
     * that calls checkApply.
     */
    @FunctionalInterface
    public interface Hook {

        /** @param ctx the context of the call, e.g. to ask whether it refreshes */
        void run(ResourceContext ctx) throws Exception;
    }

    public FakeKind() {
        this(List.of());
    }

    /** A fake kind whose resources all hold {@code implicitSemaphores} while applying. */
    public FakeKind(List<String> implicitSemaphores) {
        this.implicitSemaphores = List.copyOf(implicitSemaphores);
    }

    public CallLog log() {
        return log;
    }

    /**
     * Makes resource {@code name} unconverged, as if someone changed the host behind its back,
     * and has its watch (if it is watched) report an event.
     */
    public void drift(String name) {
        converged(name).set(false);
        script(name).add("event");
    }

    private AtomicBoolean converged(String name) {
        return converged.computeIfAbsent(name, n -> new AtomicBoolean());
    }

    /** Makes the next {@code times} checkApply calls of resource {@code name} fail. */
    public void failNext(String name, int times) {
        scriptedFailures(name).addAndGet(times);
    }

    private AtomicInteger scriptedFailures(String name) {
        return scriptedFailures.computeIfAbsent(name, n -> new AtomicInteger());
    }

    /**
     * Runs {@code hook} inside every later checkApply of resource {@code name}; an exception it
     * throws (other than an interrupt) fails the call.
     */
    public void onCheck(String name, Hook hook) {
        hooks.put(name, hook);
    }

    /**
     * Makes every later checkApply of a group holding member {@code name} fail in that member
     * alone ({@link MembersFailedException}), the other members being applied.
     */
    public void failMember(String name) {
        failingMembers.add(name);
    }

    /** Makes the watch of the running resource {@code name} fail with {@code message}. */
    public void failWatch(String name, String message) {
        script(name).add("fail:" + message);
    }

    /**
     * Makes the watch of resource {@code name}, once created, throw {@code failure} at once,
     * before it says it is running (an {@link Exception} or an {@link Error}).
     */
    public void failWatchAtStart(String name, Throwable failure) {
        watchesFailingAtStart.put(name, failure);
    }

    private BlockingQueue<String> script(String name) {
        return watchScripts.computeIfAbsent(name, n -> new LinkedBlockingQueue<>());
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
    public PathHints pathHints(String name, FakeParams params) {
        return new PathHints(
                params.provides().stream().map(Path::of).collect(Collectors.toSet()),
                params.needs().stream().map(Path::of).collect(Collectors.toSet()));
    }

    @Override
    public Optional<String> groupKey(String name, FakeParams params) {
        return params.group().isEmpty() ? Optional.empty() : Optional.of(params.group());
    }

    @Override
    public Resource createGroup(SequencedMap<String, FakeParams> members) {
        String name = "autogroup:(" + String.join(",", members.sequencedKeySet()) + ")";
        return create(name, members.firstEntry().getValue(), List.copyOf(members.sequencedKeySet()));
    }

    @Override
    public List<String> implicitSemaphores() {
        return implicitSemaphores;
    }

    /** Throws when some of {@code members} are scripted to fail; {@code othersChange} says whether the rest changed. */
    private void failMembers(ResourceId id, List<String> members, boolean othersChange) throws MembersFailedException {
        var failures = new LinkedHashMap<String, String>();
        members.stream().filter(failingMembers::contains).forEach(m -> failures.put(m, "scripted member failure"));
        if (!failures.isEmpty()) {
            throw new MembersFailedException(id, failures, othersChange ? List.of("applied") : List.of());
        }
    }

    private void runHook(String name, ResourceContext ctx) throws ResourceException, InterruptedException {
        Hook hook = hooks.get(name);
        if (hook == null) {
            return;
        }
        try {
            hook.run(ctx);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new ResourceException(ResourceId.of(NAME, name), "hook failed: " + e, e);
        }
    }

    @Override
    public Resource create(String name, FakeParams params) {
        return create(name, params, List.of());
    }

    private Resource create(String name, FakeParams params, List<String> members) {
        ResourceId id = ResourceId.of(NAME, name);
        AtomicInteger failed = failures.computeIfAbsent(name, n -> new AtomicInteger());
        BlockingQueue<String> watchScript = script(name);
        AtomicBoolean converged = converged(name);
        AtomicInteger failNext = scriptedFailures(name);
        return new Resource() {

            @Override
            public ResourceId id() {
                return id;
            }

            @Override
            public void watch(ResourceContext ctx) throws Exception {
                switch (watchesFailingAtStart.get(name)) {
                    case null -> { }
                    case Exception e -> throw e;
                    case Error e -> throw e;
                    case Throwable t -> throw new IllegalStateException(t);
                }
                ctx.running();
                while (true) {
                    String step = watchScript.take();
                    if (step.startsWith("fail:")) {
                        throw new ResourceException(id, step.substring("fail:".length()));
                    }
                    ctx.event();
                }
            }

            @Override
            public CheckResult checkApply(ResourceContext ctx, boolean apply)
                    throws ResourceException, InterruptedException {
                int call = log.begin(id, apply, ctx.refreshing());
                boolean ok = false;
                try {
                    runHook(name, ctx);
                    Thread.sleep(params.sleepMillis());
                    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new ResourceException(id, "scripted failure (failNext)");
                    }
                    if (params.failTimes() < 0 || failed.get() < params.failTimes()) {
                        failed.incrementAndGet();
                        throw new ResourceException(id, "scripted failure " + failed.get());
                    }
                    failMembers(id, members, apply && params.changes() && !converged.get());
                    ok = true;
                    if (ctx.refreshing()) {
                        return CheckResult.changed("refreshed");
                    }
                    if (converged.get() || !params.changes()) {
                        return CheckResult.ok();
                    }
                    if (apply) {
                        converged.set(true);
                    }
                    return CheckResult.changed(apply ? "applied" : "would apply");
                } finally {
                    log.end(call, !ok);
                }
            }
        };
    }
}
