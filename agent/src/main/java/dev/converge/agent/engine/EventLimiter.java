package dev.converge.agent.engine;

import java.util.function.LongSupplier;

/**
 * A token bucket for one vertex's re-checks ({@code meta.limit} per second, {@code meta.burst}
 * at once): {@link #acquire} takes one token, sleeping until one has accumulated.
 *
 * <p>Invariants: the bucket holds at most {@code max(1, burst)} tokens and starts full; it
 * refills at {@code limit} tokens per second; with a limit of 0 it never refills, so once the
 * burst is spent {@code acquire} waits until interrupted. Used by the vertex's worker only.
 */
final class EventLimiter {

    private final double perNano;
    private final double capacity;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;

    EventLimiter(double limitPerSecond, int burst, LongSupplier nanoTime) {
        if (!(limitPerSecond >= 0) || Double.isInfinite(limitPerSecond)) {
            throw new IllegalArgumentException("limit must be finite and >= 0, got " + limitPerSecond);
        }
        this.perNano = limitPerSecond / 1e9;
        this.capacity = Math.max(1, burst);
        this.nanoTime = nanoTime;
        this.tokens = capacity;
        this.last = nanoTime.getAsLong();
    }

    /** The limiter {@code meta.limit}/{@code meta.burst} ask for, or null when the limit is infinite. */
    static EventLimiter of(double limitPerSecond, int burst) {
        return Double.isInfinite(limitPerSecond) ? null : new EventLimiter(limitPerSecond, burst, System::nanoTime);
    }

    /** Takes a token, first sleeping as long as it takes for one to accumulate. */
    void acquire() throws InterruptedException {
        long wait;
        while ((wait = nanosUntilToken()) > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        tokens -= 1;
    }

    /** Refills the bucket and says how long until it holds one token (0 if it does now). */
    long nanosUntilToken() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - last) * perNano);
        last = now;
        if (tokens >= 1) {
            return 0;
        }
        return perNano == 0 ? Long.MAX_VALUE : (long) Math.ceil((1 - tokens) / perNano);
    }
}
