package dev.converge.agent.engine;

import dev.converge.resources.MetaParams;

/**
 * {@code meta.retry}, {@code meta.delay} and {@code meta.retryreset} as one policy, used alike by
 * the check loop and the watch loop. Immutable.
 *
 * @param retry retries after a failure; -1 retries forever
 * @param delayMillis pause before each retry
 * @param reset whether a success (a check that returned, a watch that came up) forgives earlier failures
 */
record RetryPolicy(int retry, long delayMillis, boolean reset) {

    static RetryPolicy of(MetaParams meta) {
        return new RetryPolicy(meta.retry(), meta.delay(), meta.retryreset());
    }

    /** A fresh count of failures under this policy. */
    Failures failures() {
        return new Failures(this);
    }

    /**
     * The failures of one loop, counted over the vertex's life unless the policy resets them. Not
     * thread-safe: used by the one thread that runs its loop (the worker, or the watch thread).
     */
    static final class Failures {

        private final RetryPolicy policy;
        private int count;

        private Failures(RetryPolicy policy) {
            this.policy = policy;
        }

        /** Counts a failure; true when the policy allows another attempt. */
        boolean failed() {
            count++;
            return policy.retry < 0 || count <= policy.retry;
        }

        /** A success: forgives the failures so far when the policy resets. */
        void succeeded() {
            if (policy.reset) {
                count = 0;
            }
        }

        /** E.g. {@code retry 2 of 3}, or {@code retry 2} when retries are unbounded. */
        String describe() {
            return "retry " + count + (policy.retry < 0 ? "" : " of " + policy.retry);
        }
    }
}
