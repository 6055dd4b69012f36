package dev.converge.agent.systemd;

import dev.converge.agent.converger.HostMonitor;
import dev.converge.agent.converger.HostState;
import dev.converge.agent.report.RunSummary;
import dev.converge.resources.posix.ErrnoException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What the agent tells systemd about itself as a {@code Type=notify} service: {@code READY=1}
 * once the first pass over the graph has finished, a {@code STATUS=} line each time the host's
 * state reads differently ({@link HostState#describe}), {@code WATCHDOG=1} every half of
 * {@code WATCHDOG_USEC} while the engine answers its heartbeat, {@code RELOADING=1} then
 * {@code READY=1} around a reload, and {@code STOPPING=1}. Until ready, each tick on which the
 * engine answered extends systemd's start timeout ({@code EXTEND_TIMEOUT_USEC}), so a long
 * first pass that makes progress is not killed, and one that is wedged still is.
 *
 * <p>Invariants: {@code READY=1} is sent once before any {@code WATCHDOG=1} is due to matter, and
 * never before the first pass; no {@code WATCHDOG=1} follows a tick on which the engine had not
 * answered. A failed send is logged once, then once more when sending works again.
 *
 * <p>Threads: {@link #changed} and {@link #tick} on the host monitor's thread; {@link #reloading},
 * {@link #reloaded} and {@link #stopping} on the thread that reloads or stops (a signal thread).
 */
public final class ServiceNotifier implements HostMonitor.Listener, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger("converge");
    /** How far each extension of the start timeout reaches. */
    static final Duration START_EXTENSION = Duration.ofSeconds(30);

    private final NotifySocket socket;
    private final Duration watchdog;
    private final LongSupplier clock;
    /** Written on the monitor's thread only. */
    private boolean ready;
    private String lastStatus;
    private long lastPet;
    private boolean unanswered;
    private long unansweredSince;
    private boolean warnedUnanswered;
    /** Guarded by {@code this}. */
    private boolean sendFailing;

    /**
     * @param watchdog systemd's watchdog interval, or null when it set none
     */
    public ServiceNotifier(NotifySocket socket, Duration watchdog) {
        this(socket, watchdog, System::nanoTime);
    }

    /** With {@code clock} in place of {@link System#nanoTime}. */
    ServiceNotifier(NotifySocket socket, Duration watchdog, LongSupplier clock) {
        this.socket = socket;
        this.watchdog = watchdog;
        this.clock = clock;
        this.lastPet = clock.getAsLong();
    }

    /**
     * The notifier of a service started by systemd as {@code Type=notify}: empty when
     * {@code NOTIFY_SOCKET} is not set; a socket it cannot use is logged once and ignored.
     */
    public static Optional<ServiceNotifier> fromEnvironment(Map<String, String> environment) {
        try {
            return NotifySocket.fromEnvironment(environment).map(socket -> new ServiceNotifier(socket,
                    watchdogInterval(environment, ProcessHandle.current().pid()).orElse(null)));
        } catch (ErrnoException | IllegalArgumentException e) {
            LOG.warn("cannot notify systemd: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * systemd's watchdog interval for this process from {@code WATCHDOG_USEC}, when set and meant
     * for this process ({@code WATCHDOG_PID} absent or equal to {@code pid}).
     */
    public static Optional<Duration> watchdogInterval(Map<String, String> environment, long pid) {
        String usec = environment.get("WATCHDOG_USEC");
        String forPid = environment.get("WATCHDOG_PID");
        if (usec == null || (forPid != null && !forPid.equals(Long.toString(pid)))) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(usec.trim());
            return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            LOG.warn("WATCHDOG_USEC is not a number of microseconds ({}); not petting systemd's watchdog", usec);
            return Optional.empty();
        }
    }

    /** How often the host monitor must tick for this notifier: a quarter of the watchdog interval, at most 1 s. */
    public Duration tickEvery() {
        Duration second = Duration.ofSeconds(1);
        return watchdog == null || watchdog.dividedBy(4).compareTo(second) >= 0 ? second : watchdog.dividedBy(4);
    }

    @Override
    public void changed(HostState previous, HostState now) {
        String status = now.describe();
        if (!ready && now.settled()) {
            ready = true;
            lastStatus = status;
            send("READY=1\nSTATUS=" + status);
        } else if (!status.equals(lastStatus)) {
            lastStatus = status;
            send("STATUS=" + status);
        }
    }

    @Override
    public void tick(boolean alive) {
        long now = clock.getAsLong();
        if (!alive) {
            if (!unanswered) {
                unanswered = true;
                unansweredSince = now;
            } else if (!warnedUnanswered && watchdog != null && now - unansweredSince >= watchdog.toNanos() / 2) {
                warnedUnanswered = true;
                LOG.warn("the engine has not answered for {}; no longer petting systemd's watchdog",
                        RunSummary.seconds(Duration.ofNanos(now - unansweredSince)));
            }
            return;
        }
        if (warnedUnanswered) {
            LOG.info("the engine answers again after {}; petting systemd's watchdog again",
                    RunSummary.seconds(Duration.ofNanos(now - unansweredSince)));
        }
        unanswered = false;
        warnedUnanswered = false;
        if (!ready) {
            send("EXTEND_TIMEOUT_USEC=" + START_EXTENSION.toNanos() / 1000);
        }
        if (watchdog != null && now - lastPet >= watchdog.toNanos() / 2 - tickEvery().toNanos() / 2) {
            lastPet = now;
            send("WATCHDOG=1");
        }
    }

    /** A reload begins (SIGHUP): systemd shows the unit reloading until {@link #reloaded}. */
    public void reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
    }

    /** The reload is over, whether or not the new graph was taken. */
    public void reloaded() {
        send("READY=1");
    }

    /** The agent is stopping (SIGTERM, SIGINT, or the converged timeout). */
    public void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    /** Closes the socket; nothing is sent after this. */
    @Override
    public void close() {
        socket.close();
    }

    private void send(String message) {
        try {
            socket.send(message);
            synchronized (this) {
                if (sendFailing) {
                    sendFailing = false;
                    LOG.info("notifying systemd at {} works again", socket.name());
                }
            }
        } catch (ErrnoException e) {
            synchronized (this) {
                if (!sendFailing) {
                    sendFailing = true;
                    LOG.warn("cannot notify systemd at {}: {}", socket.name(), e.getMessage());
                }
            }
        }
    }
}
