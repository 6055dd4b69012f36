package dev.converge.resources.process;

/** A command ran past its timeout; its process group was killed (the message says whether all of it died). */
public final class CommandTimeoutException extends CommandException {

    CommandTimeoutException(String message) {
        super(message, null);
    }
}
