package dev.converge.resources.process;

import java.util.concurrent.atomic.AtomicReference;

/** Test fixture: a command run on a virtual thread of its own, its outcome kept for the test. */
final class Background {

    private Background() {
    }

    /**
     * Starts {@code command} on a new virtual thread; {@code outcome} then holds its
     * {@link GroupCommand.Result} or whatever it threw.
     */
    static Thread run(GroupCommand command, AtomicReference<Object> outcome) {
        return Thread.ofVirtual().start(() -> {
            try {
                outcome.set(command.run());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
    }
}
