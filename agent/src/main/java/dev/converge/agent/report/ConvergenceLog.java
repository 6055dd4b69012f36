package dev.converge.agent.report;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.converger.HostMonitor;
import dev.converge.agent.converger.HostState;
import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The lines a service operator follows (with {@code --converged-timeout=-1}): one when the host
 * becomes converged, saying what was changed since it last was; one when it stops being
 * converged, saying which resources have work; one warning when a pass ends with failures.
 * Events {@code converged} and {@code not-converged} in JSON.
 *
 * <p>Threads: {@link #accept} on any engine thread (it only records which resources changed or
 * started); {@link #changed} on the host monitor's thread. Both under this object's lock, held
 * briefly, which {@code accept} takes only when it has something to record.
 */
public final class ConvergenceLog implements HostMonitor.Listener, Consumer<EngineEvent> {

    private static final Logger LOG = LogManager.getLogger("converge");
    /** Resources named in one line; the rest are counted. */
    static final int NAMED = 3;

    private final Converger converger;
    /** Guarded by {@code this}: resources changed since the host was last converged, the first {@link #NAMED}. */
    private final List<ResourceId> changed = new ArrayList<>();
    /** Guarded by {@code this}. */
    private int changedCount;
    /** Guarded by {@code this}: resources started since the host was last converged, the first {@link #NAMED}. */
    private final List<ResourceId> started = new ArrayList<>();
    /** Whether {@link #started} is full; written under {@code this}, read without it. */
    private volatile boolean startedKnown;
    /** Guarded by {@code this}: when the host stopped being converged (nanotime), or at start. */
    private long since = System.nanoTime();

    public ConvergenceLog(Converger converger) {
        this.converger = converger;
    }

    /**
     * Takes the lock only for a change, or a start while fewer than {@link #NAMED} are known: the
     * engine's threads send every event here, and most need nothing.
     */
    @Override
    public void accept(EngineEvent event) {
        if (event instanceof EngineEvent.Finished f && f.status() == Status.CHANGED) {
            synchronized (this) {
                if (changedCount++ < NAMED) {
                    changed.add(f.id());
                }
            }
        } else if (event instanceof EngineEvent.Started s && !startedKnown) {
            synchronized (this) {
                if (started.size() < NAMED && !started.contains(s.id())) {
                    started.add(s.id());
                    startedKnown = started.size() == NAMED;
                }
            }
        }
    }

    @Override
    public synchronized void changed(HostState previous, HostState now) {
        switch (now.phase()) {
            case CONVERGED -> {
                String what = changedCount == 0 ? "nothing changed" : "changed: " + names(changed, changedCount);
                Duration took = Duration.ofNanos(System.nanoTime() - since);
                line(Level.INFO, "converged", now.describe() + " (" + what + (previous == null ? "" : " in "
                        + RunSummary.seconds(took)) + ")", took);
                changed.clear();
                changedCount = 0;
                started.clear();
                startedKnown = false;
            }
            case FAILED -> line(Level.WARN, "not-converged", now.describe(), null);
            case APPLYING -> {
                if (previous != null && previous.phase() == HostState.Phase.CONVERGED) {
                    since = System.nanoTime();
                    Converger.Busy busy = converger.busyNow(NAMED);
                    String who = busy.count() > 0 ? names(busy.sample(), busy.count())
                            : started.isEmpty() ? "a resource" : names(started, started.size());
                    String swapped = now.generation() != previous.generation()
                            ? "generation " + now.generation() + " swapped in; " : "";
                    line(Level.INFO, "not-converged", "not converged: " + swapped + "work for " + who, null);
                }
            }
        }
    }

    private static String names(List<ResourceId> some, int count) {
        var text = new StringBuilder();
        for (ResourceId id : some) {
            text.append(text.isEmpty() ? "" : ", ").append(id);
        }
        return count > some.size() ? text + " and " + (count - some.size()) + " more" : text.toString();
    }

    private static void line(Level level, String event, String text, Duration took) {
        LogLine.agent(level, event, null, took, text).log(LOG);
    }
}
