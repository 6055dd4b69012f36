package dev.converge.resources.svc;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;

/**
 * The systemd manager a svc resource's unit belongs to cannot be reached: no user manager runs
 * for the agent's user ({@code session: true}), or there is no system bus to watch the system
 * manager on. The message says which and what to do.
 */
public final class NoServiceManagerException extends ResourceException {

    NoServiceManagerException(ResourceId id, String message) {
        super(id, message);
    }

    NoServiceManagerException(ResourceId id, String message, Throwable cause) {
        super(id, message, cause);
    }
}
