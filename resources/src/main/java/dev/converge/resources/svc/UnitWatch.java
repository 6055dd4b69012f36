package dev.converge.resources.svc;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.freedesktop.dbus.connections.IDisconnectCallback;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.DBus;
import org.freedesktop.dbus.interfaces.DBusSigHandler;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.matchrules.DBusMatchRuleBuilder;
import org.freedesktop.dbus.types.Variant;

/**
 * The watch of one svc resource: systemd's own D-Bus signals, on a private connection to the bus
 * of the unit's manager (the system bus, or the user's bus for {@code session: true}).
 *
 * <p>The connection calls the manager's {@code Subscribe} (systemd sends unit signals only while
 * some client subscribed) and listens for each {@code PropertiesChanged} of the unit's object (it
 * started, stopped, failed, reloaded...), each {@code UnitFilesChanged} (enabled or disabled) and
 * each end of a manager reload ({@code daemon-reload} may load the unit anew). After each batch
 * of signals the watch thread reads the unit's {@code ActiveState} and {@code UnitFileState}
 * over the same connection and reports an event only when they differ from the declaration
 * ({@link UnitState#driftedFrom}): the agent's own start, restart or enable is no event, so it
 * never looks like activity after the graph converged.
 *
 * <p>When the connection breaks (the bus restarted) or systemd leaves the bus (it re-executed or
 * restarted), the watch closes the connection, waits, connects and subscribes again, and then
 * reads the unit's state as above, since anything may have changed meanwhile; the waits grow from
 * {@link #FIRST_RETRY} to {@link #LAST_RETRY}. Only the first connection's failure fails the
 * watch, after reporting running so that the first check still runs and says what is wrong.
 *
 * <p>{@link #run} is called by the resource's watch thread and returns only by throwing: on
 * interrupt it closes the connection, which ends the library's threads, and throws
 * {@link InterruptedException}. Signal handlers run on the library's signal thread and only
 * release a semaphore (or record the loss) that the watch thread waits on.
 */
final class UnitWatch {

    static final Duration FIRST_RETRY = Duration.ofMillis(500);
    static final Duration LAST_RETRY = Duration.ofSeconds(30);
    /** How often the watch checks that its connection is still up, besides the library's callback. */
    private static final Duration LIVENESS = Duration.ofSeconds(5);

    private static final String UNIT_INTERFACE = "org.freedesktop.systemd1.Unit";

    private final ResourceId id;
    private final String unit;
    private final SvcParams params;
    private final ServiceManager manager;

    UnitWatch(ResourceId id, String unit, SvcParams params, ServiceManager manager) {
        this.id = id;
        this.unit = unit;
        this.params = params;
        this.manager = manager;
    }

    /**
     * Watches until interrupted.
     *
     * @throws NoServiceManagerException when the first connection or subscription fails; running
     *     was reported before
     * @throws InterruptedException when the thread is interrupted; the connection is closed by then
     */
    void run(ResourceContext ctx) throws NoServiceManagerException, InterruptedException {
        boolean first = true;
        Duration retry = FIRST_RETRY;
        while (true) {
            Link link;
            try {
                Optional<Path> missing = manager.busSocket().filter(socket -> !Files.exists(socket));
                if (missing.isPresent()) {
                    // The client library would try for seconds to reach a socket that is not there.
                    throw new DBusException("no bus socket at " + missing.get());
                }
                link = Link.open(manager.busAddress(), UnitName.objectPath(unit));
            } catch (DBusException | DBusExecutionException | LinkageError e) {
                // A LinkageError: a Java runtime without a module the library needs (jdk.security.auth).
                String why = "cannot watch " + unit + " on the D-Bus of " + manager.label() + " ("
                        + manager.busAddress() + "): " + (e instanceof LinkageError
                                ? "the Java runtime lacks a class the D-Bus client needs: " + e.getMessage()
                                : e.getMessage());
                if (first) {
                    ctx.running();
                    throw new NoServiceManagerException(id, why, e);
                }
                ctx.warn(why + "; trying again in " + retry.toMillis() + " ms");
                Thread.sleep(retry);
                retry = next(retry);
                continue;
            }
            try {
                if (first) {
                    ctx.running();
                    first = false;
                } else {
                    ctx.log("watching " + unit + " again on the D-Bus of " + manager.label());
                    if (link.drifted(params)) {
                        ctx.event();
                    }
                }
                String lost;
                while ((lost = link.awaitSignal()) == null) {
                    if (link.drifted(params)) {
                        ctx.event();
                    }
                }
                ctx.warn("the watch of " + unit + " stopped: " + lost + "; reconnecting");
                retry = FIRST_RETRY;
            } finally {
                link.close();
            }
            Thread.sleep(retry);
            retry = next(retry);
        }
    }

