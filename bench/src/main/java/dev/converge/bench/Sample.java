package dev.converge.bench;

/**
 * One timed whole-process run.
 *
 * @param wallSeconds from just before the process is started to just after it has been reaped,
 *                    by {@link System#nanoTime()} in the driver (includes the ~1 ms of /usr/bin/time)
 * @param peakRssKb   GNU time's {@code %M}: the wait4 {@code ru_maxrss} of the tool, i.e. the largest
 *                    resident set of any single process in its tree (not their sum)
 * @param inProcessSeconds converge only: the time the agent itself reports, from reading the graph
 *                    file to its summary (load and plan, apply, converge, report), without JVM start
 *                    and exit; NaN for the other tools
 */
public record Sample(double wallSeconds, long peakRssKb, double inProcessSeconds) {
}
