package dev.converge.agent.engine;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One checkApply call, bounded by {@code meta.timeout} when it is set: the call then runs on a
 * virtual thread of its own, which is interrupted and waited for when the time is up or the
 * caller is interrupted, so no call outlives its check. Called by the vertex's worker only.
 */
final class TimedCall {

    private TimedCall() {}

    /** @param timeoutMillis 0 or less: no bound, the call runs on the caller's thread */
    static CheckResult checkApply(Vertex v, boolean apply, long timeoutMillis)
            throws ResourceException, InterruptedException {
        if (timeoutMillis <= 0) {
            return v.resource.checkApply(v.context, apply);
        }
        var task = new FutureTask<CheckResult>(() -> v.resource.checkApply(v.context, apply));
        Thread runner = Thread.ofVirtual().name("checkApply " + v.id).start(task);
        try {
            return task.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            runner.join();
            throw new ResourceException(v.id, "checkApply timed out after " + timeoutMillis + " ms (meta.timeout)");
        } catch (InterruptedException e) {
            task.cancel(true);
            runner.join();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ResourceException re) {
                throw re;
            }
            if (cause instanceof InterruptedException ie) {
                throw ie;
            }
            throw new ResourceException(v.id, "internal error: " + cause, cause);
        }
    }
}
