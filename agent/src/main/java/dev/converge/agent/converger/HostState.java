package dev.converge.agent.converger;

import dev.converge.agent.engine.Status;
import java.util.Collection;

/**
 * Where the whole host stands at one moment, as an operator reads it: applying, converged, or
 * settled with failures. Immutable; any thread.
 *
 * @param phase      see {@link Phase}
 * @param resources  resources in the running graph
 * @param running    of which being checked or applied now
 * @param failed     of which failed
 * @param skipped    of which skipped because a parent failed
 * @param settled    whether every resource has a settled status ({@link Status#settled}): the
 *                   first pass over the graph is over
 * @param generation the running graph's generation: 1 for the first graph, one more per swap
 */
public record HostState(Phase phase, int resources, int running, int failed, int skipped, boolean settled,
        int generation) {

    /** The host's phase. */
    public enum Phase {
        /** Some resource has work to do, or the graph is still to come. */
        APPLYING,
        /** Nothing has work to do and every resource is in its desired state. */
        CONVERGED,
        /** Nothing has work to do, but some resource failed or was skipped. */
        FAILED
    }

    /** The state of a graph whose resources have {@code statuses}, with the converger {@code idle} or not. */
    public static HostState of(Collection<Status> statuses, boolean idle, int generation) {
        int running = 0;
        int failed = 0;
        int skipped = 0;
        boolean settled = true;
        for (Status s : statuses) {
            running += s == Status.RUNNING ? 1 : 0;
            failed += s == Status.FAILED ? 1 : 0;
            skipped += s == Status.SKIPPED ? 1 : 0;
            settled &= s.settled();
        }
        Phase phase = !idle ? Phase.APPLYING : failed + skipped > 0 ? Phase.FAILED : Phase.CONVERGED;
        return new HostState(phase, statuses.size(), running, failed, skipped, settled, generation);
    }

    /**
     * One line for systemd's {@code STATUS=}: "converged: 120 resources, generation 3",
     * "applying: 3 of 120 running, 1 failed", "not converged: 1 of 120 failed, 2 skipped,
     * generation 3", or "waiting for a graph".
     */
    public String describe() {
        return switch (phase) {
            case CONVERGED -> "converged: " + resources + (resources == 1 ? " resource" : " resources")
                    + ", generation " + generation;
            case APPLYING -> resources == 0 && generation == 0 ? "waiting for a graph"
                    : "applying: " + running + " of " + resources + " running" + problems() + ", generation " + generation;
            case FAILED -> "not converged: " + failed + " of " + resources + " failed"
                    + (skipped > 0 ? ", " + skipped + " skipped" : "") + ", generation " + generation;
        };
    }

    private String problems() {
        return (failed > 0 ? ", " + failed + " failed" : "") + (skipped > 0 ? ", " + skipped + " skipped" : "");
    }
}
