package dev.converge.resources.exec;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.util.List;

/**
 * A command of an {@code exec} resource ended in a way that fails the resource: {@code cmd} or
 * {@code donecmd} exited non-zero, or {@code watchcmd} exited at all. The message names the
 * command and its status and ends with the last lines it printed, so a summary can say why.
 */
public final class CommandFailedException extends ResourceException {

    private final String command;
    private final int status;
    private final List<String> outputTail;

    /**
     * @param command    how messages name the command, e.g. {@code donecmd `touch /done`}
     * @param status     its exit status
     * @param outputTail its last lines of stdout and stderr, oldest first
     * @param why        what the exit means, e.g. {@code exited with status 2}
     */
    CommandFailedException(ResourceId id, String command, int status, List<String> outputTail, String why) {
        super(id, command + " " + why + (outputTail.isEmpty() ? ""
                : "; last " + outputTail.size() + " line(s) of output:\n" + String.join("\n", outputTail)));
        this.command = command;
        this.status = status;
        this.outputTail = List.copyOf(outputTail);
    }

    /** How messages name the command, e.g. {@code `make`} or {@code donecmd `touch /done`}. */
    public String command() {
        return command;
    }

    /** The exit status; 128 + N when a signal N killed the command. */
    public int status() {
        return status;
    }

    /** The last lines the command printed (stdout and stderr in arrival order), oldest first. */
    public List<String> outputTail() {
        return outputTail;
    }
}
