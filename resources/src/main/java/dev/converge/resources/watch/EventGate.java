package dev.converge.resources.watch;

import dev.converge.resources.ResourceContext;

/**
 * Holds a watch's events back until the watch is in place: events before {@link #open} are
 * reported as one, right after {@code running()}; later ones as they come.
 *
 * <p>Threads: {@link #event} on any thread (a file watcher's, a command's reader); {@link #open}
 * once, on the watch thread.
 */
public final class EventGate {

    private final ResourceContext ctx;
    private boolean open;
    private boolean missed;

    public EventGate(ResourceContext ctx) {
        this.ctx = ctx;
    }

    /** Reports the watch running, then the events held back, if any. */
    public synchronized void open() {
        ctx.running();
        open = true;
        if (missed) {
            ctx.event();
        }
    }

    /** Reports an event now, or once the gate opens. */
    public synchronized void event() {
        if (open) {
            ctx.event();
        } else {
            missed = true;
        }
    }
}
