package dev.converge.resources.process;

/**
 * A command did not start: it is empty, its program is not found or not executable, its working
 * directory is missing, or the system refused the process. Nothing of it ran.
 */
public final class CommandStartException extends CommandException {

    CommandStartException(String message) {
        super(message, null);
    }

    CommandStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
