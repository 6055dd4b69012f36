package dev.converge.agent.etcd;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Whether etcd answers, as one agent's calls see it. The {@link EtcdStore} that an agent run
 * connects with reports the end of every call here, whichever part made it (the graph watch, the
 * status publisher, the lease keeper, a reload on SIGHUP), so an outage is told once in all:
 * <ul>
 *   <li>the first call that gets no answer logs one warning, naming etcd's endpoints, why, and the
 *       generation the agent keeps running;</li>
 *   <li>while etcd stays away, further failures log nothing;</li>
 *   <li>the first call that gets an answer again logs one info line with the outage's length.</li>
 * </ul>
 *
 * <p>Invariants: the lines alternate, a warning first: never two warnings without an "answers
 * again" line between them, never an "answers again" line without an outage. A failure opens an
 * outage only if its call began after the last answer arrived, so a call that was already under
 * way when etcd came back does not start a second outage. An interrupted or cancelled call is
 * neither an answer nor a failure: callers do not report it.
 *
 * <p>Threads: {@link #answered} and {@link #unreachable} may be called from any thread (the
 * store calls them on the watch thread, the status timer, the lease keeper and the SIGHUP
 * thread). They are synchronized and log while holding the lock, so the lines come out in the
 * order of the changes they tell.
 */
public final class Reachability {

    /** Where the lines go: the agent's log, or a test's list. */
    @FunctionalInterface
    public interface Lines {
        void line(Level level, String text);
    }

    private static final Logger LOG = LogManager.getLogger("converge");

    private final String where;
    private final LongSupplier generation;
    private final Lines lines;
    private final LongSupplier clock;

    // Guarded by this.
    private boolean answeredOnce;
    private long lastAnswer;
    private boolean down;
    private long downSince;

    /**
     * Logs to the agent's log, on {@link System#nanoTime()}'s clock.
     *
     * @param endpoints  etcd's client URLs, named in the lines
     * @param generation the generation of the graph the agent runs, 0 while it has none
     */
    public Reachability(List<URI> endpoints, LongSupplier generation) {
        this(endpoints, generation, LOG::log, System::nanoTime);
    }

    /** With the lines and the clock (nanoseconds, as {@link System#nanoTime()}) given: for tests. */
    Reachability(List<URI> endpoints, LongSupplier generation, Lines lines, LongSupplier clock) {
        this.where = "etcd at " + String.join(",", endpoints.stream().map(Object::toString).toList());
        this.generation = Objects.requireNonNull(generation, "generation");
        this.lines = Objects.requireNonNull(lines, "lines");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A call got an answer from etcd: a result, or a refusal such as permission denied. */
    public synchronized void answered() {
        long now = clock.getAsLong();
        if (down) {
            down = false;
            lines.line(Level.INFO, where + " answers " + (answeredOnce ? "again " : "") + "after "
                    + seconds(now - downSince));
        }
        answeredOnce = true;
        lastAnswer = now;
    }

    /**
     * A call got no answer: etcd refused the connection, did not answer within the deadline, or
     * the TLS handshake failed.
     *
     * @param callStarted when the call began, on this instance's clock
     * @param reason      why, in one line: {@link EtcdUnavailableException#reason()}
     */
    public synchronized void unreachable(long callStarted, String reason) {
        if (down || (answeredOnce && callStarted - lastAnswer < 0)) {
            return;
        }
        down = true;
        downSince = clock.getAsLong();
        long running = generation.getAsLong();
        lines.line(Level.WARN, where + " is unreachable: " + reason + "; the agent "
                + (running > 0 ? "keeps running generation " + running : "has no graph yet") + " and retries");
    }

    /** False from a call that got no answer until the next that got one; true before any call failed. */
    public synchronized boolean reachable() {
        return !down;
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
