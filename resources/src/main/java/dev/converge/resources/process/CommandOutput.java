package dev.converge.resources.process;

import dev.converge.resources.ResourceContext;

/**
 * Where a {@link GroupCommand} reports what its command prints and what it warns about.
 *
 * <p>Threads: {@link #line} is called on the agent's one command-output thread, in the order each
 * stream's lines arrive, and must not block for long (it delays every command's output);
 * {@link #warn} on the thread that runs the command.
 */
public interface CommandOutput {

    /** Discards lines and warnings. */
    CommandOutput DISCARD = new CommandOutput() {
        @Override
        public void line(String stream, String line) {
        }

        @Override
        public void warn(String message) {
        }
    };

    /** Lines to the resource's output, warnings to the resource's log. */
    static CommandOutput of(ResourceContext ctx) {
        return new CommandOutput() {
            @Override
            public void line(String stream, String line) {
                ctx.output(stream, line);
            }

            @Override
            public void warn(String message) {
                ctx.warn(message);
            }
        };
    }

    /** One line the command printed, without its end of line; {@code stream} is {@code stdout} or {@code stderr}. */
    void line(String stream, String line);

    /** Something an operator should know, e.g. that the command left processes behind. */
    void warn(String message);
}
