package dev.converge.agent.engine;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import java.time.Duration;

/**
 * What the engine reports about one resource. Listeners receive these on the resource's own
 * worker thread, so events of one resource arrive in order and events of different resources
 * interleave.
 */
public sealed interface EngineEvent {

    ResourceId id();

    /** checkApply begins; {@code apply} is false in noop mode. */
    record Started(ResourceId id, boolean apply, int attempt) implements EngineEvent {}

    /** The resource waits for a permit it could not take at once ({@code "--parallel"} or a semaphore name). */
    record Waiting(ResourceId id, String permit) implements EngineEvent {}

    /** checkApply returned: {@code status} is OK or CHANGED. {@code waited} is time spent for parents and permits. */
    record Finished(ResourceId id, Status status, CheckResult result, boolean apply, Duration took, Duration waited)
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

    /** A line the resource logged itself. */
    record Message(ResourceId id, boolean warning, String text) implements EngineEvent {}

    /** A line a command of the resource printed on {@code stream} ("stdout" or "stderr"). */
    record Output(ResourceId id, String stream, String line) implements EngineEvent {}
}
