package dev.converge.resources;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine-level parameters any resource may carry in its {@code meta:} block. Field names
 * are those of the graph file; {@link #DEFAULTS} holds the value of each field left out.
 *
 * @param noop       check only, never apply
 * @param retry      retries after a failed checkApply; -1 retries forever
 * @param retryreset whether a success resets the retry count
 * @param delay      milliseconds between retries
 * @param timeout    milliseconds one checkApply may take; 0 means no limit
 * @param poll       seconds between polling checks instead of watching; 0 watches
 * @param limit      events per second accepted from the watch; infinity means unlimited
 * @param burst      events accepted at once above {@code limit}
 * @param sema       named semaphores held while applying, each {@code name} or {@code name:N}
 * @param autoedge   whether the engine may add edges to and from this resource
 * @param autogroup  whether the engine may group this resource with others of its kind
 * @param hidden     whether the resource is left out of the plan drawing
 */
public record MetaParams(
        boolean noop,
        int retry,
        boolean retryreset,
        long delay,
        long timeout,
        long poll,
        double limit,
        int burst,
        List<String> sema,
        boolean autoedge,
        boolean autogroup,
        boolean hidden) {

    public static final MetaParams DEFAULTS = new MetaParams(
            false, 0, false, 0, 0, 0, Double.POSITIVE_INFINITY, 0, List.of(), true, true, false);

    public MetaParams {
        sema = List.copyOf(sema);
    }

    /** A named counting semaphore as written in {@code sema}: {@code name} or {@code name:N}. */
    public record Semaphore(String name, int permits) {

        /** Parses {@code name} (one permit) or {@code name:N}. */
        public static Semaphore parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                return new Semaphore(text, 1);
            }
            String name = text.substring(0, colon);
            String count = text.substring(colon + 1);
            try {
                return new Semaphore(name, Integer.parseInt(count));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "semaphore '" + text + "': '" + count + "' is not a whole number of permits");
            }
        }
    }

    /** The semaphores of {@link #sema}, parsed. Call only on validated parameters. */
    public List<Semaphore> semaphores() {
        return sema.stream().map(Semaphore::parse).toList();
    }

    /** Problems with these values; field names are prefixed {@code meta.}. */
    public List<Problem> validate() {
        var problems = new ArrayList<Problem>();
        if (retry < -1) {
            problems.add(Problem.error("meta.retry", "retry must be -1 (forever) or >= 0, got " + retry));
        }
        if (delay < 0) {
            problems.add(Problem.error("meta.delay", "delay must be >= 0 milliseconds, got " + delay));
        }
        if (timeout < 0) {
            problems.add(Problem.error("meta.timeout", "timeout must be >= 0 milliseconds, got " + timeout));
        }
        if (poll < 0) {
            problems.add(Problem.error("meta.poll", "poll must be >= 0 seconds, got " + poll));
        }
        if (Double.isNaN(limit) || limit < 0) {
            problems.add(Problem.error("meta.limit", "limit must be >= 0 events per second, got " + limit));
        }
        if (burst < 0) {
            problems.add(Problem.error("meta.burst", "burst must be >= 0, got " + burst));
        }
        for (String s : sema) {
            try {
                Semaphore parsed = Semaphore.parse(s);
                if (parsed.name().isBlank()) {
                    problems.add(Problem.error("meta.sema", "semaphore '" + s + "' has no name"));
                } else if (parsed.permits() < 1) {
                    problems.add(Problem.error("meta.sema", "semaphore '" + s + "' needs at least 1 permit"));
                }
            } catch (IllegalArgumentException e) {
                problems.add(Problem.error("meta.sema", e.getMessage()));
            }
        }
        return problems;
    }
}
