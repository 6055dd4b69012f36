package dev.converge.resources.process;

/**
 * A command could not run to its end: it could not start ({@link CommandStartException}) or ran
 * out of time ({@link CommandTimeoutException}). The message names the command; a caller adds
 * whose command it was (a resource's id, say).
 */
public abstract sealed class CommandException extends Exception
        permits CommandStartException, CommandTimeoutException {

    CommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
