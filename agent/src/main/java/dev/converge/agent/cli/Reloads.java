package dev.converge.agent.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The graph reloads of {@code agent run}, from file edits and from SIGHUP: one at a time, and
 * none before the graph runs (an edit made meanwhile is held until then) or once the run stops, so
 * no swap can start vertices the engine's stop would not see.
 *
 * <p>Thread-safe: the graph file watch's thread, JVM signal threads (SIGHUP) and the main thread
 * ({@link #stop}) call it; each reload runs on its caller's thread.
 */
final class Reloads {

    private static final Logger LOG = LogManager.getLogger("converge");

    private Runnable onHangup;
    private Runnable before = () -> { };
    private Runnable after = () -> { };
    /** A reload asked for before {@link #start}, run by it. */
    private Runnable held;
    private boolean started;
    private boolean stopped;

    /** Sets what SIGHUP does from now on: reload the graph from its source. */
    synchronized void onHangup(Runnable reload) {
        onHangup = reload;
    }

    /** Runs {@code before} and {@code after} around each SIGHUP reload (to tell systemd). */
    synchronized void announcedBy(Runnable before, Runnable after) {
        this.before = before;
        this.after = after;
    }

    /** SIGHUP: runs the reload set by {@link #onHangup}, or logs why there is none. */
    synchronized void hangup() {
        if (stopped) {
            LOG.warn("SIGHUP received while stopping; not reloading");
        } else if (onHangup == null) {
            LOG.warn("SIGHUP received before the graph runs; nothing to reload");
        } else {
            before.run();
            try {
                onHangup.run();
            } finally {
                after.run();
            }
        }
    }

    /** Runs {@code reload} now; before {@link #start}, holds it (the latest) until then; never once stopping. */
    synchronized void run(Runnable reload) {
        if (stopped) {
            return;
        }
        if (!started) {
            held = reload;
            return;
        }
        reload.run();
    }

    /** The graph runs: from now on reloads run, and one asked for meanwhile runs now. */
    synchronized void start() {
        started = true;
        if (held != null) {
            Runnable reload = held;
            held = null;
            reload.run();
        }
    }

    /** Waits for the reload under way, if any; no reload runs after this. */
    synchronized void stop() {
        stopped = true;
    }
}
