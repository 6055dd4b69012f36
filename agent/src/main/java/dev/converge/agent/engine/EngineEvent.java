package dev.converge.agent.engine;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import java.time.Duration;

/**
 * What the engine reports about one resource, delivered synchronously to the listener on the
 * thread where it happened.
 *
 * <p>Threads: {@link Added} comes from the thread that starts or swaps the graph, before any
 * other event of that vertex. {@link Waiting}, {@link Started}, {@link Finished}, {@link Failed},
 * {@link Skipped} and {@link Stopped} come from the resource's own worker, one at a time and in
 * order, so a listener sees an attempt's {@code Started} before its end. {@link Message} may
 * also come from the resource's watch or poll thread, or from the thread that starts or swaps
 * the graph; {@link Output} from whichever thread reads the command's output. Events of
 * different resources interleave.
 */
public sealed interface EngineEvent {

    ResourceId id();

    /**
     * The resource's vertex joined the running graph: at start, or added or replaced by a swap.
     * Its wait for parents begins here.
     */
    record Added(ResourceId id) implements EngineEvent {}

    /**
     * checkApply is about to be called; {@code apply} is false in noop mode. Sent after the
     * attempt's permits are held, so it ends any {@link Waiting} before it.
     */
    record Started(ResourceId id, boolean apply, int attempt) implements EngineEvent {}

    /** The resource waits for a permit it could not take at once ({@code "--parallel"} or a semaphore name). */
    record Waiting(ResourceId id, String permit) implements EngineEvent {}

    /**
     * checkApply returned: {@code status} is OK, CHANGED or (not applying) WOULD_CHANGE; or, in
     * a dry run, it threw while a parent would change first: DEFERRED, with one change saying
     * after which parents it would be checked and what the check found now. {@code took} is the
     * time of the call; reports measure waits themselves.
     */
    record Finished(ResourceId id, Status status, CheckResult result, boolean apply, Duration took)
            implements EngineEvent {}

    /**
     * checkApply threw. {@code retryIn} is null when the resource has no retries left and is now
     * FAILED; otherwise it is tried again after that delay.
     */
    record Failed(ResourceId id, String message, int attempt, Duration took, Duration retryIn)
            implements EngineEvent {

        public boolean permanent() {
            return retryIn == null;
        }
    }

    /** Not checked because {@code cause} failed; {@code parent} is the parent that stopped it. */
    record Skipped(ResourceId id, ResourceId parent, ResourceId cause) implements EngineEvent {

        public String reason() {
            return parent.equals(cause) ? "parent " + cause + " failed" : cause + " failed (via " + parent + ")";
        }
    }

    /**
     * The resource's worker has ended: its vertex left the graph in a swap, or the engine
     * stopped. A checkApply that was running was interrupted and has returned without a result,
     * and a permit wait in progress was given up. The last event of the vertex.
     */
    record Stopped(ResourceId id) implements EngineEvent {}

    /** A line the resource logged itself. */
    record Message(ResourceId id, boolean warning, String text) implements EngineEvent {}

    /** A line a command of the resource printed on {@code stream} ("stdout" or "stderr"). */
    record Output(ResourceId id, String stream, String line) implements EngineEvent {}
}