    private static Duration next(Duration retry) {
        Duration doubled = retry.multipliedBy(2);
        return doubled.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : doubled;
    }

    /**
     * One connection with its subscription and signal handlers. A handler only counts the signal
     * (or records the loss); the watch thread then reads the unit's state itself, so that a
     * signal of the agent's own change, which leaves the unit as declared, is no event.
     */
    private static final class Link implements AutoCloseable {

        private final DBusConnection connection;
        private final String unitPath;
        private final Semaphore signals;
        private final CompletableFuture<String> lost;

        private Link(DBusConnection connection, String unitPath, Semaphore signals, CompletableFuture<String> lost) {
            this.connection = connection;
            this.unitPath = unitPath;
            this.signals = signals;
            this.lost = lost;
        }

        static Link open(String address, String unitPath) throws DBusException {
            var signals = new Semaphore(0);
            var lost = new CompletableFuture<String>();
            IDisconnectCallback onLoss = new IDisconnectCallback() {
                @Override
                public void disconnectOnError(IOException e) {
                    lose("the bus connection broke (" + e.getMessage() + ")");
                }

                @Override
                public void requestedDisconnect(Integer connectionId) {
                    lose("the bus closed the connection");
                }

                @Override
                public void exceptionOnTerminate(IOException e) {
                    lose("the bus connection broke (" + e.getMessage() + ")");
                }

                private void lose(String why) {
                    lost.complete(why);
                    signals.release();
                }
            };
            DBusConnection connection = DBusConnectionBuilder.forAddress(address)
                    .withShared(false)
                    .withDisconnectCallback(onLoss)
                    .receivingThreadConfig()
                    .withSignalThreadCount(1)
                    .withErrorHandlerThreadCount(1)
                    .withMethodCallThreadCount(1)
                    .withMethodReturnThreadCount(1)
                    .connectionConfig()
                    .build();
            try {
                DBusSigHandler<Properties.PropertiesChanged> changed = s -> signals.release();
                connection.addSigHandler(DBusMatchRuleBuilder.create().withType(Properties.PropertiesChanged.class)
                        .withPath(unitPath).build(), changed);
                connection.addSigHandler(SystemdManager.UnitFilesChanged.class, s -> signals.release());
                connection.addSigHandler(SystemdManager.Reloading.class, s -> {
                    if (!s.active()) {
                        signals.release();
                    }
                });
                connection.addSigHandler(DBus.NameOwnerChanged.class, s -> {
                    if (SystemdManager.BUS_NAME.equals(s.name) && s.newOwner.isEmpty()) {
                        lost.complete("systemd left the bus");
                        signals.release();
                    }
                });
                connection.getRemoteObject(SystemdManager.BUS_NAME, SystemdManager.OBJECT_PATH,
                        SystemdManager.class, false).subscribe();
                return new Link(connection, unitPath, signals, lost);
            } catch (DBusException | RuntimeException e) {
                connection.disconnect();
                throw e;
            }
        }

        /**
         * Waits for the next signals (all that came meanwhile count as one); returns null then,
         * or how the connection was lost.
         */
        String awaitSignal() throws InterruptedException {
            while (!signals.tryAcquire(LIVENESS.toMillis(), TimeUnit.MILLISECONDS)) {
                if (!connection.isConnected()) {
                    return "the bus connection is closed";
                }
            }
            signals.drainPermits();
            return lost.getNow(null);
        }

        /**
         * Whether the unit's state now differs from {@code params}, read over this connection;
         * true when it cannot be read, so that the check says why.
         */
        boolean drifted(SvcParams params) {
            try {
                Properties unit = connection.getRemoteObject(SystemdManager.BUS_NAME, unitPath, Properties.class,
                        false);
                var state = new UnitState("", property(unit, "ActiveState"), "", property(unit, "UnitFileState"),
                        false, "");
                return state.driftedFrom(params);
            } catch (DBusException | DBusExecutionException e) {
                return true;
            }
        }

        private static String property(Properties unit, String name) {
            Object value = unit.Get(UNIT_INTERFACE, name);
            return String.valueOf(value instanceof Variant<?> v ? v.getValue() : value);
        }

        @Override
        public void close() {
            connection.disconnect();
        }
    }
}
