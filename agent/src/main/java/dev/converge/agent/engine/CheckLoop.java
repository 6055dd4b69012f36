package dev.converge.agent.engine;

import dev.converge.resources.CheckResult;
import dev.converge.resources.MembersFailedException;
import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One check of a vertex, as its worker runs it: the refresh it answers, its permits, checkApply
 * with its retries and {@code meta.timeout}, and what the result means for the vertex (its
 * status) and for its children (what they are owed, recorded before the status is published);
 * and the quiet check of a poll tick. Called by the vertex's worker only.
 */
final class CheckLoop {

    private final Engine engine;
    private final EngineOptions options;
    private final Permits permits;

    CheckLoop(Engine engine, EngineOptions options, Permits permits) {
        this.engine = engine;
        this.options = options;
        this.permits = permits;
    }

    /**
     * A poll tick: checkApply without apply, quietly. Drift found makes the vertex owe a normal
     * check; a state found right is no activity for the converger.
     */
    void pollCheck(Vertex v) throws InterruptedException {
        Permits.Held held = permits.acquire(v.permitNames, name -> { });
        CheckResult result;
        try {
            result = TimedCall.checkApply(v, false, v.spec.meta().timeout());
        } catch (ResourceException e) {
            result = null;
            engine.emit(new EngineEvent.Message(v.id, true, "poll check failed: " + e.getMessage()));
        } finally {
            permits.release(held);
        }
        if (result == null || !result.isOk()) {
            if (result != null) {
                engine.emit(new EngineEvent.Message(v.id, false,
                        "poll found drift: " + String.join(", ", result.changes())));
            }
            engine.driftFound(v);
        }
    }

    /**
     * The worker: one check of {@code v}, answering {@code work}, with its retries. Its effects on
     * the children are recorded before its status is published. A check that does not complete
     * (interrupted, retired, halted) owes its work again.
     */
    void check(Vertex v, Vertex.Work work) throws InterruptedException {
        MetaParams meta = v.spec.meta();
        boolean apply = !(options.noop() || meta.noop());
        if (!work.notifiedBy().isEmpty()) {
            engine.emit(new EngineEvent.Message(v.id, false, (apply ? "refresh" : "would refresh") + " (notified by "
                    + work.notifiedBy().stream().map(ResourceId::toString).sorted().collect(Collectors.joining(", "))
                    + ")"));
        }
        v.refreshing = !work.notifiedBy().isEmpty();
        boolean completed = false;
        try {
            completed = attempts(v, meta, apply, work);
        } finally {
            v.refreshing = false;
            if (!completed) {
                v.giveBack(work);
            }
        }
    }

    /** Runs checkApply until it returns, fails for good, or is stopped; true unless stopped before it ended. */
    private boolean attempts(Vertex v, MetaParams meta, boolean apply, Vertex.Work work) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Permits.Held held = permits.acquire(v.permitNames,
                    name -> engine.emit(new EngineEvent.Waiting(v.id, name)));
            if (!engine.callStarting()) {
                permits.release(held);
                return false;
            }
            v.publish(Status.RUNNING);
            engine.emit(new EngineEvent.Started(v.id, apply, attempt));
            long start = System.nanoTime();
            CheckResult result = null;
            String error = null;
            MembersFailedException membersFailed = null;
            try {
                result = TimedCall.checkApply(v, apply, meta.timeout());
            } catch (MembersFailedException e) {
                error = e.getMessage();
                membersFailed = v.spec.isGroup() ? e : null;
            } catch (ResourceException e) {
                error = e.getMessage();
            } catch (RuntimeException e) {
                error = "internal error: " + e;
            } finally {
                permits.release(held);
                engine.callEnded();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            if (result != null) {
                v.checkFailures.succeeded();
                Status status = result.isOk() ? Status.OK : apply ? Status.CHANGED : Status.WOULD_CHANGE;
                if (status != Status.OK) {
                    engine.oweChildren(v, apply, null);
                }
                v.publish(status);
                engine.emit(new EngineEvent.Finished(v.id, status, result, apply, took));
                engine.completeHaltIfIdle();
                return true;
            }
            if (v.retired) {
                return false;
            }
            List<ResourceId> first = apply ? List.of() : v.parentsThatWouldChange();
            if (!first.isEmpty()) {
                v.checkFailures.succeeded();
                v.publish(Status.DEFERRED);
                engine.emit(new EngineEvent.Finished(v.id, Status.DEFERRED, CheckResult.changed("would be checked after "
                        + first.stream().map(ResourceId::toString).collect(Collectors.joining(", "))
                        + " (checked now: " + error + ")"), false, took));
                engine.completeHaltIfIdle();
                return true;
            }
            if (!v.checkFailures.failed() || engine.halted()) {
                v.keepRefreshes(work);
                if (membersFailed == null) {
                    v.publish(Status.FAILED);
                } else {
                    Set<ResourceId> failed = membersFailed.failures().keySet().stream()
                            .map(name -> ResourceId.of(v.id.kind(), name)).collect(Collectors.toSet());
                    if (!membersFailed.othersChanged().isEmpty()) {
                        engine.oweChildren(v, apply, failed);
                    }
                    v.failMembers(failed);
                }
                engine.emit(new EngineEvent.Failed(v.id, error, attempt, took, null));
                engine.failedPermanently(v);
                return true;
            }
            v.publish(Status.PENDING);
            engine.emit(new EngineEvent.Failed(v.id, error, attempt, took, Duration.ofMillis(meta.delay())));
            Thread.sleep(meta.delay());
        }
    }
}
